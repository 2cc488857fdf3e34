#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: `gpuprep up` on a node that is already ready (every step "already done": the
# toolkit is installed, containerd runs nvidia as its default), against what it does once
# each, side by side in one hyperfine run:
#   - `ctr version`: one round trip to the same containerd with its own client (the floor
#     for anything that asks the daemon);
#   - `gpuprep preflight` with every check (up runs preflight twice, plus verify);
#   - `gpuprep verify`.
# containerd is the tests' harness (tests/daemons/containerd-lib.sh) on private paths under
# the node root, started here. Targets (issue 19): up on a ready node under 10 ms median wall
# time, and verify at most half of `ctr version`'s (tests/bench/verify.sh measures that alone).
#
# usage: tests/bench/up.sh [BUILD_DIR [GPUPREP]]
#        (default: build and BUILD_DIR/cmd/gpuprep; give the static binary as GPUPREP to measure
#        it the same way; needs root, containerd and ctr)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
gpuprep=$(realpath "${2:-$build/cmd/gpuprep}")
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
for tool in hyperfine python3 containerd ctr; do
	command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "containerd needs root" >&2; exit 1; }
. "$src/tests/bench/ready-node.sh"
ready_node "$gpuprep"
pf=("$gpuprep" --root "$root" preflight --runtime containerd)
vf=("$gpuprep" --root "$root" verify --runtime containerd)
ct=(ctr --address "$CONTAINERD_SOCK" version)

q() { printf '%q ' "$@"; }
hyperfine -N --warmup 10 --min-runs 100 --style basic --export-json "$T/h.json" \
	-n "gpuprep up (ready node)" "$(q "${up[@]}")" \
	-n "ctr version" "$(q "${ct[@]}")" \
	-n "gpuprep preflight" "$(q "${pf[@]}")" \
	-n "gpuprep verify" "$(q "${vf[@]}")" >"$T/hyperfine.log"

python3 - "$T/h.json" "$gpuprep" <<'PY'
import json, statistics, sys
h = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in h}
up, vf, ct = med["gpuprep up (ready node)"], med["gpuprep verify"], med["ctr version"]
print(f"gpuprep: {sys.argv[2]}")
# CPU time (user + system, mean) moves less than wall time on a loaded machine.
cpu = {r["command"]: (r["user"] + r["system"]) * 1000 for r in h}
print(f"{'':26}{'median wall':>14}{'CPU':>11}{'up / this':>12}")
for name, t in med.items():
    print(f"{name:26}{t:>11.2f} ms{cpu[name]:>8.2f} ms{up / t:>11.2f}x")
print(f"target: up on a ready node < 10 ms: {'MET' if up < 10 else 'MISSED'} ({up:.2f} ms)")
print(f"target: verify <= 0.5x ctr version: {'MET' if vf <= 0.5 * ct else 'MISSED'} "
      f"({vf / ct:.2f}x: {vf:.2f} ms / {ct:.2f} ms)")
PY
