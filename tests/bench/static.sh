#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: the static x86_64 gpuprep (.ci/portable) against the dynamic build, side by side
# in one hyperfine run per command, on the same ready node: detect, configure (nothing left to
# change), verify (containerd), preflight (every check) and up (every step already done).
# Prints the median wall time of each, the ratio static/dynamic, and the peak RSS of each
# (/usr/bin/time). The dynamic build loads libcurl (and its ~30 libraries) with dlopen for
# verify, preflight and up; the static one has it linked in and should not pay for that.
# The node is tests/bench/ready-node.sh's (up-sample with its own containerd). Then the issue 19
# targets for each build: preflight < 10 ms and < 4 MB peak RSS, verify <= 0.5x `ctr version`
# (measured here in its own hyperfine run), up < 10 ms.
#
# usage: tests/bench/static.sh [BUILD_DIR [PORTABLE_DIR]]
#        (default: build and BUILD_DIR/portable, which `bash .ci/portable build/portable`
#        fills; needs root, containerd, hyperfine and /usr/bin/time)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
portable=${2:-$build/portable}
dynamic=$(realpath "$build/cmd/gpuprep")
static=$(realpath "$portable/gpuprep-linux-x86_64" 2>/dev/null || true)
[ -x "$dynamic" ] || { echo "no $dynamic: build first (meson compile -C $build)" >&2; exit 1; }
[ -x "$static" ] || { echo "no static gpuprep in $portable: run 'bash .ci/portable $portable'" >&2; exit 1; }
for tool in hyperfine python3 containerd; do
	command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "containerd needs root" >&2; exit 1; }
. "$src/tests/bench/ready-node.sh"
ready_node "$dynamic"
ids=$src/tests/fixtures/pci.ids

# The commands, without the binary; both binaries must give the same output first.
names=(detect configure verify preflight up)
args_detect=(--root "$root" detect --pci-ids "$ids")
args_configure=(--root "$root" configure --runtime containerd)
args_verify=(--root "$root" verify --runtime containerd)
args_preflight=(--root "$root" preflight --runtime containerd)
args_up=(--root "$root" up --runtime containerd --restart-mode service)
q() { printf '%q ' "$@"; }
rows=()
for n in "${names[@]}"; do
	declare -n a="args_$n"
	"$dynamic" "${a[@]}" >"$T/$n.dyn" 2>&1 || true
	"$static" "${a[@]}" >"$T/$n.sta" 2>&1 || true
	# Timings aside (up prints each step's), the outputs must match.
	sed -i 's/ *[0-9.]\+ m\?s\b/ @TIME@/g' "$T/$n.dyn" "$T/$n.sta"
	if ! cmp -s "$T/$n.dyn" "$T/$n.sta"; then
		echo "$n: the static and dynamic builds disagree:" >&2
		diff -u "$T/$n.dyn" "$T/$n.sta" >&2 || true
		exit 1
	fi
	hyperfine -N --warmup 10 --min-runs 100 --style basic --export-json "$T/$n.json" \
		-n dynamic "$(q "$dynamic" "${a[@]}")" -n static "$(q "$static" "${a[@]}")" \
		>"$T/$n.hyperfine.log" 2>&1 || { cat "$T/$n.hyperfine.log" >&2; exit 1; }
	rss_d=$(/usr/bin/time -f '%M' "$dynamic" "${a[@]}" 2>&1 >/dev/null | tail -1)
	rss_s=$(/usr/bin/time -f '%M' "$static" "${a[@]}" 2>&1 >/dev/null | tail -1)
	rows+=("$n $T/$n.json $rss_d $rss_s")
	echo "$n $rss_d $rss_s" >>"$T/rss"
	unset -n a
done

hyperfine -N --warmup 10 --min-runs 100 --style basic --export-json "$T/ctr.json" \
	-n ctr "$(q ctr --address "$CONTAINERD_SOCK" version)" >"$T/ctr.hyperfine.log" 2>&1 ||
	{ cat "$T/ctr.hyperfine.log" >&2; exit 1; }

echo "== static vs dynamic gpuprep on a ready node (hyperfine medians; peak RSS from /usr/bin/time)"
printf '%-10s %12s %12s %8s %12s %12s\n' command dynamic static ratio "dyn RSS" "static RSS"
for r in "${rows[@]}"; do
	set -- $r
	python3 - "$@" <<'PY'
import json, statistics, sys
name, path, rss_d, rss_s = sys.argv[1:]
r = {x["command"]: statistics.median(x["times"]) * 1e3 for x in json.load(open(path))["results"]}
d, s = r["dynamic"], r["static"]
print(f"{name:<10} {d:9.2f} ms {s:9.2f} ms {s / d:7.2f}x {rss_d:>9} KB {rss_s:>9} KB")
PY
done
printf '\nsizes: dynamic %s bytes (not stripped, plus its shared libraries), static %s bytes (stripped, all in)\n' \
	"$(stat -c %s "$dynamic")" "$(stat -c %s "$static")"

echo
python3 - "$T" <<'PY'
import json, statistics, sys
t = sys.argv[1]
def med(name):
    return {x["command"]: statistics.median(x["times"]) * 1e3
            for x in json.load(open(f"{t}/{name}.json"))["results"]}
ctr = med("ctr")["ctr"]
rss = {}
for line in open(f"{t}/rss"):
    n, d, s = line.split()
    rss[n] = {"dynamic": int(d), "static": int(s)}
pf, vf, up = med("preflight"), med("verify"), med("up")
print(f"targets (issue 19; ctr version {ctr:.2f} ms):")
for b in ("dynamic", "static"):
    m = lambda ok: "MET" if ok else "MISSED"
    print(f"  {b:<8} preflight < 10 ms: {m(pf[b] < 10)} ({pf[b]:.2f} ms); "
          f"< 4 MB: {m(rss['preflight'][b] < 4096)} ({rss['preflight'][b] / 1024:.2f} MB); "
          f"verify <= 0.5x ctr version: {m(vf[b] <= 0.5 * ctr)} ({vf[b] / ctr:.2f}x); "
          f"up < 10 ms: {m(up[b] < 10)} ({up[b]:.2f} ms)")
PY
