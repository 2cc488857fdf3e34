#!/bin/bash
# gpuprep configure --runtime docker on golden daemon.json files: the exact bytes after,
# idempotence (a second run writes nothing), --dry-run diffs, undo. (Refusals, warnings,
# --json and options: configure-options.sh.)
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/tap-parallel.sh"

for exp in "$G"/*.expected; do
	par_run "$(basename "$exp" .expected)" configure_check_case "$exp"
done
par_wait

done_testing
