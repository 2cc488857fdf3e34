#!/bin/bash
# gpuprep report: the --json reports of up (on fixture nodes, --restart-mode none, so no
# daemon runs: those hosts are "pending"), of a dry run ("planned"), of preflight
# ("passed"/"failed") and of a failed up, merged into one table and --json; the totals;
# malformed, foreign and missing files refused one by one, naming the file (line:column for
# bad JSON), while the rest is still reported; the exit status.
. "$TESTS_SRC/lib.sh"
D=$T/reports
mkdir -p "$D"

# node NAME [FIXTURE]: a fresh copy of FIXTURE (up-sample) whose /etc/hostname is NAME;
# prints its path.
node() {
	local r
	r=$(mktemp -d "$T/node-XXXXXX")
	cp -a "$FIXTURES/nodes/${2:-up-sample}/." "$r/"
	printf '%s\n' "$1" >"$r/etc/hostname"
	printf '%s\n' "$r"
}

for h in edge-1 edge-2; do
	R=$(node $h)
	run "$GPUPREP" --root "$R" --json up --restart-mode none
	expect_rc 0 "up on $h"
	cp "$T/out" "$D/$h.json"
done
R=$(node edge-3)
run "$GPUPREP" --root "$R" --json up --dry-run
cp "$T/out" "$D/edge-3.json"
R=$(node edge-4)
printf '[plugins\n' >>"$R/etc/containerd/config.toml"
run "$GPUPREP" --root "$R" --json up --restart-mode none
expect_rc 1 "up on edge-4, whose config.toml is malformed"
cp "$T/out" "$D/edge-4.json"
# The toolkit-side checks of preflight fail on a node whose runtime is not configured yet;
# with their errors ignored the report's summary says ok, which is what report reads.
R=$(node edge-5)
run "$GPUPREP" --root "$R" --json preflight --ignore-preflight-errors all
expect_rc 0 "preflight on edge-5, its errors ignored"
cp "$T/out" "$D/edge-5.json"

run "$GPUPREP" report "$D"/edge-*.json
expect_rc 1 "report: exit 1, as edge-4 failed"
expect_contains "$T/out" "5 hosts: 0 ready, 1 failed, 2 changed, 2 pending, 1 planned, 1 passed; 0 files refused" \
	"report: the totals"
row() { grep "^$1 " "$T/out" | tr -s ' '; }
for h in edge-1 edge-2; do
	case "$(row $h)" in
	"$h pending yes containerd 1.17.8-1 preflight:already_done,install:already_done,configure:done,restart:skipped,verify:skipped,preflight-full:skipped --remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs")
		ok "report: $h's row: status, changed, runtime, toolkit, every step, the keadm flags" ;;
	*) not_ok "report: $h's row" "$(row $h)" ;;
	esac
done
case "$(row edge-3)" in "edge-3 planned no containerd 1.17.8-1 "*configure:would_do*) ok "report: the dry run is planned, not changed" ;;
*) not_ok "report: the dry run is planned, not changed" "$(row edge-3)" ;; esac
case "$(row edge-4)" in "edge-4 failed no containerd "*configure:failed*) ok "report: edge-4 failed at configure" ;;
*) not_ok "report: edge-4 failed at configure" "$(row edge-4)" ;; esac
expect_contains "$T/out" "edge-4: error: up stopped at configure" "report: edge-4's error message"
expect_contains "$T/out" "  hint: fix the TOML syntax at that line and column" "report: and its hint"
case "$(row edge-5)" in "edge-5 passed no - - preflight-report:passed -") ok "report: a passed preflight report" ;;
*) not_ok "report: a preflight report" "$(row edge-5)" ;; esac

# --json: the same, and the totals add up.
run "$GPUPREP" --json report "$D"/edge-*.json
expect_rc 1 "report --json"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
t=d["totals"]
assert [h["host"] for h in d["hosts"]] == ["edge-1","edge-2","edge-3","edge-4","edge-5"], d["hosts"]
assert t["hosts"] == 5 and t["failed"] == 1 and t["changed"] == 2 and t["pending"] == 2 and t["planned"] == 1 and t["passed"] == 1, t
assert t["ready"] + t["failed"] + t["pending"] + t["planned"] + t["passed"] == t["hosts"], t
e4=d["hosts"][3]
assert e4["error"].startswith("up stopped at configure") and "5:9" in e4["error"], e4
assert d["hosts"][0]["steps"]["configure"] == "done" and d["hosts"][0]["toolkit_version"] == "1.17.8-1"
assert d["refused"] == [], d["refused"]' "$T/out" 2>"$T/py" && ok "report --json: hosts in order, totals, edge-4's error" ||
	not_ok "report --json: hosts in order, totals, edge-4's error" "$(cat "$T/py")"

# Refused files: each named, with line:column for malformed JSON; the rest still reported.
printf '{"schema_version": 1,\n  "command": "up",\n  "steps": [}\n' >"$T/broken.json"
R=$(node edge-6)
"$GPUPREP" --root "$R" --json detect >"$T/detect.json"
printf '{"kind": "something else"}\n' >"$T/foreign.json"
printf '[1, 2]\n' >"$T/array.json"
: >"$T/empty.json"
run "$GPUPREP" report "$D/edge-1.json" "$T/broken.json" "$T/detect.json" "$T/foreign.json" \
	"$T/array.json" "$T/empty.json" "$T/missing.json" "$D/edge-2.json"
expect_rc 1 "report with refused files: exit 1"
expect_contains "$T/err" "warning: refused '$T/broken.json': 3:13: not JSON:" "malformed JSON: the file and line:column"
expect_contains "$T/err" "warning: refused '$T/detect.json': a report of 'gpuprep detect', not of up, preflight or verify" \
	"a report of another command: refused, naming the command"
expect_contains "$T/err" "warning: refused '$T/foreign.json': not a gpuprep report" "foreign JSON: refused"
expect_contains "$T/err" "warning: refused '$T/array.json': not a gpuprep report: the JSON is not an object" "a JSON array: refused"
expect_contains "$T/err" "warning: refused '$T/empty.json': 1:0: not JSON:" "an empty file: refused"
expect_contains "$T/err" "warning: refused '$T/missing.json': cannot read it: No such file or directory" "a missing file: refused"
expect_contains "$T/out" "2 hosts: 0 ready, 0 failed, 2 changed, 2 pending, 0 planned, 0 passed; 6 files refused" \
	"the other files are still reported"
row edge-1 | grep -q pending && row edge-2 | grep -q pending && ok "both good hosts are in the table" || not_ok "both good hosts are in the table" "$(cat "$T/out")"
run "$GPUPREP" --json report "$T/broken.json" "$D/edge-1.json"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["refused"][0]["file"] == sys.argv[2] and "3:13" in d["refused"][0]["message"], d["refused"]
assert d["refused"][0]["hint"], d["refused"]
assert d["totals"]["refused"] == 1 and d["totals"]["hosts"] == 1' "$T/out" "$T/broken.json" 2>"$T/py" &&
	ok "--json: refused files with their message and hint" || not_ok "--json: refused files" "$(cat "$T/py")"

# Only good reports: exit 0 (pending hosts are not failures).
run "$GPUPREP" report "$D/edge-1.json" "$D/edge-2.json" "$D/edge-3.json"
expect_rc 0 "every file read and no host failed: exit 0"
run "$GPUPREP" report --require-ready "$D/edge-1.json" "$D/edge-2.json"
expect_rc 1 "--require-ready: pending hosts fail the gate"
python3 - "$D/edge-1.json" "$T/ready.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["steps"]:
    if s["step"] in ("restart", "verify", "preflight-full"):
        s["status"] = "done"
json.dump(d, open(sys.argv[2], "w"))
PY
run "$GPUPREP" report --require-ready "$T/ready.json"
expect_rc 0 "--require-ready: a host whose verify step is done is ready"
expect_contains "$T/out" "1 host: 1 ready" "a verified up report is ready"
# The same host twice: one row; a failure stays.
run "$GPUPREP" --json report "$D/edge-4.json" "$D/edge-1.json"
cp "$D/edge-1.json" "$T/again.json"
run "$GPUPREP" --json report "$D/edge-1.json" "$T/again.json"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert len(d["hosts"]) == 1 and len(d["hosts"][0]["files"]) == 2, d["hosts"]' "$T/out" 2>"$T/py" &&
	ok "two reports of one host: one row, both files" || not_ok "two reports of one host" "$(cat "$T/py")"
python3 - "$D/edge-4.json" "$T/later.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["error"] = None; d["ok"] = True
json.dump(d, open(sys.argv[2], "w"))
PY
run "$GPUPREP" report "$D/edge-4.json" "$T/later.json"
case "$(row edge-4)" in "edge-4 failed "*) ok "a host that failed stays failed after a later report" ;;
*) not_ok "a host that failed stays failed" "$(cat "$T/out")" ;; esac

# Usage.
run "$GPUPREP" report
expect_rc 2 "no file: usage error"
expect_contains "$T/err" "gpuprep: error: no report given" "no file: says so"
done_testing
