# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced first (before tests/lib.sh) by the daemon tests that restart containerd or run
# containers: re-runs the test in a private mount namespace with a tmpfs on /run, since
# containerd 1.6 keeps its shims' sockets in /run/containerd/s and ctr its fifos in
# /run/containerd/fifo, whatever the config says. Only as root where unshare --mount is
# permitted; elsewhere the test goes on as it is (and skips what needs root).
if [ -z "${GPUPREP_TEST_NS:-}" ] && [ "$(id -u)" = 0 ] &&
	unshare --mount --propagation private true 2>/dev/null; then
	export GPUPREP_TEST_NS=1
	exec unshare --mount --propagation private bash -c \
		'mount -t tmpfs -o mode=0755 gpuprep-test /run && exec bash "$0"' "$0"
fi
