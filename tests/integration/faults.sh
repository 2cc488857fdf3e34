#!/bin/bash
# Faults at every occurrence of every write-path syscall of configure, undo and configure
# --drop-in (strace -e inject): EIO, ENOSPC, EACCES and SIGKILL. After each faulted run:
#   - the exit status is 0, 1 or (killed) 137: never a crash;
#   - each file is byte-identical to its old or its new content (a drop-in is never missing
#     while the main config that imports it is new);
#   - a backup exists whenever a file changed, and a failure that left a file new says to run
#     'gpuprep undo' (never "nothing was changed");
#   - the next configure succeeds and writes the new files;
#   - undo then restores the original.
# FAULT_SAMPLE=N (or N as the argument) tries every Nth occurrence only: the sanitizer builds
# pass 5 (tests/meson.build); the default is every occurrence.
. "$TESTS_SRC/lib.sh"
# LeakSanitizer cannot run under ptrace: off for the runs under strace (ASan builds).
NOLEAK="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/tap-parallel.sh"

if ! command -v strace >/dev/null; then
	echo "1..0 # SKIP strace is not installed (.ci/packages has it)"
	exit 0
fi
if ! strace -f -qq -o /dev/null -e trace=getpid -e inject=getpid:error=EIO:when=1 true 2>/dev/null; then
	echo "1..0 # SKIP strace cannot trace here (no ptrace permission, or no fault injection)"
	exit 0
fi
SAMPLE=${FAULT_SAMPLE:-${1:-1}}
SYSCALLS="openat openat2 write fsync fdatasync rename renameat renameat2 unlink unlinkat mkdir mkdirat fchmod fchown"
FAULTS="error=EIO error=ENOSPC error=EACCES signal=KILL"
DG=$FIXTURES/configure/containerd

# setup SCENARIO ROOT: the node before the faulted command.
setup() {
	rm -rf "$2"
	case $1 in
	configure | undo)
		mkdir -p "$2/etc/docker"
		cp "$FIXTURES/configure/docker/two-space.json" "$2/etc/docker/daemon.json"
		[ "$1" = undo ] && "$GPUPREP" --root "$2" configure --runtime docker >/dev/null 2>&1
		;;
	dropin)
		mkdir -p "$2/etc/containerd"
		cp "$DG/drop-in-option.toml" "$2/etc/containerd/config.toml"
		;;
	esac
}
# faulted SCENARIO ROOT: the command that gets the faults.
faulted_cmd() {
	case $1 in
	configure) echo "$GPUPREP --root $2 configure --runtime docker" ;;
	undo) echo "$GPUPREP --root $2 undo" ;;
	dropin) echo "$GPUPREP --root $2 configure --runtime containerd --drop-in /etc/containerd/conf.d/99-nvidia.toml" ;;
	esac
}
# state SCENARIO ROOT: "old", "new" or "torn: ..." for the files of the scenario.
state() {
	local r=$2 main drop
	case $1 in
	configure | undo)
		if cmp -s "$r/etc/docker/daemon.json" "$FIXTURES/configure/docker/two-space.json"; then main=orig
		elif cmp -s "$r/etc/docker/daemon.json" "$FIXTURES/configure/docker/two-space.expected"; then main=conf
		else main=torn; fi
		case $1:$main in
		configure:orig | undo:conf) echo old ;;
		configure:conf | undo:orig) echo new ;;
		*) echo "torn: $(head -c 300 "$r/etc/docker/daemon.json" 2>&1)" ;;
		esac
		;;
	dropin)
		if cmp -s "$r/etc/containerd/config.toml" "$DG/drop-in-option.toml"; then main=old
		elif cmp -s "$r/etc/containerd/config.toml" "$DG/drop-in-option.expected"; then main=new
		else main=torn; fi
		drop=torn
		[ -e "$r/etc/containerd/conf.d/99-nvidia.toml" ] || drop=old
		cmp -s "$r/etc/containerd/conf.d/99-nvidia.toml" "$DG/drop-in-option.drop-in" && drop=new
		case $main:$drop in
		old:old) echo old ;;
		new:new) echo new ;;
		old:new) echo old ;; # the drop-in first: inert until the main config imports it
		*) echo "torn: main $main, drop-in $drop" ;;
		esac
		;;
	esac
}
original_ok() {
	case $1 in
	configure | undo) cmp -s "$2/etc/docker/daemon.json" "$FIXTURES/configure/docker/two-space.json" ;;
	dropin) cmp -s "$2/etc/containerd/config.toml" "$DG/drop-in-option.toml" &&
		[ ! -e "$2/etc/containerd/conf.d/99-nvidia.toml" ] ;;
	esac
}
next_configure() {
	case $1 in
	configure | undo) "$GPUPREP" --root "$2" configure --runtime docker ;;
	dropin) "$GPUPREP" --root "$2" configure --runtime containerd --drop-in /etc/containerd/conf.d/99-nvidia.toml ;;
	esac
}

# one SCENARIO SYSCALL: every occurrence (or every SAMPLEth) of SYSCALL, under each fault.
one() {
	local sc=$1 sys=$2 root=$T/root n fault when rc st bad cmd tried
	setup "$sc" "$root"
	cmd=$(faulted_cmd "$sc" "$root")
	$NOLEAK strace -f -qq -e trace="$sys" -o "$T/count" $cmd >/dev/null 2>&1
	n=$(grep -cE "^[0-9]+ +$sys\(" "$T/count")
	if [ "$n" = 0 ]; then
		skip "$sc: $sys" "not called"
		return
	fi
	for fault in $FAULTS; do
		bad=()
		tried=0
		for ((when = 1; when <= n; when++)); do
			(((when - 1) % SAMPLE == 0)) || continue
			tried=$((tried + 1))
			setup "$sc" "$root"
			$NOLEAK strace -f -qq -o /dev/null -e trace="$sys" -e inject="$sys:$fault:when=$when" \
				$cmd >"$T/out" 2>"$T/err"
			rc=$?
			st=$(state "$sc" "$root")
			local at="#$when/$n"
			case $rc in 0 | 1 | 137) ;; *) bad+=("$at: exit $rc: $(head -c 300 "$T/err")") ;; esac
			case $st in
			old | new) ;;
			*) bad+=("$at: $st") ;;
			esac
			if [ "$st" = new ] && [ "$rc" = 1 ] && ! grep -q "gpuprep undo" "$T/err"; then
				bad+=("$at: failed, the file is new, and the error does not say to undo: $(head -c 300 "$T/err")")
			fi
			if grep -q "nothing was changed" "$T/err" && [ "$st" != old ]; then
				bad+=("$at: says nothing was changed, but the state is $st")
			fi
			if [ "$st" = new ] && [ "$sc" != undo ] &&
				! grep -qs '"existed"' "$root"/var/lib/gpuprep/backup/*/journal.jsonl; then
				bad+=("$at: the file changed with no backup journaled")
			fi
			if ! next_configure "$sc" "$root" >"$T/out2" 2>"$T/err2"; then
				bad+=("$at: the next configure fails: $(head -c 300 "$T/err2")")
				continue
			fi
			if ! "$GPUPREP" --root "$root" undo >"$T/out3" 2>"$T/err3"; then
				bad+=("$at: undo after it fails: $(head -c 300 "$T/err3")")
				continue
			fi
			original_ok "$sc" "$root" || bad+=("$at: configure then undo does not give the original back")
		done
		if [ ${#bad[@]} = 0 ]; then
			ok "$sc: $sys:$fault at $tried of $n occurrences: old or new, undoable"
		else
			not_ok "$sc: $sys:$fault at $tried of $n occurrences: old or new, undoable" "${bad[@]:0:8}"
		fi
	done
}

# The fsyncs of one clean configure, in order, and which come before the config is renamed
# into place (one batch: the backup's copy, its journal, their directories, and the config's
# temp file) and right after it (the config's directory, then the journal's "complete").
# A batch syncs its items at once, each on a thread of its own but the last, which the main
# thread syncs (lib/files/safefile.c), and strace counts a fault's "when" per thread: when=K
# fails the main thread's Kth fsync and the Kth of every other thread that makes K.
setup configure "$T/r0"
$NOLEAK strace -f -qq -y -e trace=fsync,rename,renameat,renameat2 -o "$T/order" $(faulted_cmd configure "$T/r0") >/dev/null 2>&1
n_before=$(awk '/rename/ { exit } /fsync\(/ { n++ } END { print n + 0 }' "$T/order")
main_pid=$(awk '/rename/ { print $1; exit }' "$T/order")
main_before=$(awk -v p="$main_pid" '/rename/ { exit } $1 == p && /fsync\(/ { n++ } END { print n + 0 }' "$T/order")

# before_rename_fails NAME ROOT STRACE-ARGS...: the faulted configure is an error before the
# config changes, and leaves no journal behind for undo to take; bad+=() otherwise.
before_rename_fails() {
	local name=$1 root=$2 rc st
	shift 2
	$NOLEAK strace -f -qq -o /dev/null "$@" $(faulted_cmd configure "$root") >"$T/out" 2>"$T/err"
	rc=$?
	st=$(state configure "$root")
	[ "$rc" = 1 ] && [ "$st" = old ] || bad+=("$name: exit $rc, $st: $(head -c 200 "$T/err")")
	if ls "$root"/var/lib/gpuprep/backup/*/journal.jsonl >/dev/null 2>&1; then
		bad+=("$name: the failed run left a journal")
	fi
}
# setup_used ROOT: the configure node with /run's lock and the backup directory there already,
# as after an earlier run: then the main thread's first fsync is the batch's last item.
setup_used() {
	setup configure "$1"
	mkdir -p "$1/run" "$1/var/lib/gpuprep/backup"
	chmod 700 "$1/var/lib/gpuprep"
	: >"$1/run/gpuprep.lock"
}

# Item 5: an fsync before the rename (the backup's, and the temp file's) that fails is an error
# before the config changes. On a fresh root each of the main thread's fsyncs in turn (the
# directories made for the lock and the backup, then the temp file's); on a used root the
# first fsync of every thread, which is every item of the batch at once; and the backup
# directory's alone (strace -P picks it by path, whichever thread syncs it).
bad=()
for ((when = 1; when <= main_before; when++)); do
	setup configure "$T/r5"
	before_rename_fails "fsync #$when of the main thread" "$T/r5" -e trace=fsync -e inject=fsync:error=EIO:when=$when
done
setup_used "$T/r5"
before_rename_fails "the first fsync of every thread" "$T/r5" -e trace=fsync -e inject=fsync:error=EIO:when=1
setup_used "$T/r5"
before_rename_fails "the backup directory's fsync" "$T/r5" -P "$T/r5/var/lib/gpuprep/backup" \
	-e trace=fsync -e inject=fsync:error=EIO:when=1
grep -q "cannot sync the directory '$T/r5/var/lib/gpuprep/backup'" "$T/err" ||
	bad+=("the backup directory's fsync: the error does not name it: $(head -c 300 "$T/err")")
[ ${#bad[@]} = 0 ] && ok "a failed fsync before the rename ($main_before of the main thread, then the batch's) is an error before the config changes" ||
	not_ok "a failed fsync before the rename is an error before the config changes" "${bad[@]}"
[ "$n_before" -ge 7 ] && ok "the backup and the temp file are synced before the rename ($n_before fsyncs)" ||
	not_ok "the backup and the temp file are synced before the rename" "only $n_before fsyncs before it"

# Item 4: the fsync of the config's directory fails after the rename: the file is put back
# for real (not only said to be), or it is new and the error says to undo it.
setup configure "$T/r4"
$NOLEAK strace -f -qq -o /dev/null -P "$T/r4/etc/docker" -e trace=fsync -e inject=fsync:error=EIO:when=1 \
	$(faulted_cmd configure "$T/r4") >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "the directory's fsync fails after the rename"
st=$(state configure "$T/r4")
if [ "$st" = old ] || { [ "$st" = new ] && grep -q "gpuprep undo" "$T/err"; }; then
	ok "after a failure past the rename, the file is old, or new with 'gpuprep undo' to run ($st)"
else
	not_ok "after a failure past the rename, the file is old, or new with 'gpuprep undo' to run" "$st" "$(cat "$T/err")"
fi
if grep -qs '"undone_by":"rollback"' "$T/r4"/var/lib/gpuprep/backup/*/journal.jsonl && [ "$st" != old ]; then
	not_ok "the journal says rolled back only when the file is the old one" "$st"
else
	ok "the journal says rolled back only when the file is the old one"
fi
run "$GPUPREP" --root "$T/r4" configure --runtime docker
expect_rc 0 "configure after it"
[ "$(state configure "$T/r4")" = new ] && ok "configure after it writes the new file" ||
	not_ok "configure after it writes the new file"
run "$GPUPREP" --root "$T/r4" undo
original_ok configure "$T/r4" && ok "undo after it gives the original back" ||
	not_ok "undo after it gives the original back" "$(cat "$T/out" "$T/err")"

# The journal's "complete" alone fails (the main thread's first fsync after the rename, the last
# item of the batch after it): every file is new and durable, only the record is lost, and the
# error says so and to undo.
setup configure "$T/r6"
$NOLEAK strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=$((main_before + 1)) \
	$(faulted_cmd configure "$T/r6") >"$T/out" 2>"$T/err"
rc=$?
st=$(state configure "$T/r6")
if [ "$rc" = 1 ] && [ "$st" = new ] && grep -q "every file was written, but: cannot sync '.*journal.jsonl'" "$T/err" &&
	grep -q "gpuprep undo" "$T/err"; then
	ok "the journal's \"complete\" fails alone: the file is new, the error says so and to undo"
else
	not_ok "the journal's \"complete\" fails alone: the file is new, the error says so and to undo" "exit $rc, $st" "$(cat "$T/err")"
fi
run "$GPUPREP" --root "$T/r6" undo
original_ok configure "$T/r6" && ok "undo after a lost \"complete\" gives the original back" ||
	not_ok "undo after a lost \"complete\" gives the original back" "$(cat "$T/out" "$T/err")"

for sc in configure undo dropin; do
	for sys in $SYSCALLS; do
		par_run "$sc-$sys" one "$sc" "$sys"
	done
done
par_wait

done_testing
