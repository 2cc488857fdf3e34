#!/bin/bash
# Run every libFuzzer target built with -Dfuzz=true for a short while each.
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -eu
build=$1
secs=${2:-30}
src=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$build"/tests/fuzz/fuzz-*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz-}
	work=$(mktemp -d)
	cp -r "$src/corpus/$name/." "$work/" 2>/dev/null || true
	echo "fuzzing $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$src/crash-$name-" "$work" >"$work.log" 2>&1; then
		echo "fuzz-$name found a crash:"; tail -40 "$work.log"; status=1
	else
		grep -E '^Done|#[0-9]+.*DONE' "$work.log" | tail -1 || true
	fi
	rm -rf "$work" "$work.log"
done
exit $status
