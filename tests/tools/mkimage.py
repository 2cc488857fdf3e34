#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build a tiny container image from one static binary, for the smoke tests (no registry).

usage: mkimage.py rootfs BINARY OUT.tar          a root filesystem tar for `docker import`
       mkimage.py oci BINARY OUT.tar NAME        an OCI image archive for `ctr images import`

The image holds BINARY as /busybox (Debian's busybox-static is what the tests use), owned
by root, with mtime 0, so the same input gives the same bytes.
"""
import hashlib
import io
import json
import platform
import sys
import tarfile


ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
        "s390x": "s390x", "riscv64": "riscv64"}.get(platform.machine(), platform.machine())


def rootfs(binary):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        info = t.gettarinfo(binary, "busybox")
        info.mtime = 0
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with open(binary, "rb") as f:
            t.addfile(info, f)
    return buf.getvalue()


def add(t, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 0
    t.addfile(info, io.BytesIO(data))


def blob(t, data):
    digest = hashlib.sha256(data).hexdigest()
    add(t, "blobs/sha256/" + digest, data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def oci(binary, out, name):
    layer = rootfs(binary)
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        layer_desc = blob(t, layer)
        config = {"architecture": ARCH, "os": "linux", "config": {},
                  "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]}}
        config_desc = blob(t, json.dumps(config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": dict(config_desc, mediaType="application/vnd.oci.image.config.v1+json"),
            "layers": [dict(layer_desc, mediaType="application/vnd.oci.image.layer.v1.tar")],
        }
        manifest_desc = blob(t, json.dumps(manifest).encode())
        index = {"schemaVersion": 2, "manifests": [dict(
            manifest_desc, mediaType="application/vnd.oci.image.manifest.v1+json",
            annotations={"org.opencontainers.image.ref.name": name},
            platform={"architecture": ARCH, "os": "linux"})]}
        add(t, "index.json", json.dumps(index).encode())
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "rootfs":
        with open(sys.argv[3], "wb") as f:
            f.write(rootfs(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "oci":
        oci(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


main()
