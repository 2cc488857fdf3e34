#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: the full `gpuprep preflight` on the healthy fixture node, against `lspci`
# alone as the yardstick, side by side in one hyperfine run; then peak RSS of each.
# Targets: preflight under 10 ms median wall time and under 4 MB peak RSS.
#
# usage: tests/bench/preflight.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
gpuprep=$(realpath "$build/cmd/gpuprep")
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
for tool in hyperfine lspci python3; do
	command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
timebin=/usr/bin/time
[ -x "$timebin" ] || { echo "needs GNU time (/usr/bin/time, Debian package time)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpuprep-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The healthy node, as the integration test builds it: detect's sample node (a T4 on the
# nvidia driver) with the preflight-healthy overlay, and a real socket for containerd.
root="$tmp/node"
mkdir -p "$root"
cp -a tests/fixtures/nodes/sample/. "$root/"
cp -a tests/fixtures/nodes/preflight-healthy/. "$root/"
rm -f "$root/run/containerd/containerd.sock"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$root/run/containerd/containerd.sock"
# The fixture's dpkg database holds five packages; a real node's, hundreds. The toolkit check
# reads it, so give it the size of this machine's (read, never changed), with the fixture's
# toolkit packages in place of any the machine has.
if [ -r /var/lib/dpkg/status ]; then
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
		!/^Package: (nvidia-container-toolkit|nvidia-container-toolkit-base|libnvidia-container-tools|libnvidia-container1)\n/' \
		/var/lib/dpkg/status >"$tmp/status"
	cat "$root/var/lib/dpkg/status" >>"$tmp/status"
	mv "$tmp/status" "$root/var/lib/dpkg/status"
fi

# No daemon listens on the socket: runtime-live's CRI call fails at connect (timed all the
# same) and is ignored; tests/daemons/preflight-live.sh runs it against a real containerd.
pf=("$gpuprep" --root "$root" preflight --cgroup-driver systemd --ignore-preflight-errors runtime-live)
# lspci reads the same tree's PCI devices when it has them, else the machine's own.
if [ -d "$root/sys/bus/pci/devices" ]; then
	ls=(lspci -A linux-sysfs -O "sysfs.path=$root/sys/bus/pci")
else
	ls=(lspci)
fi
"${pf[@]}" >/dev/null || { echo "preflight fails on the healthy node:" >&2; "${pf[@]}" >&2; exit 1; }

q() { printf '%q ' "$@"; }
hyperfine -N --warmup 20 --min-runs 200 --style basic \
	--export-json "$tmp/h.json" \
	-n "gpuprep preflight" "$(q "${pf[@]}")" \
	-n "lspci" "$(q "${ls[@]}")" >"$tmp/hyperfine.log"

# Peak RSS: the median over 21 runs of each, in KiB.
rss() {
	local i
	for i in $(seq 21); do
		"$timebin" -f %M -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
		cat "$tmp/rss"
	done | sort -n | sed -n 11p
}
pf_rss=$(rss "${pf[@]}")
ls_rss=$(rss "${ls[@]}")

python3 - "$tmp/h.json" "$pf_rss" "$ls_rss" <<'EOF'
import json, statistics, sys
h = json.load(open(sys.argv[1]))["results"]
pf_rss, ls_rss = int(sys.argv[2]), int(sys.argv[3])
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in h}
pf, ls = med["gpuprep preflight"], med["lspci"]
print(f"{'':22}{'median wall':>14}{'peak RSS':>12}")
print(f"{'gpuprep preflight':22}{pf:>11.2f} ms{pf_rss / 1024:>9.2f} MB")
print(f"{'lspci (yardstick)':22}{ls:>11.2f} ms{ls_rss / 1024:>9.2f} MB")
print(f"{'ratio':22}{pf / ls:>12.2f}x{pf_rss / ls_rss:>11.2f}x")
ok_t, ok_m = pf < 10, pf_rss < 4096
print(f"target: < 10 ms: {'met' if ok_t else 'MISSED'} ({pf:.2f} ms); "
      f"< 4 MB: {'met' if ok_m else 'MISSED'} ({pf_rss / 1024:.2f} MB)")
EOF
