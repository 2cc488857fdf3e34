#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: the full `gpuprep preflight` (every check) on a fixture node with a live containerd
# on its socket, against `lspci` and `ctr version` as yardsticks, side by side in one hyperfine
# run; then the peak RSS of each (/usr/bin/time, median of 21 runs).
# Targets (issue 19): preflight under 10 ms median wall time and under 4 MB peak RSS.
#
# The node is tests/bench/ready-node.sh's: the up-sample fixture (a T4 on the nvidia driver, the
# toolkit installed) made ready by one `up`, its containerd running on the node's own
# config.toml (the tests' harness, on private paths). preflight asks that containerd for its
# version and status over the CRI. The fixture's dpkg database holds a handful of packages, a
# real node's hundreds: the toolkit check reads it, so it gets the size of this machine's (read,
# never changed), with the fixture's toolkit packages in place of any the machine has.
#
# usage: tests/bench/preflight.sh [BUILD_DIR [GPUPREP]]
#        (default: build and BUILD_DIR/cmd/gpuprep; give the static binary as GPUPREP to measure
#        it the same way; needs root, containerd, ctr, hyperfine, lspci, /usr/bin/time)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
gpuprep=$(realpath "${2:-$build/cmd/gpuprep}")
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
for tool in hyperfine lspci python3 containerd ctr; do
	command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
timebin=/usr/bin/time
[ -x "$timebin" ] || { echo "needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "containerd needs root" >&2; exit 1; }
. "$src/tests/bench/ready-node.sh"
ready_node "$gpuprep"
if [ -r /var/lib/dpkg/status ]; then
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
		!/^Package: (nvidia-container-toolkit|nvidia-container-toolkit-base|libnvidia-container-tools|libnvidia-container1)\n/' \
		/var/lib/dpkg/status >"$T/status"
	cat "$root/var/lib/dpkg/status" >>"$T/status"
	mv "$T/status" "$root/var/lib/dpkg/status"
fi

pf=("$gpuprep" --root "$root" preflight --runtime containerd)
if ! "${pf[@]}" >"$T/out" 2>&1; then
	echo "preflight fails on the ready node:" >&2
	cat "$T/out" >&2
	exit 1
fi
grep -q "the running containerd uses" "$T/out" ||
	{ echo "preflight did not ask the live containerd:" >&2; cat "$T/out" >&2; exit 1; }
# lspci reads the same tree's PCI devices.
ls=(lspci -A linux-sysfs -O "sysfs.path=$root/sys/bus/pci")
ct=(ctr --address "$CONTAINERD_SOCK" version)

q() { printf '%q ' "$@"; }
hyperfine -N --warmup 20 --min-runs 200 --style basic --export-json "$T/h.json" \
	-n "gpuprep preflight" "$(q "${pf[@]}")" \
	-n "lspci" "$(q "${ls[@]}")" \
	-n "ctr version" "$(q "${ct[@]}")" >"$T/hyperfine.log"

# Peak RSS: the median over 21 runs of each, in KiB.
rss() {
	local i
	for i in $(seq 21); do
		"$timebin" -f %M -o "$T/rss" "$@" >/dev/null 2>&1 || true
		cat "$T/rss"
	done | sort -n | sed -n 11p
}
python3 - "$T/h.json" "$(rss "${pf[@]}")" "$(rss "${ls[@]}")" "$(rss "${ct[@]}")" "$gpuprep" <<'EOF_PY'
import json, statistics, sys
h = json.load(open(sys.argv[1]))["results"]
rss = dict(zip(["gpuprep preflight", "lspci", "ctr version"], map(int, sys.argv[2:5])))
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in h}
# CPU time (user + system, mean) moves less than wall time on a loaded machine.
cpu = {r["command"]: (r["user"] + r["system"]) * 1000 for r in h}
pf = med["gpuprep preflight"]
print(f"gpuprep: {sys.argv[5]}")
print(f"{'':22}{'median wall':>14}{'CPU':>11}{'peak RSS':>12}{'preflight / this':>18}")
for name, t in med.items():
    print(f"{name:22}{t:>11.2f} ms{cpu[name]:>8.2f} ms{rss[name] / 1024:>9.2f} MB{pf / t:>17.2f}x")
ok_t, ok_m = pf < 10, rss["gpuprep preflight"] < 4096
print(f"target: preflight < 10 ms: {'MET' if ok_t else 'MISSED'} ({pf:.2f} ms); "
      f"< 4 MB peak RSS: {'MET' if ok_m else 'MISSED'} ({rss['gpuprep preflight'] / 1024:.2f} MB)")
EOF_PY
