#!/bin/bash
# Runs a containerd daemon test (tests/daemons/NAME.sh, the argument) against containerd
# 2.1.5 from ../shared/bin instead of Debian's 1.6: CONTAINERD_BIN names it (containerd-lib.sh
# starts that one) and its directory leads PATH, so it finds its own runc shim. meson
# registers each such test twice: NAME (1.6) and NAME-containerd2 (this).
# A plain clone has no ../shared: the test is then one TAP skip, saying why.
dir=${SHARED_DIR:-$(dirname "$0")/../../../shared}/bin/containerd-2.1.5
if [ ! -x "$dir/containerd" ]; then
	echo "1..0 # SKIP $dir/containerd is absent (../shared/bin is not in a plain clone)"
	exit 0
fi
export CONTAINERD_BIN=$dir/containerd
export PATH=$dir:$PATH
exec bash "$1"
