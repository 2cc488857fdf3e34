#!/bin/bash
# gpuprep install --offline: NVIDIA's release tarball (with and without checksums), a plain
# directory, refused archives, and proof that offline mode opens no network socket. Every
# install goes into a sandbox root through dpkg --root; the host's dpkg database is checked
# to be untouched.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

host_before=$(host_dpkg_state)
for v in 1.17.7 1.17.8; do mk_toolkit "$T/pkgs-amd64" "$v" amd64; done
mk_toolkit "$T/pkgs-arm64" 1.17.8 arm64

# NVIDIA's release tarball layout: release-v<V>-stable/packages/ubuntu18.04/<arch>/*.deb
mk_release() { # ARCH VERSION OUTDIR
	local arch=$1 v=$2 out=$3 top="release-v$2-stable"
	local stage="$T/stage-$arch-$v"
	mkdir -p "$stage/$top/packages/ubuntu18.04/$arch" "$out"
	cp "$T/pkgs-$arch"/*"_$v-1_$arch.deb" "$stage/$top/packages/ubuntu18.04/$arch/"
	tar -C "$stage" -czf "$out/nvidia-container-toolkit_${v}_deb_${arch}.tar.gz" "$top"
}
mk_release amd64 1.17.8 "$T/rel"
tarball="$T/rel/nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz"

# --- a plain directory ---------------------------------------------------------------------
root=$T/sandbox-dir
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline "$T/pkgs-amd64" --dry-run
expect_rc 0 "directory: --dry-run"
sed "s#$T#@T@#g" "$T/out" >"$T/plan.txt"
expect_file_eq "$T/plan.txt" "$INSTALL_SRC/golden/offline-dir-plan.txt" "directory: the plan picks the four newest, skips -dev/-dbg/extensions"
if [ -z "$(installed_versions "$root")" ]; then ok "directory: --dry-run installs nothing"; else not_ok "directory: --dry-run installs nothing" "$(installed_versions "$root")"; fi

ls -l "$T/pkgs-amd64" >"$T/dir-before"
run "$GPUPREP" --root "$root" install --offline "$T/pkgs-amd64"
expect_rc 0 "directory: install"
ls -l "$T/pkgs-amd64" >"$T/dir-after"
expect_file_eq "$T/dir-after" "$T/dir-before" "directory: its packages stay as they were (only extracted copies go early)"
printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "directory: all four installed at 1.17.8-1"
expect_contains "$T/err" "    dpkg: Setting up nvidia-container-toolkit (1.17.8-1) ..." "directory: dpkg's output is relayed, prefixed and indented"
expect_file_eq "$T/out" "$INSTALL_SRC/golden/offline-installed.txt" "directory: the report lists the versions"

before=$(tree_state "$root")
run "$GPUPREP" --root "$root" install --offline "$T/pkgs-amd64"
expect_rc 0 "directory: a second run"
printf 'already installed: 1.17.8-1\n' >"$T/want"
expect_file_eq "$T/out" "$T/want" "directory: a second run says 'already installed: 1.17.8-1'"
if [ "$before" = "$(tree_state "$root")" ]; then ok "directory: the no-op changes nothing"; else not_ok "directory: the no-op changes nothing"; fi

run "$GPUPREP" --root "$root" install --offline "$T/pkgs-amd64" --version 1.17.7
expect_rc 0 "directory: --version 1.17.7 pins all four (a downgrade)"
printf '%s 1.17.7-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "directory: all four at 1.17.7-1"

run "$GPUPREP" --root "$root" install --offline "$T/pkgs-amd64" --version 1.99.0
expect_rc 1 "directory: an unknown version"
expect_contains "$T/err" "gpuprep: error: version 1.99.0-1 is not in '$T/pkgs-amd64'; it has 1.17.8-1, 1.17.7-1" "directory: an unknown version lists the ones there are"
expect_contains "$T/err" "hint: " "directory: an unknown version has a hint"

run "$GPUPREP" --root "$root" --json install --offline "$T/pkgs-amd64" --dry-run
expect_rc 0 "directory: --json --dry-run"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema_version"]==1 and d["action"]=="install" and d["dry_run"] and d["source"]["kind"]=="directory" and [p["target"] for p in d["packages"]]==["1.17.8-1"]*4, d' "$T/out" 2>"$T/py" &&
	ok "directory: the JSON plan" || not_ok "directory: the JSON plan" "$(cat "$T/py")"

# --- the OS packages the toolkit needs ---------------------------------------------------------
root=$T/sandbox-nodeps
mk_sandbox "$root" amd64 libseccomp2
run "$GPUPREP" --root "$root" install --offline "$T/pkgs-amd64"
expect_rc 1 "missing OS dependency"
expect_contains "$T/err" "gpuprep: error: the toolkit needs packages that are not installed: libseccomp2" "missing OS dependency is named"
if [ -z "$(installed_versions "$root")" ]; then ok "missing OS dependency: nothing installed"; else not_ok "missing OS dependency: nothing installed"; fi

# --- NVIDIA's release tarball --------------------------------------------------------------------
root=$T/sandbox-tar
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" --json install --offline "$tarball"
expect_rc 0 "release tarball: install"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["action"]=="installed" and not d["dry_run"] and d["source"]["kind"]=="release-tarball" and [(p["previous"], p["installed"]) for p in d["packages"]]==[(None, "1.17.8-1")]*4, d' "$T/out" 2>"$T/py" &&
	ok "release tarball: --json: installed, each package's previous and installed version" || not_ok "release tarball: --json install" "$(cat "$T/py")"
installed_versions "$root" >"$T/got"
printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
expect_file_eq "$T/got" "$T/want" "release tarball: all four installed"
run "$GPUPREP" --root "$root" install --offline "$tarball" --dry-run
expect_contains "$T/out" "source:   release tarball '$tarball'" "release tarball: the source is named"
expect_contains "$T/out" "nothing to do" "release tarball: a second run has nothing to do"
# The plan names the files as the user has them (ARCHIVE:MEMBER), not the temp dir it extracts to.
root2=$T/sandbox-tar-plan
mk_sandbox "$root2" amd64
run "$GPUPREP" --root "$root2" install --offline "$tarball" --dry-run
expect_contains "$T/out" " $tarball:release-v1.17.8-stable/packages/ubuntu18.04/amd64/nvidia-container-toolkit_1.17.8-1_amd64.deb" \
	"release tarball: the plan shows the archive's member"
expect_not_contains "$T/out" "gpuprep-install-" "release tarball: the plan names no temp path"
run "$GPUPREP" --root "$root2" --json install --offline "$tarball" --dry-run
expect_not_contains "$T/out" "gpuprep-install-" "release tarball: the JSON plan names no temp path"

# '-': from standard input. A file there is read like any file; a pipe can be read only once,
# and a release tarball is read twice (to pick the packages, then to extract them): refused,
# saying so, before anything is installed.
root=$T/sandbox-stdin
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline - <"$tarball"
expect_rc 0 "release tarball on standard input (a file): install"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "release tarball on standard input (a file): all four installed"
root=$T/sandbox-pipe
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline - < <(cat "$tarball")
expect_rc 1 "release tarball through a pipe: refused"
expect_contains "$T/err" "gpuprep: error: '/dev/stdin' is not a regular file (a pipe, a FIFO or a device), and an archive that is not a gpuprep bundle is read twice: once to pick the packages, once to extract them" \
	"release tarball through a pipe: says why"
expect_contains "$T/err" "hint: save it to a file and pass that" "release tarball through a pipe: the hint"
if [ -z "$(installed_versions "$root")" ]; then ok "release tarball through a pipe: nothing installed"; else not_ok "release tarball through a pipe: nothing installed"; fi
# '-' with a terminal on standard input: refused at once, not a wait for the keyboard.
if command -v script >/dev/null; then
	run timeout 30 script -qec "$GPUPREP --root $root install --offline -" /dev/null
	expect_rc 2 "--offline - from a terminal: a usage error"
	expect_contains "$T/out" "gpuprep: error: --offline - reads the archive from standard input, which is a terminal" \
		"--offline - from a terminal: refused, saying why"
	expect_contains "$T/out" "hint: pipe a bundle in" "--offline - from a terminal: the hint"
	expect_not_contains "$T/out" "gpuprep-install-" "--offline - from a terminal: refused before any plan"
else
	skip "--offline - from a terminal: refused, saying why" "no script(1) here to give it a terminal"
fi

# The copies extracted from the tarball go once dpkg has unpacked them all (its --status-fd),
# before dpkg ends: strace sees gpuprep unlink the last one before dpkg exits.
if command -v strace >/dev/null && strace -f -qq -o /dev/null true 2>/dev/null; then
	root=$T/sandbox-early
	mk_sandbox "$root" amd64
	# LeakSanitizer cannot run under ptrace (ASan builds).
	run env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=execve,unlink,exit_group -o "$T/early.st" \
		"$GPUPREP" --root "$root" install --offline "$tarball"
	expect_rc 0 "release tarball under strace: install"
	dpkg_pid=$(awk '/execve\("[^"]*\/dpkg", \["dpkg", "--status-fd=3"/ {print $1; exit}' "$T/early.st")
	awk -v pid="$dpkg_pid" '
		/unlink\(".*\/archive\/.*\/nvidia-container-toolkit_1\.17\.8-1_amd64\.deb"\) = 0/ && !u {u = NR}
		$1 == pid && /exit_group\(/ {x = NR}
		END {exit !(pid != "" && u && x && u < x)}' "$T/early.st" &&
		ok "release tarball: the extracted packages are removed before dpkg ends" ||
		not_ok "release tarball: the extracted packages are removed before dpkg ends" \
			"dpkg pid '$dpkg_pid'" "$(grep -E 'archive|exit_group' "$T/early.st" | tail -12)"
else
	skip "release tarball: the extracted packages are removed before dpkg ends" "strace cannot run here"
fi

# checksums.txt beside it: a good one is used, a bad one refuses.
(cd "$T/rel" && sha256sum nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz >nvidia-container-toolkit_1.17.8_checksums.txt)
root=$T/sandbox-sums
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline "$tarball"
expect_rc 0 "release tarball with a matching checksums.txt"
mk_sandbox "$T/sandbox-badsum" amd64
printf '%064d  nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz\n' 0 >"$T/rel/nvidia-container-toolkit_1.17.8_checksums.txt"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$tarball"
expect_rc 1 "release tarball with a wrong checksum"
expect_contains "$T/err" "gpuprep: error: checksum mismatch for 'nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz': '$T/rel/nvidia-container-toolkit_1.17.8_checksums.txt' lists SHA256 $(printf '%064d' 0)" "wrong checksum: message"
if [ -z "$(installed_versions "$T/sandbox-badsum")" ]; then ok "wrong checksum: nothing installed"; else not_ok "wrong checksum: nothing installed"; fi
rm -f "$T/rel/nvidia-container-toolkit_1.17.8_checksums.txt"
# A FIFO with a checksums file beside it: checking it would use it up. Refused before it is
# opened (the writer is timed out, and whatever it still holds is drained, either way).
mkdir -p "$T/relfifo"
(cd "$T/rel" && sha256sum nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz) >"$T/relfifo/nvidia-container-toolkit_1.17.8_checksums.txt"
fifo=$T/relfifo/nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz
mkfifo "$fifo"
timeout 30 sh -c 'cat "$1" >"$2"' sh "$tarball" "$fifo" &
writer=$!
run timeout 30 "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$fifo"
expect_rc 1 "a FIFO with a checksums file: refused"
expect_contains "$T/err" "gpuprep: error: cannot check '$fifo' against '$T/relfifo/nvidia-container-toolkit_1.17.8_checksums.txt' and then read it: it is not a regular file" \
	"a FIFO with a checksums file: says why"
timeout 5 cat "$fifo" >/dev/null 2>&1 || true
wait "$writer" 2>/dev/null || true
if [ -z "$(installed_versions "$T/sandbox-badsum")" ]; then ok "a FIFO with a checksums file: nothing installed"; else not_ok "a FIFO with a checksums file: nothing installed"; fi

# The wrong architecture: say what the archive has.
mk_release arm64 1.17.8 "$T/rel-arm"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/rel-arm/nvidia-container-toolkit_1.17.8_deb_arm64.tar.gz"
expect_rc 1 "an arm64 tarball on an amd64 system"
expect_contains "$T/err" "has no deb packages for amd64; it has packages for: deb arm64" "wrong architecture: says which it has"

# Not an archive, and no packages at all.
printf 'not an archive\n' >"$T/junk.tar.gz"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/junk.tar.gz"
expect_rc 1 "a file that is not an archive"
expect_contains "$T/err" "$T/junk.tar.gz" "not an archive: the file is named"
mkdir -p "$T/empty"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/empty"
expect_rc 1 "a directory without packages"
expect_contains "$T/err" "gpuprep: error: '$T/empty' has no .deb or .rpm packages" "no packages: message"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/nonexistent"
expect_rc 1 "a missing --offline path"
expect_contains "$T/err" "cannot use --offline '$T/nonexistent': No such file or directory" "missing path: message"

# --- archives that try to leave the extraction directory ---------------------------------------------
deb="$T/pkgs-amd64/libnvidia-container1_1.17.8-1_amd64.deb"
mkdir -p "$T/victim"
python3 "$INSTALL_SRC/mktar.py" "$T/dotdot.tar.gz" "file:release-v1.17.8-stable/packages/ubuntu18.04/amd64/libnvidia-container1_1.17.8-1_amd64.deb=$deb" \
	"file:release-v1.17.8-stable/../../victim/evil.deb=$deb"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/dotdot.tar.gz"
expect_rc 1 "a tarball with a ../ entry"
expect_contains "$T/err" "refusing the archive: 'release-v1.17.8-stable/../../victim/evil.deb' leaves the archive with '..'" "../ entry: refused and named"
python3 "$INSTALL_SRC/mktar.py" "$T/symlink.tar.gz" "link:release-v1.17.8-stable/packages=/etc" \
	"file:release-v1.17.8-stable/packages/ubuntu18.04/amd64/libnvidia-container1_1.17.8-1_amd64.deb=$deb"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/symlink.tar.gz"
expect_rc 1 "a tarball with a symlink out"
expect_contains "$T/err" "refusing the archive: the link 'release-v1.17.8-stable/packages' -> '/etc' points outside it" "symlink out: refused and named"
python3 "$INSTALL_SRC/mktar.py" "$T/symlink2.tar.gz" "link:a/b=../../victim" "file:a/c.deb=$deb"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/symlink2.tar.gz"
expect_rc 1 "a tarball with a relative symlink out"
expect_contains "$T/err" "the link 'a/b' -> '../../victim' points outside it" "relative symlink out: refused"
python3 "$INSTALL_SRC/mktar.py" "$T/abs.tar.gz" "file:$T/victim/abs.deb=$deb"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/abs.tar.gz"
expect_rc 1 "a tarball with an absolute path"
expect_contains "$T/err" "is an absolute path" "absolute path: refused"
python3 "$INSTALL_SRC/mktar.py" "$T/hard.tar.gz" "file:a/x.deb=$deb" "hard:a/y.deb=../../etc/passwd"
run "$GPUPREP" --root "$T/sandbox-badsum" install --offline "$T/hard.tar.gz"
expect_rc 1 "a tarball with a hard link out"
expect_contains "$T/err" "the hard link 'a/y.deb' -> '../../etc/passwd' points outside it" "hard link out: refused"
if [ -z "$(ls -A "$T/victim")" ]; then ok "refused archives wrote nothing outside"; else not_ok "refused archives wrote nothing outside" "$(ls -la "$T/victim")"; fi

# --- offline opens no socket ------------------------------------------------------------------------
root=$T/sandbox-nonet
mk_sandbox "$root" amd64
if unshare --net true 2>/dev/null; then
	run unshare --net "$GPUPREP" --root "$root" install --offline "$tarball"
	expect_rc 0 "offline install in a network namespace with no network (unshare --net)"
	installed_versions "$root" >"$T/got"
	expect_file_eq "$T/got" "$T/want" "unshare --net: all four installed"
else
	skip "offline install under unshare --net" "unshare --net is not permitted here"
fi
if command -v strace >/dev/null && strace -f -o /dev/null true 2>/dev/null; then
	root=$T/sandbox-strace
	mk_sandbox "$root" amd64
	# LeakSanitizer cannot run under ptrace; the other runs check for leaks.
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" strace -f -e trace=socket,connect,openat -o "$T/strace.log" "$GPUPREP" --root "$root" install --offline "$tarball"
	expect_rc 0 "offline install under strace"
	if grep -E 'AF_INET|AF_INET6' "$T/strace.log" >"$T/inet"; then
		not_ok "offline mode opens no inet socket (gpuprep and every child)" "$(head -5 "$T/inet")"
	else
		ok "offline mode opens no inet socket (gpuprep and every child)"
	fi
	if grep -E 'openat\(.*libcurl[^"]*\.so' "$T/strace.log" | grep -v ENOENT >"$T/curl"; then
		not_ok "offline mode does not even load libcurl" "$(head -3 "$T/curl")"
	else
		ok "offline mode does not even load libcurl"
	fi
else
	skip "offline mode opens no inet socket (strace)" "strace is missing or not permitted"
fi

if [ "$host_before" = "$(host_dpkg_state)" ]; then ok "the host's dpkg database is untouched"; else not_ok "the host's dpkg database is untouched"; fi
done_testing
