#!/bin/bash
# gpuprep install online: a flat apt repository built with apt-ftparchive, signed by a
# throwaway key, served on 127.0.0.1; real apt-get and dpkg install into sandbox roots
# (apt pointed at the root, dpkg --root). The test key is given with --keyring, the
# documented way to trust a private mirror's key.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

host_before=$(host_dpkg_state)
for v in 1.17.7 1.17.8; do mk_toolkit "$T/pkgs-amd64" "$v" amd64; done
mk_gpg_key other
other_fpr=$KEY_FPR
mk_gpg_key repo
repo_fpr=$KEY_FPR
mk_repo "$T/repo" repo amd64
start_httpd "$T/repo"
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
norm() { sed -e "s#$T#@T@#g" -e "s#$URL#@URL@#g" -e "s#[^ =]*/gpuprep-install-[A-Za-z0-9]*#@TMP@#g" -e "s#$repo_fpr#@FPR@#g" "$1"; }

# --- unpinned: the newest --------------------------------------------------------------------
root=$T/sb-online
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --dry-run
expect_rc 0 "online: --dry-run"
norm "$T/out" >"$T/plan"
expect_file_eq "$T/plan" "$INSTALL_SRC/golden/online-plan.txt" "online: the plan (source, key, versions, files, commands)"
if [ ! -e "$root/etc/apt/sources.list.d/nvidia-container-toolkit.list" ]; then ok "online: --dry-run writes nothing"; else not_ok "online: --dry-run writes nothing"; fi

run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "online: install the newest"
want_all 1.17.8-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "online: all four at the newest, 1.17.8-1"
printf '# NVIDIA container toolkit, written by gpuprep install\ndeb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] %s/stable/deb/$(ARCH) /\n' "$URL" >"$T/want-list"
expect_file_eq "$root/etc/apt/sources.list.d/nvidia-container-toolkit.list" "$T/want-list" "online: the flat repo list file, exact bytes"
expect_file_eq "$root/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg" "$T/repo.gpg" "online: the signed-by keyring is the dearmored key"
expect_contains "$T/err" "    apt-get: Setting up nvidia-container-toolkit (1.17.8-1) ..." "online: apt-get's output is relayed"
expect_not_contains "$T/err" "unsandboxed" "online: apt has no sandbox warning"

before=$(tree_state "$root")
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "online: a second run"
expect_contains "$T/out" "already installed: 1.17.8-1" "online: a second run is a no-op"
if [ "$before" = "$(tree_state "$root")" ]; then ok "online: the no-op changes nothing"; else not_ok "online: the no-op changes nothing"; fi

# --- pinned ---------------------------------------------------------------------------------
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7
expect_rc 0 "online: --version 1.17.7 (a downgrade of all four)"
want_all 1.17.7-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "online: all four pinned to 1.17.7-1"
requests=$(wc -l <"$HTTPD_LOG")
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7
expect_rc 0 "online: the same pinned version again"
expect_contains "$T/out" "already installed: 1.17.7-1" "online: pinned and installed is a no-op"
if [ "$requests" -eq "$(wc -l <"$HTTPD_LOG")" ]; then ok "online: pinned and installed fetches nothing"; else not_ok "online: pinned and installed fetches nothing" "$(tail -3 "$HTTPD_LOG")"; fi

root=$T/sb-pinned
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7
expect_rc 0 "online: a fresh pinned install"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "online: fresh pinned install at 1.17.7-1"

# --- failures leave nothing behind ----------------------------------------------------------------
fresh() { root=$T/sb-$1; mk_sandbox "$root" amd64; before=$(tree_state "$root"); }
unchanged() {
	if [ "$before" = "$(tree_state "$root")" ]; then ok "$1: nothing written, nothing installed"; else
		not_ok "$1: nothing written, nothing installed" "$(diff <(echo "$before") <(tree_state "$root") | head)"; fi
}

fresh version
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.99.0
expect_rc 1 "unknown version"
expect_contains "$T/err" "gpuprep: error: version 1.99.0-1 is not in '$URL/stable/deb/amd64'; it has 1.17.8-1, 1.17.7-1" "unknown version: lists the versions there are"
unchanged "unknown version"

fresh wrongkey
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/other.asc"
expect_rc 1 "a key that did not sign the repository"
expect_contains "$T/err" "gpuprep: error: '$URL/stable/deb/amd64': InRelease: signed by a key not in the keyring" "wrong key: message"
expect_contains "$T/err" "hint: " "wrong key: hint"
unchanged "wrong key"

fresh pinned-fpr
run "$GPUPREP" --root "$root" install --repo-url "$URL"
expect_rc 1 "the repository's key is not NVIDIA's pinned key"
expect_contains "$T/err" "gpuprep: error: wrong key fingerprint: '$URL/gpgkey' has $repo_fpr, expected C95B321B61E88C1809C4F759DDCAE044F796ECB0" "pinned fingerprint: message"
unchanged "pinned fingerprint"

# A tampered .deb: the signed index is right, the file is not. apt refuses it and gpuprep
# takes back the list file and keyring it wrote.
cp -a "$T/repo" "$T/repo-tampered"
printf 'tampered' >>"$T/repo-tampered/stable/deb/amd64/nvidia-container-toolkit_1.17.8-1_amd64.deb"
stop_httpd
start_httpd "$T/repo-tampered"
fresh tampered
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 1 "a tampered .deb"
expect_contains "$T/err" "gpuprep: error: 'apt-get -q install -y" "tampered: the failing command is named"
expect_contains "$T/err" "hint: a downloaded package does not match the repository index" "tampered: hint"
# apt-get's lines are relayed as they come, and not printed a second time in the error.
expect_contains "$T/err" "failed (exit status 100); its output is above" "tampered: the error points to the output"
grep '^    apt-get: E: ' "$T/err" | sed 's/^    apt-get: /    /' >"$T/elines"
if [ -s "$T/elines" ] && ! grep -qxFf "$T/elines" "$T/err"; then ok "tampered: apt-get's errors are printed once"; else
	not_ok "tampered: apt-get's errors are printed once" "$(cat "$T/err")"; fi
unchanged "tampered .deb"
# -q: nothing is relayed, so the error carries the last lines.
fresh tampered-q
run "$GPUPREP" -q --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 1 "a tampered .deb, -q"
expect_contains "$T/err" "its last lines:" "tampered -q: the error carries the last lines"
expect_not_contains "$T/err" "apt-get: " "tampered -q: nothing relayed"
unchanged "tampered .deb, -q"

# A tampered Packages index: caught by gpuprep against InRelease's SHA512 before apt runs.
printf '\n' >>"$T/repo-tampered/stable/deb/amd64/Packages"
fresh badindex
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 1 "a tampered Packages index"
expect_contains "$T/err" "checksum mismatch for 'Packages'" "tampered Packages: message"
unchanged "tampered Packages"
stop_httpd
start_httpd "$T/repo"

fresh notfound
run "$GPUPREP" --root "$root" install --repo-url "$URL/nowhere" --keyring "$T/repo.asc"
expect_rc 1 "HTTP 404"
expect_contains "$T/err" "gpuprep: error: downloading '$URL/nowhere/stable/deb/amd64/InRelease': HTTP 404" "HTTP 404: message"
unchanged "HTTP 404"

# A closed port: connection refused, retried with backoff, then a clear error.
python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' >"$T/closed"
fresh noconn
run "$GPUPREP" --root "$root" install --repo-url "http://127.0.0.1:$(cat "$T/closed")"
expect_rc 1 "no connection"
expect_contains "$T/err" "gpuprep: error: fetching the repository key: downloading 'http://127.0.0.1:$(cat "$T/closed")/gpgkey': no connection" "no connection: message"
expect_contains "$T/err" "use --offline" "no connection: the hint points at --offline"
unchanged "no connection"
# The tries are counted, not libcurl's "after 0 ms"; -v says each retry as it waits (issue 13).
expect_contains "$T/err" "(tried 5 times)" "no connection: the error counts the tries"
expect_not_contains "$T/err" " ms:" "no connection: not libcurl's 'after N ms'"
expect_not_contains "$T/err" "retrying" "no connection: no retry lines without -v (not a tty)"
fresh noconn-v
run "$GPUPREP" -v --root "$root" install --repo-url "http://127.0.0.1:$(cat "$T/closed")"
expect_rc 1 "no connection, -v"
expect_contains "$T/err" "retrying (2/5) in 0.5 s: downloading 'http://127.0.0.1:$(cat "$T/closed")/gpgkey': no connection" "no connection -v: the first retry is said"
expect_contains "$T/err" "retrying (5/5) in 4.0 s" "no connection -v: the last retry is said"
unchanged "no connection, -v"

if unshare --net true 2>/dev/null; then
	fresh dns
	run unshare --net "$GPUPREP" --root "$root" install --repo-url "http://nvidia-mirror.invalid/libnvidia-container"
	expect_rc 1 "a DNS failure"
	expect_contains "$T/err" "cannot resolve the host name" "DNS failure: message"
	unchanged "DNS failure"
else
	skip "a DNS failure (unshare --net)" "unshare --net is not permitted here"
fi

# --- an existing entry for NVIDIA's repository with another signed-by is reused -----------------
root=$T/sb-reuse
mk_sandbox "$root" amd64
cp "$T/repo.gpg" "$root/usr/share/keyrings/nvidia-old.gpg"
printf 'deb [signed-by=/usr/share/keyrings/nvidia-old.gpg] %s/stable/deb/$(ARCH) /\n' "$URL" >"$root/etc/apt/sources.list.d/nvidia-docker.list"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "an existing entry with a different signed-by"
expect_contains "$T/err" "gpuprep: running apt-get -q update" "reuse: apt-get update runs"
if [ ! -e "$root/etc/apt/sources.list.d/nvidia-container-toolkit.list" ] && [ ! -e "$root/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg" ]; then
	ok "reuse: no second entry and no second keyring"
else
	not_ok "reuse: no second entry and no second keyring" "$(ls "$root/etc/apt/sources.list.d")"
fi
want_all 1.17.8-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "reuse: installed through the existing entry"
run "$GPUPREP" --root "$T/sb-reuse" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7 --dry-run
expect_contains "$T/out" "reusing:  /etc/apt/sources.list.d/nvidia-docker.list" "reuse: the plan names the entry it reuses"
# What apt says when both entries exist: the conflict gpuprep avoids.
printf 'deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] %s/stable/deb/$(ARCH) /\n' "$URL" >"$root/etc/apt/sources.list.d/nvidia-container-toolkit.list"
APT_CONFIG=/dev/null apt-get -o Dir="$root/" -o Dir::Etc::parts=/dev/null -o Dir::State::status="$root/var/lib/dpkg/status" -o Dir::State::lists="$T/lists/" update >"$T/conflict" 2>&1
expect_contains "$T/conflict" "Conflicting values set for option Signed-By" "reuse: a second entry is what makes apt fail"

if [ "$host_before" = "$(host_dpkg_state)" ]; then ok "the host's dpkg database is untouched"; else not_ok "the host's dpkg database is untouched"; fi
done_testing
