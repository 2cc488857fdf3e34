# SPDX-License-Identifier: GPL-2.0-or-later
# The fixture nodes of the preflight tests, sourced after tests/lib.sh.
#
#   mksock PATH       a unix socket file, as a daemon leaves it (nobody listens on it)
#   node BASE OVERLAY a fresh copy of tests/fixtures/nodes/BASE with nodes/OVERLAY copied over
#                     it; a regular file standing in for containerd's socket becomes a socket
#   healthy           the healthy node: detect's `sample` (a Tesla T4 on the nvidia driver, its
#                     device nodes, containerd) with preflight-healthy over it (containerd with
#                     nvidia as the default and systemd cgroups, the toolkit, CDI, /dev/char
#                     links, kernel state)
#   jetson            detect's Jetson Xavier NX (L4T R35.4.1) with preflight-jetson over it
#                     (toolkit 1.10, a CDI spec)
# Each prints the new root's path, under $T.

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

mksock() {
	mkdir -p "$(dirname "$1")"
	"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1"
}

node() {
	local r
	r=$(fixture_root "$1")
	cp -a "$FIXTURES/nodes/$2/." "${r:?}/"
	if [ -f "$r/run/containerd/containerd.sock" ]; then
		rm "${r:?}/run/containerd/containerd.sock"
		mksock "${r:?}/run/containerd/containerd.sock"
	fi
	printf '%s\n' "$r"
}

healthy() {
	local r
	r=$(node sample preflight-healthy)
	[ -S "${r:?}/run/containerd/containerd.sock" ] || mksock "${r:?}/run/containerd/containerd.sock"
	printf '%s\n' "$r"
}

jetson() { node jetson-xavier-nx preflight-jetson; }
