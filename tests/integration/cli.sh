#!/bin/bash
# The command line itself: global options, help for every command, bad options.
. "$TESTS_SRC/lib.sh"

run "$GPUPREP" --version
expect_rc 0 "--version"
expect_contains "$T/out" "gpuprep " "--version prints the name and version"
# Then the commit and the build, and one line per library: its version, what it was built
# with, and where its code runs from (linked in, the shared object linked at start, or the one
# loaded on use).
if sed -n 2p "$T/out" | grep -qE '^commit ([0-9a-f]{12}(-dirty)?|unknown), (static|dynamic) build for [a-z0-9_]+$'; then
	ok "--version: the commit, static or dynamic, the arch"
else not_ok "--version: the commit, static or dynamic, the arch" "$(cat "$T/out")"; fi
if [ -d "$TESTS_SRC/../.git" ] || [ -f "$TESTS_SRC/../.git" ]; then
	head=$(git -C "$TESTS_SRC/.." rev-parse --short=12 HEAD 2>/dev/null || true)
	expect_contains "$T/out" "commit $head" "--version: the commit is the checkout's HEAD"
else
	skip "--version: the commit is the checkout's HEAD" "the source is not a git checkout"
fi
static=$(sed -n 2p "$T/out" | grep -c ', static build' || true)
for lib in libpci jansson libarchive libcurl; do
	line=$(grep "^$lib " "$T/out" || true)
	if [ "$static" = 1 ]; then
		re="^$lib [0-9]+\.[0-9]+[^ ]*( \(.*\))?, linked in$"
	else
		re="^$lib [0-9]+\.[0-9]+[^ ]*( \(.*\))?, (loaded on use from )?/[^ ]+\.so[^ ]*$"
	fi
	if printf '%s\n' "$line" | grep -qE "$re"; then ok "--version: $lib, its version and where it is"; else
		not_ok "--version: $lib, its version and where it is" "line: '$line'" "want: $re"
	fi
done
if [ "$static" = 1 ]; then
	expect_contains "$T/out" "libcurl 7" "--version: libcurl linked in"
else
	expect_contains "$T/out" "loaded on use from " "--version: the dynamic build loads libcurl and libarchive on use"
fi
run "$GPUPREP" --json --version
expect_rc 0 "--json --version"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["schema_version"] == 1 and d["version"] and d["commit"], d
assert d["build"] in ("static", "dynamic"), d
assert [l["name"] for l in d["libraries"]] == ["libpci", "jansson", "libarchive", "libcurl"], d
for l in d["libraries"]:
    assert l["version"] and l["error"] is None, l
    assert (l["file"] is None) == (d["build"] == "static"), l
    assert l["loaded_on_use"] == (l["name"] in ("libarchive", "libcurl")), l' "$T/out" 2>"$T/py" &&
	ok "--json --version: build, commit, the four libraries" ||
	not_ok "--json --version: build, commit, the four libraries" "$(cat "$T/py")"

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
