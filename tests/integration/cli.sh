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
for lib in libpci jansson libarchive libcurl libnghttp2 nettle libxml2 libyaml; do
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
	expect_contains "$T/out" "loaded on use from " "--version: the dynamic build loads libraries on use"
fi
run "$GPUPREP" --json --version
expect_rc 0 "--json --version"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["schema_version"] == 1 and d["version"] and d["commit"], d
assert d["build"] in ("static", "dynamic"), d
assert [l["name"] for l in d["libraries"]] == ["libpci", "jansson", "libarchive", "libcurl", "libnghttp2", "nettle", "libxml2", "libyaml"], d
for l in d["libraries"]:
    assert l["version"] and l["error"] is None, l
    assert (l["file"] is None) == (d["build"] == "static"), l
    assert l["loaded_on_use"] == (l["name"] in ("libpci", "libarchive", "libcurl", "libnghttp2", "nettle", "libxml2", "libyaml")), l' "$T/out" 2>"$T/py" &&
	ok "--json --version: build, commit, the eight libraries" ||
	not_ok "--json --version: build, commit, the eight libraries" "$(cat "$T/py")"

# The dynamic build loads libpci (with its zlib and libudev) only to read the PCI bus, nettle
# only to hash packages and libyaml only to read YAML: detect loads libpci, configure of Docker
# none of them (install's tests hash with nettle, k3s's read YAML). LD_DEBUG=files names each library the loader maps (a static build prints
# nothing: skipped there).
lddebug() { # what LD_DEBUG=files saw of "$@"
	LD_DEBUG=files "$GPUPREP" "$@" >/dev/null 2>"$T/lddebug" || true
}
lddebug --version
if grep -q 'file=libc\.so' "$T/lddebug"; then
	root=$(mktemp -d "$T/node.XXXXXX")
	cp -a "$TESTS_SRC/fixtures/nodes/sample/." "$root/"
	lddebug --root "$root" configure --runtime docker --dry-run
	if grep -qE 'file=lib(pci|udev|nettle|yaml)' "$T/lddebug"; then
		not_ok "configure loads none of libpci, nettle, libyaml" "$(grep -E 'file=lib(pci|udev|nettle|yaml)' "$T/lddebug")"
	else ok "configure loads none of libpci, nettle, libyaml"; fi
	lddebug --root "$root" detect
	grep -q 'file=libpci' "$T/lddebug" && ok "detect loads libpci" ||
		not_ok "detect loads libpci" "$(grep 'file=' "$T/lddebug" | head -20)"
else
	skip "configure loads none of libpci, nettle, libyaml" "not a dynamic build (LD_DEBUG saw no libc.so)"
	skip "detect loads libpci" "not a dynamic build (LD_DEBUG saw no libc.so)"
fi

run "$GPUPREP" --help
expect_rc 0 "--help"
expect_contains "$T/out" "Commands:" "--help lists the commands"

# is_json_error FILE CODE NAME: FILE holds one JSON object with schema_version and an error
# object {message, hint, exit_code} whose exit_code is CODE.
is_json_error() {
	if python3 - "$1" "$2" >"$T/json-check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = d.get("error")
assert isinstance(d.get("schema_version"), int), "no schema_version"
assert isinstance(e, dict) and set(e) >= {"message", "hint", "exit_code"}, e
assert e["exit_code"] == int(sys.argv[2]) and e["message"], e
PY
	then ok "$3"; else not_ok "$3" "$(cat "$T/json-check")" "stdout: $(head -c 1000 "$1")"; fi
}

run "$GPUPREP"
expect_rc 2 "no command is a usage error"
expect_contains "$T/err" "gpuprep: error: no command given" "no command: message"
expect_contains "$T/err" "hint: " "no command: a hint"
expect_contains "$T/err" "see 'gpuprep --help'" "no command: one line points to --help"
expect_not_contains "$T/err" "Commands:" "no command: not the whole help"

run "$GPUPREP" frobnicate
expect_rc 2 "unknown command"
expect_contains "$T/err" "unknown command 'frobnicate'" "unknown command is named"
expect_contains "$T/err" "hint: the commands are listed by 'gpuprep --help'" "unknown command: a hint"

run "$GPUPREP" detcet
expect_rc 2 "a mistyped command"
expect_contains "$T/err" "hint: did you mean 'detect'?" "a mistyped command: did you mean"
run "$GPUPREP" help confgure
expect_rc 2 "help for a mistyped command"
expect_contains "$T/err" "hint: did you mean 'configure'?" "help, mistyped: did you mean"

run "$GPUPREP" --bogus
expect_rc 2 "unknown global option"
expect_contains "$T/err" "'--bogus'" "unknown global option is named"
run "$GPUPREP" --jsn detect
expect_rc 2 "a mistyped global option"
expect_contains "$T/err" "hint: did you mean '--json'?" "a mistyped global option: did you mean"

# An option without its value says so, and which.
run "$GPUPREP" --root
expect_rc 2 "--root without a value"
expect_contains "$T/err" "gpuprep: error: '--root' needs a value" "--root: needs a value"
run "$GPUPREP" detect --pci-dump
expect_rc 2 "a command's option without a value"
expect_contains "$T/err" "gpuprep: error: '--pci-dump' needs a value" "--pci-dump: needs a value"
run "$GPUPREP" bundle -o
expect_rc 2 "a short option without a value"
expect_contains "$T/err" "gpuprep: error: '-o' needs a value" "-o: needs a value"
run "$GPUPREP" detect --json=yes
expect_rc 2 "a value for an option that takes none"
expect_contains "$T/err" "gpuprep: error: '--json' takes no value" "--json=yes: takes no value"
run "$GPUPREP" up --re x
expect_rc 2 "an ambiguous abbreviation"
expect_contains "$T/err" "'--re' is ambiguous" "ambiguous: says so"
expect_contains "$T/err" "'--repo-url', '--restart-mode'" "ambiguous: names the candidates"
run "$GPUPREP" detect --version
expect_rc 2 "the global --version after a command"
expect_contains "$T/err" "global options go before the command: gpuprep --version" "--version after a command: where it goes"

run "$GPUPREP" help frobnicate
expect_rc 2 "help for an unknown command"

# Global options after the command are taken as if they came before it.
sample="$FIXTURES/nodes/sample"
run "$GPUPREP" --json --root "$sample" detect
expect_rc 0 "--json --root detect"
cp "$T/out" "$T/before"
run "$GPUPREP" detect --json --root "$sample"
expect_rc 0 "detect --json --root"
expect_file_eq "$T/out" "$T/before" "global options after the command: the same output"
run "$GPUPREP" detect --root="$sample" -q --no-color -v
expect_rc 0 "detect --root=DIR -q --no-color -v"

# Every command listed by --help answers --help (exit 0), refuses a bad option (exit 2) with
# one line pointing to its --help, suggests the option a typo meant, takes the global options
# after its name, and with --json prints one JSON object with the error when it fails.
"$GPUPREP" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && $1 != "Commands:" {print $1}' >"$T/commands"
while read -r cmd; do
	run "$GPUPREP" "$cmd" --help
	expect_rc 0 "$cmd --help"
	expect_contains "$T/out" "usage: gpuprep $cmd" "$cmd --help prints its usage"
	run "$GPUPREP" help "$cmd"
	expect_rc 0 "help $cmd"
	run "$GPUPREP" "$cmd" --no-such-option
	expect_rc 2 "$cmd with a bad option"
	expect_contains "$T/err" "gpuprep: error: unknown option '--no-such-option' for $cmd" "$cmd bad option: named"
	expect_contains "$T/err" "see 'gpuprep $cmd --help'" "$cmd bad option: one line points to --help"
	expect_not_contains "$T/err" "usage: gpuprep" "$cmd bad option: not the whole usage"
	# A typo of its first long option: two different neighbouring letters swapped.
	opt=$("$GPUPREP" "$cmd" --help | sed -n 's/^  *\(-., \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p' | grep -vx help | head -1)
	# (A command whose only long option is --help has nothing to mistype.)
	i=1
	while [ $((i + 1)) -lt ${#opt} ] && [ "${opt:i:1}" = "${opt:i+1:1}" ]; do i=$((i + 1)); done
	if [ ${#opt} -ge 3 ]; then
		typo="${opt:0:i}${opt:i+1:1}${opt:i:1}${opt:i+2}"
		run "$GPUPREP" "$cmd" "--$typo"
		expect_rc 2 "$cmd --$typo"
		expect_contains "$T/err" "hint: did you mean '--$opt'?" "$cmd --$typo: did you mean '--$opt'"
	fi
	# A global option after the command, and --json on a failing input.
	run "$GPUPREP" "$cmd" --root /nonexistent/gpuprep-root
	expect_rc 1 "$cmd --root after the command is used"
	expect_contains "$T/err" "cannot use --root '/nonexistent/gpuprep-root'" "$cmd --root after: the root is named"
	run "$GPUPREP" --json "$cmd" --root /nonexistent/gpuprep-root
	expect_rc 1 "--json $cmd on a missing root"
	is_json_error "$T/out" 1 "--json $cmd on a missing root: one JSON object with the error"
	run "$GPUPREP" "$cmd" --json --no-such-option
	expect_rc 2 "$cmd --json with a bad option"
	is_json_error "$T/out" 2 "$cmd --json with a bad option: the usage error as JSON"
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

# up, install and bundle take --toolkit-version for the toolkit's version (--version too).
for cmd in up install bundle; do
	run "$GPUPREP" "$cmd" --help
	expect_contains "$T/out" "--toolkit-version V" "$cmd --help: --toolkit-version"
done
run "$GPUPREP" --root "$FIXTURES/nodes/up-sample" install --dry-run --toolkit-version 'x y'
expect_rc 2 "install --toolkit-version with a bad version"
expect_contains "$T/err" "'x y' is not a version number" "install --toolkit-version: the value is checked"
run "$GPUPREP" --root "$FIXTURES/nodes/up-sample" up --dry-run --toolkit-version 'x y'
expect_contains "$T/err" "'x y' is not a version number" "up --toolkit-version: the value is checked"

# bundle's network errors do not suggest --offline, which bundle does not have.
run timeout 60 "$GPUPREP" bundle --repo-url http://127.0.0.1:1/repo -o "$T/b.tar.gz"
expect_rc 1 "bundle with an unreachable repository"
expect_contains "$T/err" "hint: " "bundle, unreachable: a hint"
expect_not_contains "$T/err" "--offline" "bundle, unreachable: the hint does not name --offline"
expect_contains "$T/err" "--repo-url" "bundle, unreachable: the hint names --repo-url"

# Every error has a hint (issue 13's list).
fixture_copy() { local d="$T/copy-$1-$RANDOM"; mkdir -p "$d"; cp -a "$FIXTURES/nodes/$1/." "$d/"; printf '%s\n' "$d"; }
R=$(fixture_copy up-sample)
printf 'not an archive\n' >"$T/junk.tar.gz"
run "$GPUPREP" --root "$R" install --offline "$T/junk.tar.gz" --dry-run
expect_rc 1 "install --offline junk.tar.gz"
expect_contains "$T/err" "gpuprep: error: '$T/junk.tar.gz' is not an archive gpuprep can read" "junk archive: says so"
expect_not_contains "$T/err" "multibyte" "junk archive: no misleading errno text"
expect_contains "$T/err" "hint: --offline takes a .tar.gz archive" "junk archive: a hint"
mkdir -p "$T/noarch/etc"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/noarch/etc/os-release"
run "$GPUPREP" --root "$T/noarch" install --dry-run
expect_rc 1 "install on a root whose architecture is unknown"
expect_contains "$T/err" "cannot tell the architecture of the system at '$T/noarch'" "unknown architecture: says so"
expect_contains "$T/err" "hint: gpuprep reads it from the root's /bin/sh" "unknown architecture: a hint"
run "$GPUPREP" --root "$R" restart --runtime docker --mode signal
expect_rc 1 "restart --mode signal with no socket"
expect_contains "$T/err" "hint: a reload signals the running dockerd" "restart --mode signal, no socket: a hint"
run "$GPUPREP" manifest
expect_rc 2 "manifest with no name"
expect_contains "$T/err" "gpuprep: error: no manifest given: name device-plugin, test-pod, runtimeclass or ansible" "manifest, no name: the message"
expect_contains "$T/err" "hint: for example: gpuprep manifest device-plugin | kubectl apply -f -" "manifest, no name: a hint"
run "$GPUPREP" --root "$R" up --dry-run --restart-mode systemd
expect_rc 1 "up --dry-run, a restart that cannot be done"
expect_contains "$T/err" "up would stop at restart: cannot restart containerd with systemd under --root" "up --dry-run: the restart step's message, not 'unknown error'"
expect_not_contains "$T/err" "unknown error" "up --dry-run: no 'unknown error'"
expect_contains "$T/err" "hint: " "up --dry-run, restart: a hint"

done_testing
