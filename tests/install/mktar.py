#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Build crafted tarballs for the install tests (what tar(1) will not make on purpose).
# usage: mktar.py OUT.tar.gz ENTRY...
#   file:NAME=PATH     a regular file NAME with PATH's bytes
#   zeros:NAME=SIZE    a regular file NAME of SIZE zero bytes (2G, 512M, 4096), written as
#                      repeated gzip members, so a 2 GiB entry is a 2 MB file made at once
#   link:NAME=TARGET   a symlink NAME -> TARGET
#   hard:NAME=TARGET   a hard link NAME -> TARGET
#   dir:NAME           a directory
import gzip
import io
import sys
import tarfile

CHUNK = 1 << 20
UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def size_of(s):
    return int(s[:-1]) * UNITS[s[-1]] if s[-1] in UNITS else int(s)


# The uncompressed tar as segments: bytes, or an int for that many zero bytes.
segments = []
buf = io.BytesIO()


def flush():
    if buf.tell():
        segments.append(buf.getvalue())
        buf.seek(0)
        buf.truncate()


def add(ti, data=None):
    buf.write(ti.tobuf(tarfile.PAX_FORMAT, tarfile.ENCODING, "surrogateescape"))
    if data is not None:
        buf.write(data)
        if len(data) % 512:
            buf.write(bytes(512 - len(data) % 512))


for spec in sys.argv[2:]:
    kind, rest = spec.split(":", 1)
    if kind == "dir":
        ti = tarfile.TarInfo(rest)
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
        add(ti)
        continue
    name, arg = rest.split("=", 1)
    ti = tarfile.TarInfo(name)
    ti.mode = 0o644
    if kind == "file":
        data = open(arg, "rb").read()
        ti.size = len(data)
        add(ti, data)
    elif kind == "zeros":
        ti.size = size_of(arg)
        add(ti)
        flush()
        segments.append(ti.size + (-ti.size % 512))
    elif kind in ("link", "hard"):
        ti.type = tarfile.SYMTYPE if kind == "link" else tarfile.LNKTYPE
        ti.linkname = arg
        add(ti)
buf.write(bytes(1024))  # the end-of-archive blocks
flush()

# A gzip file may be several members one after the other; gzip and libarchive read them as
# one stream. A run of zeros is the same 1 MiB member repeated.
zero_member = gzip.compress(bytes(CHUNK), compresslevel=9, mtime=0)
with open(sys.argv[1], "wb") as out:
    for seg in segments:
        if isinstance(seg, int):
            for _ in range(seg // CHUNK):
                out.write(zero_member)
            if seg % CHUNK:
                out.write(gzip.compress(bytes(seg % CHUNK), mtime=0))
        else:
            out.write(gzip.compress(seg, mtime=0))
