# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the integration tests. Produces TAP. meson sets:
#   GPUPREP        the built binary
#   TESTS_SRC      the tests/ source directory (fixtures live there)
#   SHARED_DIR     ../shared beside the checkout (may be absent)
#   GPUPREP_BIN    (optional, from the caller's environment) a gpuprep to test instead of
#                  meson's: .ci/run runs the integration, daemons and install suites again with it
#                  pointing at the static binary of .ci/portable
# Each test script gets one scratch directory, $T, removed on exit.
set -u
if [ -n "${GPUPREP_BIN:-}" ]; then GPUPREP=$GPUPREP_BIN; fi
: "${GPUPREP:?GPUPREP must point at the built gpuprep}"
: "${TESTS_SRC:?TESTS_SRC must point at tests/}"
FIXTURES="$TESTS_SRC/fixtures"
# GPUPREP_STATIC is 1 when the binary under test is a static build (gpuprep --version says so):
# it cannot dlopen, so the tests of a stand-in libnvidia-ml.so.1 skip on it.
GPUPREP_STATIC=0
case $("$GPUPREP" --version 2>/dev/null | sed -n 2p) in *", static build for "*) GPUPREP_STATIC=1 ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/gpuprep-test.XXXXXX")
_tap_n=0
_tap_failed=0
_tap_cleanups=()

at_exit() { _tap_cleanups+=("$*"); }
_tap_finish() {
	local i
	for ((i = ${#_tap_cleanups[@]} - 1; i >= 0; i--)); do eval "${_tap_cleanups[$i]}" || true; done
	rm -rf "$T"
}
trap _tap_finish EXIT

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1"; }
not_ok() {
	_tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
}
# skip NAME REASON: reported as a TAP skip, never as a pass.
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }
done_testing() {
	if [ "$_json_n" -gt 0 ]; then
		if python3 "$TESTS_SRC/json-schema.py" --by-command "$TESTS_SRC/schemas" \
			"$T"/json-seen/*.json >"$T/json-seen.log" 2>&1; then
			ok "every --json output of this script ($_json_n) matches its command's schema"
		else
			not_ok "every --json output of this script ($_json_n) matches its command's schema" \
				"$(head -c 4000 "$T/json-seen.log")"
		fi
	fi
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

# wait_for COND...: poll COND every 0.1 s until it holds (0), for up to 30 s (1). For what a
# background process does next, never as a timing check.
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
# proc_gone PID: the process has ended (a zombie waiting for init to reap it counts).
proc_gone() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	case $s in Z*) return 0 ;; esac
	return 1
}

# run CMD...: run with stdout in $T/out, stderr in $T/err, status in $rc.
# A run of $GPUPREP with --json keeps its stdout for done_testing's schema check.
run() {
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e 2>/dev/null || true
	set +e
	json_seen "$T/out" "$@"
}

# json_seen FILE CMD...: when CMD is $GPUPREP with --json (and not --help, help or
# --version), also under `timeout [OPTION...] DURATION`, keep a copy of FILE, its stdout, for
# the check in done_testing: every --json document must match tests/schemas/COMMAND.json,
# COMMAND being its "command".
_json_n=0
json_seen() {
	local out=$1 a json=0
	shift
	if [ "${1:-}" = timeout ]; then
		shift
		while [ "$#" -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
		shift
	fi
	[ "${1:-}" = "$GPUPREP" ] || return 0
	shift
	for a in "$@"; do
		case $a in
		--) break ;;
		--json) json=1 ;;
		-h | --help | help | --version | __complete) return 0 ;;
		esac
	done
	[ "$json" = 1 ] || return 0
	_json_n=$((_json_n + 1))
	mkdir -p "$T/json-seen"
	cp "$out" "$T/json-seen/$_json_n.json"
	printf '%s\n' "$*" >"$T/json-seen/$_json_n.args"
}

# expect_rc WANT NAME: check $rc from the last run.
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else
		not_ok "$2 (exit $1)" "got exit $rc" "stdout: $(head -c 2000 "$T/out")" "stderr: $(head -c 2000 "$T/err")"
	fi
}

# expect_file_eq GOT WANT NAME: byte comparison, with a diff on failure.
expect_file_eq() {
	if cmp -s "$1" "$2"; then ok "$3"; else
		not_ok "$3" "$(diff -u "$2" "$1" | head -60)"
	fi
}

# expect_contains FILE TEXT NAME
expect_contains() {
	if grep -qF -- "$2" "$1"; then ok "$3"; else
		not_ok "$3" "'$2' not in $1:" "$(head -c 2000 "$1")"
	fi
}

# expect_not_contains FILE TEXT NAME
expect_not_contains() {
	if grep -qF -- "$2" "$1"; then not_ok "$3" "'$2' unexpectedly in $1"; else ok "$3"; fi
}

# fixture_root NAME: a fresh copy of tests/fixtures/nodes/NAME; prints its path.
fixture_root() {
	local dst="$T/root-$1-$RANDOM"
	mkdir -p "$dst"
	cp -a "$FIXTURES/nodes/$1/." "$dst/"
	printf '%s\n' "$dst"
}
