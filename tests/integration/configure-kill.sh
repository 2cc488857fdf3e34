#!/bin/bash
# SIGKILL (through the GPUPREP_TEST_KILL_AT hook) at every step of the write path of configure
# and of undo: the file is always exactly the old or the new one, never half, and the next run
# finishes the job and clears the dead run's temp file. SIGTERM at the temp file's steps:
# gpuprep's handler removes the temp file itself.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/tap-parallel.sh"

STEPS="lock backup-copy backup-journal tmp-create tmp-write-half tmp-write tmp-fsync rename dir-fsync"

no_temps() { ! ls -A "$1" | grep -q 'gpuprep-tmp'; }

# is_state FILE CASE old|new: the file is exactly the case's original or its expected output.
is_state() {
	case $3 in
	old) if [ -f "$G/$2.json" ]; then cmp -s "$1" "$G/$2.json"; else [ ! -e "$1" ]; fi ;;
	new) cmp -s "$1" "$G/$2.expected" ;;
	esac
}

# kill_configure CASE STEP WANT: configure killed at STEP leaves the WANT (old/new) file.
kill_configure() {
	local case=$1 step=$2 want=$3 root
	root=$(new_root "$case")
	run env GPUPREP_TEST_KILL_AT=$step "$GPUPREP" --root "$root" configure --runtime docker
	expect_rc 137 "$case: killed at $step"
	if is_state "$root/$CFG" "$case" $want; then
		ok "$case: killed at $step leaves the $want file"
	else
		not_ok "$case: killed at $step leaves the $want file" "$(cat "$root/$CFG" 2>&1)"
	fi
	# The next run finishes the job and removes the dead run's temp file.
	run "$GPUPREP" --root "$root" configure --runtime docker
	expect_rc 0 "$case: a run after the kill at $step"
	is_state "$root/$CFG" "$case" new && ok "$case: after the kill at $step, the next run writes the new file" ||
		not_ok "$case: after the kill at $step, the next run writes the new file"
	no_temps "$root/etc/docker" && ok "$case: no temp file left after the kill at $step" ||
		not_ok "$case: no temp file left after the kill at $step" "$(ls -A "$root/etc/docker")"
	run "$GPUPREP" --root "$root" undo
	expect_rc 0 "$case: undo after the kill at $step"
	is_state "$root/$CFG" "$case" old && ok "$case: undo after the kill at $step gives the original" ||
		not_ok "$case: undo after the kill at $step gives the original" "$(cat "$T/out" "$T/err")"
}

# term_configure CASE STEP WANT: SIGTERM at STEP (gpuprep's handler takes it): the WANT file,
# and the temp file beside it is gone at once, not left for the next run.
term_configure() {
	local case=$1 step=$2 want=$3 root
	root=$(new_root "$case")
	run env GPUPREP_TEST_KILL_AT=$step GPUPREP_TEST_KILL_SIGNAL=TERM "$GPUPREP" --root "$root" \
		configure --runtime docker
	expect_rc 143 "$case: SIGTERM at $step"
	is_state "$root/$CFG" "$case" $want && ok "$case: SIGTERM at $step leaves the $want file" ||
		not_ok "$case: SIGTERM at $step leaves the $want file" "$(cat "$root/$CFG" 2>&1)"
	no_temps "$root/etc/docker" && ok "$case: SIGTERM at $step: no temp file left, before any next run" ||
		not_ok "$case: SIGTERM at $step: no temp file left, before any next run" "$(ls -A "$root/etc/docker")"
	run "$GPUPREP" --root "$root" configure --runtime docker
	expect_rc 0 "$case: a run after SIGTERM at $step"
	run "$GPUPREP" --root "$root" undo
	expect_rc 0 "$case: undo after SIGTERM at $step"
	is_state "$root/$CFG" "$case" old && ok "$case: undo after SIGTERM at $step gives the original" ||
		not_ok "$case: undo after SIGTERM at $step gives the original" "$(cat "$T/out" "$T/err")"
}

# kill_undo STEP: undo killed at STEP leaves the old or the new file; undo again finishes.
kill_undo() {
	local step=$1 root
	root=$(new_root two-space)
	run "$GPUPREP" --root "$root" configure --runtime docker
	run env GPUPREP_TEST_KILL_AT=$step "$GPUPREP" --root "$root" undo
	expect_rc 137 "undo killed at $step"
	if is_state "$root/$CFG" two-space old || is_state "$root/$CFG" two-space new; then
		ok "undo killed at $step leaves the old or the new file"
	else
		not_ok "undo killed at $step leaves the old or the new file" "$(cat "$root/$CFG")"
	fi
	run "$GPUPREP" --root "$root" undo
	expect_rc 0 "undo again after the kill at $step"
	is_state "$root/$CFG" two-space old && ok "undo again after the kill at $step gives the original" ||
		not_ok "undo again after the kill at $step gives the original" "$(cat "$T/out" "$T/err")"
}

# Temp files a killed undo left are ours (the name, a regular file) and stale (every writer
# holds the lock): even a configure that changes nothing removes them. Anything else that only
# looks alike stays.
root=$(new_root two-space)
run "$GPUPREP" --root "$root" configure --runtime docker
run env GPUPREP_TEST_KILL_AT=tmp-write "$GPUPREP" --root "$root" undo
expect_rc 137 "undo killed with its temp file written"
run "$GPUPREP" --root "$root" configure --runtime docker
run "$GPUPREP" --root "$root" configure --runtime docker
expect_contains "$T/out" "already configured" "a configure that changes nothing"
mkdir "$root/etc/docker/.daemon.json.gpuprep-tmp-DIR123"
ln -s /nowhere "$root/etc/docker/.daemon.json.gpuprep-tmp-LNK123"
touch "$root/etc/docker/.daemon.json.gpuprep-tmp-toolong" "$root/etc/docker/.other.json.gpuprep-tmp-OTH123"
touch "$root/etc/docker/.daemon.json.gpuprep-tmp-Stale1"
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "a no-op configure after the killed undo"
ls -A "$root/etc/docker" | sort >"$T/left"
printf '%s\n' .daemon.json.gpuprep-tmp-DIR123 .daemon.json.gpuprep-tmp-LNK123 \
	.daemon.json.gpuprep-tmp-toolong .other.json.gpuprep-tmp-OTH123 daemon.json | sort >"$T/want"
expect_file_eq "$T/left" "$T/want" "a no-op configure removes the stale temp files, and only those"

for case in two-space missing; do
	want=old
	for step in $STEPS; do
		# A file that did not exist has no backup copy to make.
		[ "$case" = missing ] && [ "$step" = backup-copy ] && continue
		[ "$step" = rename ] && want=new
		par_run "$case-$step" kill_configure "$case" "$step" "$want"
	done
done
for step in $STEPS journal-undone; do
	par_run "undo-$step" kill_undo "$step"
done
want=old
for step in tmp-create tmp-write-half tmp-write tmp-fsync rename dir-fsync; do
	[ "$step" = rename ] && want=new
	par_run "term-$step" term_configure two-space "$step" "$want"
done
par_wait

done_testing
