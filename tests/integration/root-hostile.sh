#!/bin/bash
# A hostile image under --root: etc, var/lib, run, etc/containerd, config files, a drop-in dir
# and backups are symlinks that point outside it (absolute host paths, and relative ones that
# climb with ".."). Whatever gpuprep does there, nothing outside the root is read or written:
# a decoy directory outside is byte-for-byte and mtime-for-mtime the same afterwards, its
# marker text shows up nowhere, and strace sees no open of a path under it. Each case runs
# twice: with openat2(RESOLVE_IN_ROOT), and with the component walk of kernels before 5.6
# (GPUPREP_TEST_NO_OPENAT2=1 forces it).
. "$TESTS_SRC/lib.sh"
# LeakSanitizer cannot run under ptrace: off for the runs under strace (ASan builds).
NOLEAK="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

DECOY=$T/decoy
MARK=decoy-marker-7f3a
make_decoy() {
	rm -rf "$DECOY"
	mkdir -p "$DECOY/etc/docker" "$DECOY/etc/containerd/conf.d" "$DECOY/var/lib/gpuprep/backup/S" \
		"$DECOY/run" "$DECOY/host"
	printf '{"%s": true}\n' "$MARK" >"$DECOY/etc/docker/daemon.json"
	printf '# %s\nversion = 2\n' "$MARK" >"$DECOY/etc/containerd/config.toml"
	printf '%s\n' "$MARK" >"$DECOY/host/hostname"
	printf '{"%s": 1}\n' "$MARK" >"$DECOY/var/lib/gpuprep/backup/S/daemon.json"
	touch -d '2001-01-01' "$DECOY"/etc/docker/daemon.json "$DECOY"/etc/containerd/config.toml
}
snapshot() { (cd "$DECOY" && find . -printf '%p %y %s %m %T@ %l\n' | sort && find . -type f -exec sha256sum {} + | sort); }

# hostile_root KIND: a fresh root whose KIND of path leads outside (to the decoy).
hostile_root() {
	local r=$T/root-$1
	rm -rf "$r"
	mkdir -p "$r"
	case $1 in
	etc-abs) ln -s "$DECOY/etc" "$r/etc" ;;
	etc-climb) ln -s ../../../../../../../../"$DECOY/etc" "$r/etc" ;;
	varlib) mkdir -p "$r/etc/docker" "$r/var" && echo '{}' >"$r/etc/docker/daemon.json" &&
		ln -s "$DECOY/var/lib" "$r/var/lib" ;;
	run) mkdir -p "$r/etc/docker" && echo '{}' >"$r/etc/docker/daemon.json" && ln -s "$DECOY/run" "$r/run" ;;
	containerd) mkdir -p "$r/etc" && ln -s "$DECOY/etc/containerd" "$r/etc/containerd" ;;
	config) mkdir -p "$r/etc/docker" && ln -s "$DECOY/etc/docker/daemon.json" "$r/etc/docker/daemon.json" ;;
	config-climb) mkdir -p "$r/etc/docker" &&
		ln -s "../../../../../../../../../$DECOY/etc/docker/daemon.json" "$r/etc/docker/daemon.json" ;;
	dropin) mkdir -p "$r/etc/containerd" && printf 'version = 2\n' >"$r/etc/containerd/config.toml" &&
		ln -s "$DECOY/etc/containerd/conf.d" "$r/etc/containerd/conf.d" ;;
	backup) mkdir -p "$r/etc/docker" "$r/var/lib/gpuprep/backup" && echo '{}' >"$r/etc/docker/daemon.json" &&
		ln -s "$DECOY/var/lib/gpuprep/backup/S" "$r/var/lib/gpuprep/backup/20991231T000000Z" ;;
	esac
	printf '%s\n' "$r"
}

# confined NAME ROOT CMD...: run gpuprep under strace; the decoy is untouched and unread.
confined() {
	local name=$1 root=$2
	shift 2
	snapshot >"$T/before"
	set +e
	if [ -n "$STRACE" ]; then
		$NOLEAK strace -f -qq -e trace=open,openat,openat2,creat,truncate,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,symlink,symlinkat,link,linkat,chmod,fchmodat,chown,fchownat \
			-o "$T/trace" "$GPUPREP" --root "$root" "$@" >"$T/out" 2>"$T/err"
	else
		"$GPUPREP" --root "$root" "$@" >"$T/out" 2>"$T/err"
	fi
	rc=$?
	set +e
	snapshot >"$T/after"
	if cmp -s "$T/before" "$T/after"; then ok "$name: nothing outside the root changed"; else
		not_ok "$name: nothing outside the root changed" "$(diff "$T/before" "$T/after" | head -20)" "$(cat "$T/err")"
	fi
	if grep -rqs "$MARK" "$T/out" "$T/err" "$root"; then
		not_ok "$name: nothing outside the root was read" "$(grep -rs "$MARK" "$T/out" "$T/err" "$root" | head -5)"
	else
		ok "$name: nothing outside the root was read"
	fi
	if [ -n "$STRACE" ]; then
		# By name from the working directory (an open relative to the root's fd names a
		# node path, which stays inside whatever it spells).
		if grep -E "(AT_FDCWD, |[a-z0-9]\\()\"$DECOY" "$T/trace" >"$T/hits"; then
			not_ok "$name: no path outside the root is opened" "$(head -5 "$T/hits")"
		else
			ok "$name: no path outside the root is opened"
		fi
	fi
}

STRACE=
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then STRACE=1; fi

for mode in openat2 walk; do
	if [ $mode = walk ]; then export GPUPREP_TEST_NO_OPENAT2=1; else unset GPUPREP_TEST_NO_OPENAT2; fi
	for kind in etc-abs etc-climb varlib run config config-climb backup; do
		make_decoy
		root=$(hostile_root $kind)
		confined "$mode/$kind: configure docker" "$root" configure --runtime docker
		[ $rc = 0 ] && ok "$mode/$kind: configure docker succeeds inside the root (exit 0)" ||
			not_ok "$mode/$kind: configure docker succeeds inside the root (exit 0)" "$(cat "$T/err")"
		confined "$mode/$kind: configure docker again" "$root" configure --runtime docker
		confined "$mode/$kind: detect" "$root" detect --json
		confined "$mode/$kind: preflight" "$root" preflight --runtime docker
		confined "$mode/$kind: undo" "$root" undo
		confined "$mode/$kind: undo again" "$root" undo
	done
	for kind in containerd dropin etc-abs; do
		make_decoy
		root=$(hostile_root $kind)
		confined "$mode/$kind: configure containerd --drop-in" "$root" configure --runtime containerd \
			--drop-in /etc/containerd/conf.d/99-nvidia.toml
		[ $rc = 0 ] && ok "$mode/$kind: configure containerd succeeds inside the root (exit 0)" ||
			not_ok "$mode/$kind: configure containerd succeeds inside the root (exit 0)" "$(cat "$T/err")"
		confined "$mode/$kind: verify (no daemon)" "$root" verify --runtime containerd
		confined "$mode/$kind: undo containerd" "$root" undo
	done
	# The written files are inside the root, where the links resolve under it.
	make_decoy
	root=$(hostile_root etc-abs)
	run "$GPUPREP" --root "$root" configure --runtime docker
	[ -f "$root/$DECOY/etc/docker/daemon.json" ] && ok "$mode: an absolute link is followed under the root" ||
		not_ok "$mode: an absolute link is followed under the root" "$(find "$root" | head)"
	root=$(hostile_root etc-climb)
	run "$GPUPREP" --root "$root" configure --runtime docker
	[ -f "$root/$DECOY/etc/docker/daemon.json" ] && ok "$mode: '..' stops at the root" ||
		not_ok "$mode: '..' stops at the root" "$(find "$root" | head)"
done
unset GPUPREP_TEST_NO_OPENAT2

# --socket with ".." is normalised under the root (item 3): it names ROOT/dev/null, not /dev/null.
make_decoy
root=$(hostile_root config)
run "$GPUPREP" --root "$root" verify --runtime docker --socket /p/../../dev/null
expect_contains "$T/err" "$root/dev/null" "--socket /p/../../dev/null: normalised under the root"
expect_not_contains "$T/err" "'/dev/null'" "--socket /p/../../dev/null: not the host's /dev/null"

# undo does not follow a journal's path out of the root (item 2): a planted entry that climbs
# with ".." is refused with the journal's file and line, before anything changes.
for entry in "/../../../../../../../..$DECOY/host/hostname" "..$DECOY/host/hostname" \
	"/etc/docker/../../../../../..$DECOY/host/hostname"; do
	for existed in true false; do
		make_decoy
		root=$T/root-journal
		rm -rf "$root" && mkdir -p "$root/etc/docker" && echo '{}' >"$root/etc/docker/daemon.json"
		run "$GPUPREP" --root "$root" configure --runtime docker
		session=$(ls "$root/var/lib/gpuprep/backup")
		journal=$root/var/lib/gpuprep/backup/$session/journal.jsonl
		printf '{"op":"configure","runtime":"docker","path":"%s","existed":%s,"mode":420}\n' \
			"$entry" $existed >>"$journal"
		line=$(wc -l <"$journal")
		cp "$root/etc/docker/daemon.json" "$T/configured"
		confined "journal entry '$entry' (existed $existed): undo" "$root" undo
		[ $rc = 1 ] && ok "journal entry '$entry' (existed $existed): refused (exit 1)" ||
			not_ok "journal entry '$entry' (existed $existed): refused (exit 1)" "$(cat "$T/out" "$T/err")"
		expect_contains "$T/err" "'$journal':$line: the entry names" "journal entry '$entry': the error names the journal and line"
		expect_file_eq "$root/etc/docker/daemon.json" "$T/configured" "journal entry '$entry': nothing was restored"
		[ ! -e "$root/$DECOY" ] && ok "journal entry '$entry': nothing copied into the image" ||
			not_ok "journal entry '$entry': nothing copied into the image"
	done
done

done_testing
