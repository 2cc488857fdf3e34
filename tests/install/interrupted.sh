#!/bin/bash
# dpkg killed half way through an install (issue 11 item 8): the error says what to run, and
# doing that, then gpuprep install again, finishes the job. The kill is real: strace sends
# SIGKILL to dpkg at its third rename(2) while it unpacks (gpuprep itself renames with
# renameat, so only dpkg is hit). Everything happens in a sandbox root.
. "$TESTS_SRC/lib.sh"
# LeakSanitizer cannot run under ptrace: off for the runs under strace (ASan builds).
NOLEAK="env ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
. "$TESTS_SRC/install/lib-install.sh"

for tool in dpkg dpkg-deb strace; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool is not installed (.ci/packages has it)"
		exit 0
	fi
done
if ! strace -f -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=1 true 2>/dev/null; then
	echo "1..0 # SKIP strace cannot inject faults here"
	exit 0
fi
host_before=$(host_dpkg_state)
mk_toolkit "$T/pkgs" 1.17.8 amd64
root=$T/sandbox
mk_sandbox "$root" amd64

run $NOLEAK strace -f -qq -o /dev/null -e trace=rename -e inject=rename:signal=KILL:when=3 \
	"$GPUPREP" --root "$root" install --offline "$T/pkgs"
expect_rc 1 "dpkg killed mid-install: the install fails"
expect_contains "$T/err" "hint: dpkg stopped half way: run 'dpkg --root=$root --configure -a' to finish what it unpacked, then run gpuprep install again" \
	"the hint says to run dpkg --configure -a for this root, then gpuprep again"

# What the hint says works.
run dpkg --root="$root" --configure -a
expect_rc 0 "dpkg --configure -a"
run "$GPUPREP" --root "$root" install --offline "$T/pkgs"
expect_rc 0 "then gpuprep install"
printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "all four installed at the end"
[ "$host_before" = "$(host_dpkg_state)" ] && ok "the host's dpkg database is untouched" ||
	not_ok "the host's dpkg database is untouched"

done_testing
