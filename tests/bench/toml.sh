#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The TOML editor on synthetic containerd configs of 100 KB, 1 MB and 10 MB: load, four
# edits (set a value in place, create a table, add a key, delete a key) and write, timed
# and with the peak memory above the process's baseline; best of RUNS runs each, side by
# side, with how each grows against the 10x growth of the file.
# Targets: linear in the size; 10 MB in under 200 ms; peak memory under 4x the file.
# usage: tests/bench/toml.sh [BUILD_DIR] [RUNS]
set -eu
build=${1:-build}
runs=${2:-5}
bench=$build/tests/bench/bench-toml
if [ ! -x "$bench" ]; then
	echo "toml.sh: $bench is missing; run: meson compile -C $build" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() { # FILE: "bytes load edit write total peak cpu" of the fastest run; least peak and cpu seen
	local f=$1 i
	for ((i = 0; i < runs; i++)); do "$bench" run "$f"; done |
		sort -n -k5 | awk 'NR == 1 { line = $0 }
			{ if (mp == "" || $6 < mp) mp = $6; if (mc == "" || $7 < mc) mc = $7 }
			END { split(line, a, " "); print a[1], a[2], a[3], a[4], a[5], mp, mc }'
}

printf '%-7s %9s %9s %9s %9s %9s %10s %9s %12s %11s\n' size "load ms" "edit ms" "write ms" \
	"total ms" "cpu ms" "peak KB" "mem/file" "time growth" "mem growth"
prev_total='' prev_peak='' status=0
for size in 100000 1000000 10000000; do
	f=$tmp/config-$size.toml
	"$bench" gen "$size" "$f"
	read -r bytes load edit write total peak cpu < <(best "$f")
	case $size in 100000) name="100 KB" ;; 1000000) name="1 MB" ;; *) name="10 MB" ;; esac
	awk -v n="$name" -v b="$bytes" -v l="$load" -v e="$edit" -v w="$write" -v t="$total" \
		-v c="$cpu" -v p="$peak" -v pt="$prev_total" -v pp="$prev_peak" 'BEGIN {
		tg = pt == "" ? "-" : sprintf("%.1fx", t / pt)
		mg = pp == "" ? "-" : sprintf("%.1fx", p / pp)
		printf "%-7s %9.2f %9.2f %9.2f %9.2f %9.2f %10d %8.2fx %12s %11s\n", n, l / 1000,
			e / 1000, w / 1000, t / 1000, c / 1000, p, p * 1024 / b, tg, mg }'
	prev_total=$total prev_peak=$peak
		last_total=$total last_peak=$peak last_bytes=$bytes last_cpu=$cpu
done
echo "(best of $runs runs; each size is 10x the one before: linear growth reads 10.0x;"
echo " wall time suffers from other load on the machine, cpu time much less)"
awk -v t="$last_total" -v c="$last_cpu" -v p="$last_peak" -v b="$last_bytes" 'BEGIN {
		printf "target: 10 MB under 200 ms: %.1f ms wall, %s (%.1f ms cpu)\n", t / 1000,
		t < 200000 ? "met" : "MISSED", c / 1000
	printf "target: peak memory under 4x the file: %.2fx at 10 MB, %s\n", p * 1024 / b,
		p * 1024 < 4 * b ? "met" : "MISSED" }'
exit $status
