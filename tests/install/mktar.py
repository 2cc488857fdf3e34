#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Build crafted tarballs for the install tests (what tar(1) will not make on purpose).
# usage: mktar.py OUT.tar.gz ENTRY...
#   file:NAME=PATH     a regular file NAME with PATH's bytes
#   link:NAME=TARGET   a symlink NAME -> TARGET
#   hard:NAME=TARGET   a hard link NAME -> TARGET
#   dir:NAME           a directory
import io
import sys
import tarfile

out = sys.argv[1]
with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as tf:
    for spec in sys.argv[2:]:
        kind, rest = spec.split(":", 1)
        if kind == "dir":
            ti = tarfile.TarInfo(rest)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            tf.addfile(ti)
            continue
        name, arg = rest.split("=", 1)
        ti = tarfile.TarInfo(name)
        if kind == "file":
            data = open(arg, "rb").read()
            ti.size = len(data)
            ti.mode = 0o644
            tf.addfile(ti, io.BytesIO(data))
        elif kind in ("link", "hard"):
            ti.type = tarfile.SYMTYPE if kind == "link" else tarfile.LNKTYPE
            ti.linkname = arg
            tf.addfile(ti)
