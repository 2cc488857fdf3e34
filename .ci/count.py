#!/usr/bin/env python3
"""Count test results from meson's testlog.json files.

Each TAP test contributes its subtests ("ok", "not ok", "# SKIP"); a test that
is not TAP, or that died before printing a plan, counts by meson's result.
Prints one line: "N passed, N failed, N skipped". Exits 1 on any failure.
"""
import json
import os
import re
import sys

passed = int(os.environ.get("EXTRA_PASSED", "0"))
failed = int(os.environ.get("EXTRA_FAILED", "0"))
skipped = 0
line_re = re.compile(r"^(not ok|ok)\b(.*)$")
for path in sys.argv[1:]:
    with open(path) as f:
        for raw in f:
            raw = raw.strip()
            if not raw:
                continue
            t = json.loads(raw)
            result = t.get("result", "")
            sub_p = sub_f = sub_s = 0
            for line in (t.get("stdout") or "").splitlines():
                m = line_re.match(line)
                if not m:
                    continue
                if m.group(1) == "not ok":
                    if re.search(r"#\s*TODO", m.group(2), re.I):
                        continue
                    sub_f += 1
                elif re.search(r"#\s*SKIP", m.group(2), re.I):
                    sub_s += 1
                else:
                    sub_p += 1
            if t.get("protocol") != "tap" and not (sub_p or sub_f or sub_s):
                sub_p = sub_f = sub_s = 0
            total = sub_p + sub_f + sub_s
            if result in ("OK", "EXPECTEDFAIL"):
                if total == 0:
                    sub_p = 1
            elif result == "SKIP":
                if total == 0:
                    sub_s = 1
            else:
                # FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS: the test failed as a whole
                # even if every subtest it printed passed.
                if sub_f == 0:
                    sub_f = 1
                print(f"FAILED: {t.get('name')} ({result}) in {path}", file=sys.stderr)
            passed += sub_p
            failed += sub_f
            skipped += sub_s
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
