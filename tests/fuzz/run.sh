#!/bin/bash
# Run every libFuzzer target built with -Dfuzz=true for a short while each.
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
# SECONDS (default 30) is each fuzzer's time, but fuzz-toml's, which is FUZZ_TOML_SECONDS
# (default 90): the TOML editor keeps an index in step with every edit, and a slip there (issue
# 11, item 16) took libFuzzer more than 20 s to reach from the seeds.
# FUZZ_JOBS fuzzers (default: the number of CPUs) run at once, each on one CPU, the longest
# first; each one's lines are printed together when it ends.
set -eu
build=$1
secs=${2:-30}
toml_secs=${FUZZ_TOML_SECONDS:-90}
jobs=${FUZZ_JOBS:-$(nproc)}
src=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# fuzz NAME BIN SECONDS: one fuzzer on a copy of its corpus; what it says goes to $out/NAME.out,
# and its failure to $out/NAME.failed.
fuzz() {
	local name=$1 bin=$2 t=$3 work dict=()
	work=$(mktemp -d)
	cp -r "$src/corpus/$name/." "$work/" 2>/dev/null || true
	[ -f "$src/$name.dict" ] && dict=(-dict="$src/$name.dict")
	{
		echo "fuzzing $name for ${t}s"
		if ! "$bin" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
			-artifact_prefix="$src/crash-$name-" "$work" >"$work.log" 2>&1; then
			echo "fuzz-$name found a crash:"
			tail -40 "$work.log"
			: >"$out/$name.failed"
		else
			grep -E '^Done|#[0-9]+.*DONE' "$work.log" | tail -1 || true
		fi
	} >"$out/$name.out"
	rm -rf "$work" "$work.log"
	cat "$out/$name.out"
}

# The longest first, so that it does not run alone at the end.
list=()
for bin in "$build"/tests/fuzz/fuzz-*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz-}
	if [ "$name" = toml ]; then list=("$name $bin $toml_secs" "${list[@]}"); else list+=("$name $bin $secs"); fi
done
running=0
for item in "${list[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	# shellcheck disable=SC2086
	fuzz $item &
	running=$((running + 1))
done
wait
[ -z "$(find "$out" -name '*.failed')" ]
