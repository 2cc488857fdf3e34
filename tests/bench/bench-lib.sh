# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the benchmarks (after they define $src): the benchmark's temp dir $T, removed at
# exit after the cleanups registered with at_exit (run last first).
T=$(mktemp -d "${TMPDIR:-/tmp}/gpuprep-bench.XXXXXX")
_cleanups=()
at_exit() { _cleanups+=("$*"); }
finish() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" || true; done
	rm -rf "$T"
}
trap finish EXIT
