#!/bin/bash
# Run every libFuzzer target built with -Dfuzz=true for a short while each.
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
# SECONDS (default 30) is each fuzzer's time, but fuzz-toml's, which is FUZZ_TOML_SECONDS
# (default 90): the TOML editor keeps an index in step with every edit, and a slip there (issue
# 11, item 16) took libFuzzer more than 20 s to reach from the seeds.
set -eu
build=$1
secs=${2:-30}
toml_secs=${FUZZ_TOML_SECONDS:-90}
src=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$build"/tests/fuzz/fuzz-*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz-}
	work=$(mktemp -d)
	cp -r "$src/corpus/$name/." "$work/" 2>/dev/null || true
	t=$secs
	[ "$name" = toml ] && t=$toml_secs
	echo "fuzzing $name for ${t}s"
	dict=()
	[ -f "$src/$name.dict" ] && dict=(-dict="$src/$name.dict")
	if ! "$bin" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" \
		-artifact_prefix="$src/crash-$name-" "$work" >"$work.log" 2>&1; then
		echo "fuzz-$name found a crash:"; tail -40 "$work.log"; status=1
	else
		grep -E '^Done|#[0-9]+.*DONE' "$work.log" | tail -1 || true
	fi
	rm -rf "$work" "$work.log"
done
exit $status
