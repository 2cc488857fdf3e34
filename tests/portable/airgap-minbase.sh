#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The minimal Debian root of tests/portable/airgap.sh, built once and cached:
#
#   bash tests/portable/airgap-minbase.sh [SUITE [ARCH]]     (as root; default bookworm, the host's)
#
# prints the cached root's path, ${GPUPREP_MINBASE_CACHE:-/var/cache/gpuprep-minbase}/SUITE-ARCH,
# building it first when it is missing or was built by another recipe (the recipe is kept beside
# it, in SUITE-ARCH.recipe). The test copies it; nothing ever writes into the cache.
#
# The root is `debootstrap --variant=minbase` from Debian's mirror (GPUPREP_MINBASE_MIRROR,
# default http://deb.debian.org/debian; its Release is checked against debian-archive-keyring),
# plus libcap2, which NVIDIA's libnvidia-container1 depends on and every real node has (systemd
# and iputils need it; minbase has neither), and the node's container runtime: Debian's
# containerd (1.6) and runc, installed by debootstrap like every other package. Then apt is purged, with the TLS stack only it
# needs (gnutls, hogweed, nettle): an offline install runs `dpkg -i`, never apt, and nettle is one
# of gpuprep's own libraries, which the node must not have for the test to mean anything. gpgv
# (and debian-archive-keyring) stay: every Debian and Ubuntu node has them, and install checks
# the bundle's InRelease with gpgv.
# /var/cache/apt/archives is emptied. About 215 MB; about a minute to build on 2 cores (most
# of it the download), 1 s to copy.
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
suite=${1:-bookworm}
arch=${2:-$(dpkg --print-architecture)}
cache=${GPUPREP_MINBASE_CACHE:-/var/cache/gpuprep-minbase}
mirror=${GPUPREP_MINBASE_MIRROR:-http://deb.debian.org/debian}
include=libcap2,containerd,runc
purge="apt libapt-pkg6.0 libgnutls30 libhogweed6 libnettle8"
recipe="debootstrap --variant=minbase --include=$include --arch=$arch $suite; dpkg --purge $purge; rm var/cache/apt/archives/*.deb"
dir=$cache/$suite-$arch

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ -d "$dir" ] && [ "$(cat "$dir.recipe" 2>/dev/null)" = "$recipe" ]; then
	printf '%s\n' "$dir"
	exit 0
fi
command -v debootstrap >/dev/null || {
	echo "airgap-minbase: no debootstrap (apt-get install debootstrap)" >&2
	exit 1
}
tmp=$(mktemp -d "$cache/.new-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$cache/$suite-$arch.log
start=$SECONDS
if ! debootstrap --variant=minbase --include="$include" --arch="$arch" "$suite" "$tmp/root" "$mirror" >"$log" 2>&1; then
	tail -20 "$log" >&2
	echo "airgap-minbase: debootstrap failed (the whole log: $log)" >&2
	exit 1
fi
# shellcheck disable=SC2086
chroot "$tmp/root" dpkg --purge $purge >>"$log" 2>&1
rm -f "$tmp/root/var/cache/apt/archives/"*.deb
rm -rf "$dir" "$dir.recipe"
mv "$tmp/root" "$dir"
printf '%s\n' "$recipe" >"$dir.recipe"
echo "airgap-minbase: built $dir in $((SECONDS - start)) s" >&2
printf '%s\n' "$dir"
