#!/bin/bash
# gpuprep undo: newest change first, per runtime, back to the original bytes, removing files
# that did not exist; nothing to undo is exit 0.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"

root=$(new_root two-space)
run "$GPUPREP" --root "$root" undo
expect_rc 0 "nothing to undo"
expect_contains "$T/out" "nothing to undo" "nothing to undo: says so"
run "$GPUPREP" --root "$root" undo --runtime docker
expect_rc 0 "nothing to undo for docker"
expect_contains "$T/out" "nothing to undo for docker" "nothing to undo for docker: says so"
run "$GPUPREP" --root "$root" undo --runtime podman
expect_rc 2 "undo --runtime with an unknown runtime"
[ ! -e "$root/var/lib/gpuprep" ] && ok "nothing to undo writes no backup" || not_ok "nothing to undo writes no backup"

# Three changes, undone newest first.
cp "$root/$CFG" "$T/state0"
run "$GPUPREP" --root "$root" configure --runtime docker
cp "$root/$CFG" "$T/state1"
sleep 1 # a distinct backup name is not needed, but makes the order plain in a listing
run "$GPUPREP" --root "$root" configure --runtime docker --cdi
cp "$root/$CFG" "$T/state2"
run "$GPUPREP" --root "$root" configure --runtime docker --cgroup-driver systemd
cp "$root/$CFG" "$T/state3"
if cmp -s "$T/state1" "$T/state2" || cmp -s "$T/state2" "$T/state3"; then
	not_ok "three distinct changes"
else
	ok "three distinct changes"
fi
run "$GPUPREP" --root "$root" undo --runtime containerd
expect_rc 0 "undo --runtime containerd with only docker changes"
expect_contains "$T/out" "nothing to undo for containerd" "undo --runtime containerd: nothing"
expect_file_eq "$root/$CFG" "$T/state3" "undo --runtime containerd leaves docker's file"

run "$GPUPREP" --root "$root" undo --dry-run
expect_rc 0 "undo --dry-run"
expect_file_eq "$root/$CFG" "$T/state3" "undo --dry-run writes nothing"
expect_contains "$T/out" '-  "exec-opts": ["native.cgroupdriver=systemd"]' "undo --dry-run shows the diff"

for n in 2 1 0; do
	run "$GPUPREP" --root "$root" undo
	expect_rc 0 "undo back to state $n"
	expect_file_eq "$root/$CFG" "$T/state$n" "undo back to state $n: exact bytes"
done
expect_contains "$T/out" "docker: restored '$root/$CFG'" "undo says what it restored"
run "$GPUPREP" --root "$root" undo
expect_rc 0 "then nothing left to undo"
expect_contains "$T/out" "nothing to undo" "then nothing left to undo: says so"
expect_file_eq "$root/$CFG" "$T/state0" "the original stays"

# A file that did not exist is removed, and its directory stays.
root=$(new_root missing)
run "$GPUPREP" --root "$root" configure --runtime docker
run "$GPUPREP" --root "$root" --json undo --runtime docker
expect_rc 0 "undo a created file"
[ ! -e "$root/$CFG" ] && ok "undo removes the file that did not exist" || not_ok "undo removes the file that did not exist"
if /usr/bin/python3 - "$T/out" "$root" <<'EOF'; then ok "undo --json"; else not_ok "undo --json" "$(cat "$T/out")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
root = sys.argv[2]
assert d["schema_version"] == 1 and d["runtime"] == "docker", d
assert d["undone"].startswith(root + "/var/lib/gpuprep/backup/"), d
assert d["files"] == [{"path": root + "/etc/docker/daemon.json", "action": "removed"}], d
assert d["backup_dir"].startswith(root + "/var/lib/gpuprep/backup/"), d
EOF

# The user edited the file after configure: undo warns, restores, and keeps the edit in its backup.
root=$(new_root tab)
run "$GPUPREP" --root "$root" configure --runtime docker
printf '{"edited": true}\n' >"$root/$CFG"
run "$GPUPREP" --root "$root" undo
expect_rc 0 "undo over a later edit"
expect_contains "$T/err" "warning: '$root/$CFG' changed since gpuprep wrote it" "undo over a later edit: warned"
expect_file_eq "$root/$CFG" "$G/tab.json" "undo over a later edit: the original is back"
if grep -rqx '{"edited": true}' "$root/var/lib/gpuprep/backup"; then
	ok "undo over a later edit: the edit is kept in the undo's backup"
else
	not_ok "undo over a later edit: the edit is kept in the undo's backup"
fi

# An undo is not itself undone by the next undo.
root=$(new_root tab)
run "$GPUPREP" --root "$root" configure --runtime docker
run "$GPUPREP" --root "$root" undo
run "$GPUPREP" --root "$root" undo
expect_contains "$T/out" "nothing to undo" "an undo is not undone by the next undo"
expect_file_eq "$root/$CFG" "$G/tab.json" "the original stays after two undos"

done_testing
