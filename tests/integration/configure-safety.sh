#!/bin/bash
# The write path of configure and undo: symlinks, mode and owner are kept; the lock; and files
# that cannot be written (a directory, a read-only mount, an immutable file, no permission) are
# left exactly as they were. (SIGKILL at every step: configure-kill.sh.)
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"

# ---- symlinks: the target is written, the link stays, --root is not escaped ----
root=$(new_root empty)
rm "$root/$CFG"
mkdir -p "$root/data"
cp "$G/tab.json" "$root/data/daemon.json"
ln -s /data/daemon.json "$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime docker --cgroup-driver systemd
expect_rc 0 "absolute symlink: configure"
[ -L "$root/$CFG" ] && [ "$(readlink "$root/$CFG")" = /data/daemon.json ] && ok "absolute symlink: the link stays" ||
	not_ok "absolute symlink: the link stays"
expect_file_eq "$root/data/daemon.json" "$G/tab.expected" "absolute symlink: its target under --root is written"
[ ! -e /data/daemon.json ] && ok "absolute symlink: nothing outside --root" || not_ok "absolute symlink: nothing outside --root"
run "$GPUPREP" --root "$root" undo
expect_file_eq "$root/data/daemon.json" "$G/tab.json" "absolute symlink: undo restores the target"
[ -L "$root/$CFG" ] && ok "absolute symlink: undo keeps the link" || not_ok "absolute symlink: undo keeps the link"

root=$(new_root empty)
rm "$root/$CFG"
cp "$G/two-space.json" "$root/etc/docker/real.json"
ln -s real.json "$root/etc/docker/link2.json"
ln -s link2.json "$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "chain of relative symlinks: configure"
expect_file_eq "$root/etc/docker/real.json" "$G/two-space.expected" "chain of relative symlinks: the final target is written"
[ -L "$root/$CFG" ] && [ -L "$root/etc/docker/link2.json" ] && ok "chain of relative symlinks: both links stay" ||
	not_ok "chain of relative symlinks: both links stay"

root=$(new_root empty)
rm "$root/$CFG"
ln -s nowhere.json "$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "dangling symlink: configure"
expect_file_eq "$root/etc/docker/nowhere.json" "$G/missing.expected" "dangling symlink: its target is created"

# ---- mode and owner ----
root=$(new_root two-space)
chmod 0640 "$root/$CFG"
if [ "$(id -u)" = 0 ]; then chown 1234:5678 "$root/$CFG"; fi
before=$(stat -c '%a %u:%g' "$root/$CFG")
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "mode/owner: configure"
[ "$(stat -c '%a %u:%g' "$root/$CFG")" = "$before" ] && ok "mode/owner: kept ($before)" ||
	not_ok "mode/owner: kept ($before)" "now $(stat -c '%a %u:%g' "$root/$CFG")"
run "$GPUPREP" --root "$root" undo
[ "$(stat -c '%a %u:%g' "$root/$CFG")" = "$before" ] && ok "mode/owner: kept by undo" ||
	not_ok "mode/owner: kept by undo" "now $(stat -c '%a %u:%g' "$root/$CFG")"
root=$(new_root missing)
run "$GPUPREP" --root "$root" configure --runtime docker
[ "$(stat -c '%a' "$root/$CFG")" = 644 ] && ok "a new file is created 0644" || not_ok "a new file is created 0644"

# ---- the lock ----
root=$(new_root two-space)
mkdir -p "$root/run"
(
	exec 9>"$root/run/gpuprep.lock"
	flock 9
	touch "$T/locked"
	exec sleep 60
) &
holder=$!
at_exit "kill $holder 2>/dev/null"
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
run env GPUPREP_LOCK_TIMEOUT=0 "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 1 "lock held: configure refuses"
expect_contains "$T/err" "another gpuprep run holds the lock '$root/run/gpuprep.lock'" "lock held: message names the lock"
expect_file_eq "$root/$CFG" "$G/two-space.json" "lock held: the file is untouched"
run env GPUPREP_LOCK_TIMEOUT=0 "$GPUPREP" --root "$root" undo
expect_rc 1 "lock held: undo refuses"
run env GPUPREP_LOCK_TIMEOUT=0 "$GPUPREP" --root "$root" configure --runtime docker --dry-run
expect_rc 0 "lock held: --dry-run needs no lock"
kill "$holder"
wait "$holder" 2>/dev/null
run env GPUPREP_LOCK_TIMEOUT=0 "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "lock released: configure runs"

# Where the lock file is there already (every run after the first since boot), configure takes
# it first and reads the config once; without it, it reads the config, makes the lock, and
# reads it again under the lock. Counted with strace: the opens of the config for reading.
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	reads_of_config() { # ROOT: the config's opens for reading during one configure
		env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -qq \
			-e trace=open,openat,openat2 -o "$T/trace" "$GPUPREP" --root "$1" configure --runtime docker \
			--no-dev-char-links >/dev/null 2>&1 || echo "configure failed" >&2
		grep 'daemon\.json' "$T/trace" | grep -v O_PATH | grep -c O_RDONLY
	}
	root=$(new_root two-space)
	n_first=$(reads_of_config "$root")
	cp "$G/two-space.json" "$root/$CFG"
	n_then=$(reads_of_config "$root")
	[ "$n_first" = 2 ] && [ "$n_then" = 1 ] &&
		ok "lock file there: the config is read once, under the lock (2 reads, then 1)" ||
		not_ok "lock file there: the config is read once, under the lock (2 reads, then 1)" "first run $n_first, second $n_then"
	expect_file_eq "$root/$CFG" "$G/two-space.expected" "lock file there: the expected file"
else
	skip "lock file there: the config is read once" "no working strace"
fi

# Two runs at once: both finish, and the result is the one expected file.
root=$(new_root two-space)
"$GPUPREP" --root "$root" configure --runtime docker >"$T/a.out" 2>&1 &
a=$!
"$GPUPREP" --root "$root" configure --runtime docker >"$T/b.out" 2>&1 &
b=$!
wait $a && wait $b && ok "two runs at once both succeed" || not_ok "two runs at once both succeed" "$(cat "$T/a.out" "$T/b.out")"
expect_file_eq "$root/$CFG" "$G/two-space.expected" "two runs at once: the expected file"
[ "$(ls "$root/var/lib/gpuprep/backup" | wc -l)" = 1 ] && ok "two runs at once: one backup (the second found it done)" ||
	not_ok "two runs at once: one backup (the second found it done)" "$(ls "$root/var/lib/gpuprep/backup")"

# ---- files that cannot be written ----
root=$(new_root empty)
rm "$root/$CFG"
mkdir "$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 1 "config is a directory"
expect_contains "$T/err" "cannot edit '$root/$CFG': it is a directory" "config is a directory: message"
expect_contains "$T/err" "hint: give the config file itself with --config" "config is a directory: hint"
[ -d "$root/$CFG" ] && [ -z "$(ls -A "$root/$CFG")" ] && ok "config is a directory: left as it was" ||
	not_ok "config is a directory: left as it was"

# A read-only bind mount, made real inside a private mount namespace.
root=$(new_root two-space)
if unshare --mount --propagation private true 2>/dev/null; then
	unshare --mount --propagation private bash -c '
		mount --bind "$1/etc/docker" "$1/etc/docker" && mount -o remount,bind,ro "$1/etc/docker" || exit 99
		"$2" --root "$1" configure --runtime docker >"$3/out" 2>"$3/err"' _ "$root" "$GPUPREP" "$T"
	rc=$?
	if [ $rc = 99 ]; then
		skip "read-only directory" "cannot make a read-only bind mount here"
	else
		expect_rc 1 "read-only directory: refused"
		expect_contains "$T/err" "cannot write '$root/$CFG': Read-only file system" "read-only directory: message"
		expect_contains "$T/err" "hint: the file system is mounted read-only" "read-only directory: hint"
		expect_file_eq "$root/$CFG" "$G/two-space.json" "read-only directory: the file is left as it was"
		[ ! -e "$root/var/lib/gpuprep/backup" ] || [ -z "$(ls -A "$root/var/lib/gpuprep/backup")" ] &&
			ok "read-only directory: no backup made" || not_ok "read-only directory: no backup made"
	fi
else
	skip "read-only directory" "unshare --mount is not permitted here"
fi

# An immutable file, and an immutable directory.
root=$(new_root two-space)
if chattr +i "$root/$CFG" 2>/dev/null; then
	at_exit "chattr -i '$root/$CFG' 2>/dev/null"
	run "$GPUPREP" --root "$root" configure --runtime docker
	expect_rc 1 "immutable file: refused"
	expect_contains "$T/err" "cannot write '$root/$CFG': Operation not permitted" "immutable file: message"
	expect_contains "$T/err" "chattr -i" "immutable file: hint"
	chattr -i "$root/$CFG"
	expect_file_eq "$root/$CFG" "$G/two-space.json" "immutable file: left as it was"
	chattr +i "$root/etc/docker"
	at_exit "chattr -i '$root/etc/docker' 2>/dev/null"
	run "$GPUPREP" --root "$root" configure --runtime docker
	expect_rc 1 "immutable directory: refused"
	expect_contains "$T/err" "cannot create files in '$root/etc/docker'" "immutable directory: message"
	chattr -i "$root/etc/docker"
	expect_file_eq "$root/$CFG" "$G/two-space.json" "immutable directory: the file is left as it was"
else
	skip "immutable file" "chattr +i does not work on $T's file system"
fi

# No permission: run as nobody against a root-owned directory.
root=$(new_root two-space)
chmod 0755 "$T" "$root" "$root/etc" "$root/etc/docker"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$GPUPREP"; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$GPUPREP" --root "$root" configure --runtime docker --dry-run
	expect_rc 0 "no permission: --dry-run still works"
	mkdir -p "$root/run" && chmod 1777 "$root/run"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$GPUPREP" --root "$root" configure --runtime docker
	expect_rc 1 "no permission: refused"
	expect_contains "$T/err" "Permission denied" "no permission: message"
	expect_contains "$T/err" "hint: run gpuprep as root" "no permission: hint"
	expect_file_eq "$root/$CFG" "$G/two-space.json" "no permission: the file is left as it was"
else
	skip "no permission" "not root, no setpriv, or the build is not reachable as nobody"
fi

# ---- a refused input writes nothing; directories made for a bare root have a system's modes ----
# (issue 11, item 11; configure_check_refusals checks every refused golden file the same way.)
root=$(new_root not-object)
tree_snapshot "$root" >"$T/tree.before"
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 1 "refused file: configure fails"
tree_snapshot "$root" >"$T/tree.after"
expect_file_eq "$T/tree.after" "$T/tree.before" "refused file: no lock, no /run, nothing written"
# A root without /var: var and var/lib as on a real system, only gpuprep's own dir private.
root=$(new_root two-space)
umask_was=$(umask)
umask 022
run "$GPUPREP" --root "$root" configure --runtime docker
umask "$umask_was"
expect_rc 0 "bare root: configure"
modes=$(stat -c '%n %a' "$root/var" "$root/var/lib" "$root/var/lib/gpuprep" "$root/run" | sed "s|$root/||")
expected=$'var 755\nvar/lib 755\nvar/lib/gpuprep 700\nrun 755'
[ "$modes" = "$expected" ] && ok "bare root: var and var/lib 0755, var/lib/gpuprep 0700" ||
	not_ok "bare root: var and var/lib 0755, var/lib/gpuprep 0700" "$modes"
# undo with a session it cannot use (its backup copy is gone): refused, nothing written.
rm -rf "$root/run"
rm -f "$root"/var/lib/gpuprep/backup/*/etc/docker/daemon.json
tree_snapshot "$root" >"$T/tree.before"
run "$GPUPREP" --root "$root" undo
expect_rc 1 "undo, backup copy missing: refused"
expect_contains "$T/err" "cannot read the backup" "undo, backup copy missing: says why"
tree_snapshot "$root" >"$T/tree.after"
expect_file_eq "$T/tree.after" "$T/tree.before" "undo refused: no lock, no /run, nothing written"

done_testing
