# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the restart and verify daemon tests, sourced after tests/lib.sh.
#   jget FILE PATH              a value of a JSON file, as JSON ("a/b/0": numbers index arrays)
#   check_field FILE CHECK KEY  a key of a named check in a verify --json document (or in the
#                               "verify" member of a restart one), as JSON; "absent" if none
#   expect_same NAME GOT WANT
#   nvidia_wrap ROOT            write $T/bin/nvidia-wrap, a runtime that logs each call to
#                               $T/wrap.log and runs runc, and link it at the same path under
#                               ROOT (the daemon runs it by its host path, verify checks it
#                               under the root); sets WRAP

jget() {
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in filter(None, sys.argv[2].split("/")):
    if isinstance(d, list): d = d[int(k)] if int(k) < len(d) else None
    elif isinstance(d, dict): d = d.get(k)
    else: d = None
print(json.dumps(d, sort_keys=True))' "$1" "$2"
}

check_field() {
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
d=d.get("verify", d) or {}
c=[c for c in d.get("checks", []) if c["check"] == sys.argv[2]]
print(json.dumps(c[0][sys.argv[3]]) if c else "absent")' "$1" "$2" "$3"
}

expect_same() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi
}

nvidia_wrap() {
	WRAP=$T/bin/nvidia-wrap
	mkdir -p "$T/bin" "$1$T/bin"
	if [ ! -x "$WRAP" ]; then
		cat >"$WRAP" <<SH
#!/bin/sh
echo "\$*" >>'$T/wrap.log'
exec runc "\$@"
SH
		chmod +x "$WRAP"
	fi
	cp -f "$WRAP" "$1$WRAP"
}
