#!/bin/bash
# The command line itself: global options, help for every command, bad options.
. "$TESTS_SRC/lib.sh"

run "$GPUPREP" --version
expect_rc 0 "--version"
expect_contains "$T/out" "gpuprep " "--version prints the name and version"

run "$GPUPREP" --help
expect_rc 0 "--help"
expect_contains "$T/out" "Commands:" "--help lists the commands"

run "$GPUPREP"
expect_rc 2 "no command is a usage error"
expect_contains "$T/err" "gpuprep: error: no command given" "no command: message"
expect_contains "$T/err" "usage: gpuprep" "no command: usage on stderr"

run "$GPUPREP" frobnicate
expect_rc 2 "unknown command"
expect_contains "$T/err" "unknown command 'frobnicate'" "unknown command is named"

run "$GPUPREP" --bogus
expect_rc 2 "unknown global option"
expect_contains "$T/err" "'--bogus'" "unknown global option is named"

run "$GPUPREP" help frobnicate
expect_rc 2 "help for an unknown command"

# Every command listed by --help answers --help (exit 0) and refuses a bad option (exit 2).
"$GPUPREP" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && $1 != "Commands:" {print $1}' >"$T/commands"
while read -r cmd; do
	run "$GPUPREP" "$cmd" --help
	expect_rc 0 "$cmd --help"
	expect_contains "$T/out" "usage: gpuprep $cmd" "$cmd --help prints its usage"
	run "$GPUPREP" help "$cmd"
	expect_rc 0 "help $cmd"
	run "$GPUPREP" "$cmd" --no-such-option
	expect_rc 2 "$cmd with a bad option"
	expect_contains "$T/err" "usage: gpuprep $cmd" "$cmd bad option prints usage on stderr"
done <"$T/commands"

run "$GPUPREP" --root /nonexistent/gpuprep-root --help
expect_rc 0 "--help wins over a bad --root"

if [ -s "$T/commands" ]; then
	first=$(head -1 "$T/commands")
	run "$GPUPREP" --root /nonexistent/gpuprep-root "$first"
	expect_rc 1 "a missing --root is an error"
	expect_contains "$T/err" "'/nonexistent/gpuprep-root'" "the missing root is named"
	expect_contains "$T/err" "hint:" "a missing root has a hint"
fi

done_testing
