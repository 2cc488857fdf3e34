#!/bin/bash
# A signal while dpkg installs: gpuprep lets dpkg finish (stopped half way it would leave
# packages half-installed), says so at once, keeps the extracted packages dpkg still needs,
# then stops with an error that says what happened (exit status 128 + N, and it ends by the
# signal) and removes its temp dir. Running the command again finishes the job. And bundle
# stopped with its archive half made.
# apt-get install is let finish once it runs dpkg, not while it downloads (held by the test's
# HTTP server on 127.0.0.1).
# dpkg is held in the middle by a real maintainer script: one package's preinst waits on a FIFO
# in the sandbox root (dpkg --root runs it chrooted there, so the root gets a /bin/sh that runs:
# this machine's dash with its C library). The kill path (no package tool running) is
# tests/integration/signals.sh.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

for tool in dpkg dpkg-deb dash gpg apt-ftparchive; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool is not installed (.ci/packages has it)"
		exit 0
	fi
done
[ "$(dpkg --print-architecture)" = amd64 ] || {
	echo "1..0 # SKIP the sandbox's /bin/sh is this machine's dash: needs an amd64 machine"
	exit 0
}
host_before=$(host_dpkg_state)
mk_toolkit "$T/pkgs" 1.17.8 amd64
# nvidia-container-toolkit-base again, with a preinst that says it started and waits.
d="$T/build/nvidia-container-toolkit-base-1.17.8-1-amd64"
cat >"$d/DEBIAN/preinst" <<'EOF'
#!/bin/sh
: >/preinst-started
read go </preinst-go
exit 0
EOF
chmod 755 "$d/DEBIAN/preinst"
dpkg-deb --root-owner-group -Zgzip -b "$d" "$T/pkgs/nvidia-container-toolkit-base_1.17.8-1_amd64.deb" >/dev/null
rm "$d/DEBIAN/preinst"
mkdir -p "$T/stage/release-v1.17.8-stable/packages/ubuntu18.04/amd64" "$T/tmp"
cp "$T/pkgs"/*_1.17.8-1_amd64.deb "$T/stage/release-v1.17.8-stable/packages/ubuntu18.04/amd64/"
tarball="$T/nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz"
tar -C "$T/stage" -czf "$tarball" release-v1.17.8-stable

# sandbox ROOT: a Debian image whose /bin/sh runs, and the FIFO the preinst waits on.
sandbox() {
	mk_sandbox "$1" amd64
	local lib
	cp /bin/dash "$1/bin/sh"
	for lib in $(ldd /bin/dash | grep -o '/[^ ]*'); do
		mkdir -p "$1$(dirname "$lib")"
		cp -L "$lib" "$1$lib"
	done
	mkfifo "$1/preinst-go"
}

# release ROOT: let the preinst go on (given up after 30 s: no reader, when dpkg is gone).
release() { timeout 30 sh -c 'echo go >"$1"' release "$1/preinst-go"; }

# signal_held GP ROOT SIG TOOL NAME: once ROOT's preinst waits, signal gpuprep (pid GP); it
# must say at once that it lets TOOL finish. 1 when the preinst never ran.
signal_held() {
	local gp=$1 root=$2 sig=$3 tool=$4 name=$5
	if ! wait_for test -e "$root/preinst-started"; then
		not_ok "$name: dpkg reached the preinst" "$(cat "$T/err")"
		kill -KILL "$gp"
		return 1
	fi
	kill -"$sig" "$gp"
	if wait_for grep -q "letting '$tool' finish first, so that no package is left half-installed" "$T/err"; then
		ok "$name: gpuprep says at once that it lets $tool finish"
	else
		not_ok "$name: gpuprep says at once that it lets $tool finish" "$(cat "$T/err")"
	fi
}
# finish_held GP ROOT SIG NAME: let the preinst go on; gpuprep then ends by SIG, all four
# installed.
finish_held() {
	local gp=$1 root=$2 sig=$3 name=$4 want
	release "$root"
	wait "$gp"
	rc=$?
	want=$((128 + $(kill -l "$sig")))
	[ "$rc" -eq "$want" ] && ok "$name: then gpuprep ends by the signal (status $want)" ||
		not_ok "$name: then gpuprep ends by the signal (status $want)" "status $rc" "$(cat "$T/err")"
	printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
	installed_versions "$root" >"$T/got"
	expect_file_eq "$T/got" "$T/want" "$name: the package tool finished: all four installed"
}

# held SIG NAME [--json]: install into a fresh sandbox, signal gpuprep while the preinst waits.
held() {
	local sig=$1 name=$2 json=${3:-} root="$T/sandbox-$1" want n
	sandbox "$root"
	env --default-signal=INT TMPDIR="$T/tmp" "$GPUPREP" --root "$root" $json install \
		--offline "$tarball" >"$T/out" 2>"$T/err" &
	local gp=$!
	signal_held "$gp" "$root" "$sig" dpkg "$name" || return
	sleep 0.2
	kill -0 "$gp" 2>/dev/null && ok "$name: gpuprep waits for dpkg" || not_ok "$name: gpuprep waits for dpkg"
	n=$(find "$T/tmp" -name '*.deb' | wc -l)
	[ "$n" -gt 0 ] && ok "$name: the extracted packages dpkg has yet to read are kept" ||
		not_ok "$name: the extracted packages dpkg has yet to read are kept" "$(find "$T/tmp")"
	finish_held "$gp" "$root" "$sig" "$name"
	want=$((128 + $(kill -l "$sig")))
	expect_contains "$T/err" "gpuprep: error: stopped by $name: 'dpkg' was let finish first (exit status 0), so that no package was left half-installed; nothing after it was done" \
		"$name: the error says what happened"
	expect_contains "$T/err" "hint: run the same gpuprep command again to finish: it goes on from what is installed now" \
		"$name: and what to do"
	[ -z "$(ls -A "$T/tmp")" ] && ok "$name: the temp dir is gone" ||
		not_ok "$name: the temp dir is gone" "$(ls -la "$T/tmp")"
	if [ -n "$json" ]; then
		python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["exit_code"], e["message"][:18])' \
			"$T/out" >"$T/json-error" 2>&1
		echo "$want stopped by SIGTERM" >"$T/json-want"
		expect_file_eq "$T/json-error" "$T/json-want" "$name --json: the error document has the exit code"
		json_seen "$T/out" "$GPUPREP" --root "$root" $json install --offline "$tarball"
	fi
	run "$GPUPREP" --root "$root" install --offline "$tarball"
	expect_rc 0 "$name: the same command again"
	expect_contains "$T/out" "already installed: 1.17.8-1" "$name: finds the toolkit installed"
}

held TERM SIGTERM --json
held INT SIGINT

# Online, apt-get install: signalled while it downloads (apt-get can stop there), it is stopped
# at once with the rest; signalled once it runs dpkg (its status pipe says "pmstatus:"), it is
# let finish. A repository of the plain packages, and one with the held preinst.
mk_toolkit "$T/pkgs-amd64" 1.17.8 amd64
mk_gpg_key repo
mk_repo "$T/repo" repo amd64
mkdir -p "$T/repo-held/stable/deb/amd64"
cp "$T/pkgs"/*_1.17.8-1_amd64.deb "$T/repo-held/stable/deb/amd64/"
sign_repo "$T/repo-held/stable/deb/amd64" repo
# apt_of ROOT: the pids of apt-get processes working on ROOT (their APT_CONFIG is under it).
apt_of() {
	local p
	for p in $(pgrep -x apt-get); do
		grep -qzF "$1/" "/proc/$p/environ" 2>/dev/null && echo "$p"
	done
}
deb=/stable/deb/amd64/nvidia-container-toolkit-base_1.17.8-1_amd64.deb
start_httpd "$T/repo" --hold-once "$deb=$T/hold"
root=$T/sandbox-apt-dl
sandbox "$root"
env --default-signal=INT TMPDIR="$T/tmp" "$GPUPREP" --root "$root" install --repo-url "$URL" \
	--keyring "$T/repo.asc" >"$T/out" 2>"$T/err" &
gp=$!
if wait_for test -e "$T/hold.waiting"; then
	kill -INT "$gp"
	# Released in any case, so that a gpuprep that waits does not wait forever.
	wait_for proc_gone "$gp" || not_ok "apt-get downloading: gpuprep ended" "$(cat "$T/err")"
	wait_for test -z "$(apt_of "$root")" && ok "apt-get downloading: apt-get is stopped too" ||
		not_ok "apt-get downloading: apt-get is stopped too" "$(ps -o pid,args -p "$(apt_of "$root")")"
	touch "$T/hold"
	wait "$gp"
	rc=$?
	[ "$rc" -eq 130 ] && ok "apt-get downloading: SIGINT ends gpuprep at once (status 130)" ||
		not_ok "apt-get downloading: SIGINT ends gpuprep at once (status 130)" "status $rc" "$(cat "$T/err")"
	expect_not_contains "$T/err" "letting" "apt-get downloading: not waited for"
	[ -z "$(installed_versions "$root")" ] && ok "apt-get downloading: nothing installed" ||
		not_ok "apt-get downloading: nothing installed" "$(installed_versions "$root")"
	[ -z "$(ls -A "$T/tmp")" ] && ok "apt-get downloading: the temp dir is gone" ||
		not_ok "apt-get downloading: the temp dir is gone" "$(ls -la "$T/tmp")"
	run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
	expect_rc 0 "apt-get downloading: the same command again installs the toolkit"
else
	not_ok "apt-get downloading: the download started" "$(cat "$T/err")"
	kill -KILL "$gp"
	touch "$T/hold"
fi
stop_httpd

start_httpd "$T/repo-held"
root=$T/sandbox-apt-dpkg
sandbox "$root"
env --default-signal=INT TMPDIR="$T/tmp" "$GPUPREP" --root "$root" install --repo-url "$URL" \
	--keyring "$T/repo.asc" >"$T/out" 2>"$T/err" &
gp=$!
if signal_held "$gp" "$root" INT apt-get "apt-get running dpkg"; then
	finish_held "$gp" "$root" INT "apt-get running dpkg"
	expect_contains "$T/err" "gpuprep: error: stopped by SIGINT: 'apt-get' was let finish first (exit status 0)" \
		"apt-get running dpkg: the error names apt-get"
fi
stop_httpd
start_httpd "$T/repo"

# up, signalled in its install step: it stops there with the signal's status, its --json report
# says so, and up again finishes the job (tests/daemons/up-lib.sh's up_node: the sample node
# without the toolkit, over a dpkg sandbox).
R=$(mktemp -d "$T/node-XXXXXX")
cp -a "$FIXTURES/nodes/up-sample/." "$R/"
rm -rf "${R:?}/var/lib/dpkg" "$R/usr/bin/nvidia-"* "$R/etc/init.d/containerd" "$R/run/containerd/containerd.sock"
sandbox "$R"
env TMPDIR="$T/tmp" "$GPUPREP" --root "$R" --json up --runtime containerd --offline "$tarball" \
	--restart-mode none >"$T/out" 2>"$T/err" &
gp=$!
if signal_held "$gp" "$R" TERM dpkg "up"; then
	finish_held "$gp" "$R" TERM "up"
	json_seen "$T/out" "$GPUPREP" --root "$R" --json up
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(d["failed_step"], d["error"]["exit_code"], d["error"]["message"])' "$T/out" >"$T/got" 2>&1
	echo "install 143 up stopped at install: install: stopped by SIGTERM: 'dpkg' was let finish first (exit status 0), so that no package was left half-installed; nothing after it was done" >"$T/want"
	expect_file_eq "$T/got" "$T/want" "up --json: the failed step, the signal's exit code, the message"
	expect_contains "$T/err" "installed the NVIDIA container toolkit 1.17.8-1 (it stays installed)" \
		"up: the hint says what stays installed"
	[ -z "$(ls -A "$T/tmp")" ] && ok "up: the temp dir is gone" || not_ok "up: the temp dir is gone" "$(ls -la "$T/tmp")"
	run "$GPUPREP" --root "$R" up --runtime containerd --offline "$tarball" --restart-mode none
	expect_rc 0 "up again finishes the job"
fi

# bundle, stopped by SIGTERM once its archive is written to its temp file and not yet renamed
# (the test hook raises it there): neither the bundle nor its temp file is left, nor the temp
# dir; the downloads stay in OUT.download, as after any failure, for the next run to reuse.
mkdir -p "$T/b"
run env TMPDIR="$T/tmp" GPUPREP_TEST_KILL_AT=archive-write GPUPREP_TEST_KILL_SIGNAL=TERM \
	"$GPUPREP" bundle --format deb --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/b/out.tar.gz"
expect_rc 143 "bundle: SIGTERM with the archive in its temp file"
(cd "$T/b" && ls -A) >"$T/left"
echo out.tar.gz.download >"$T/left-want"
expect_file_eq "$T/left" "$T/left-want" "bundle: no bundle and no temp file beside it; the downloads stay"
[ -z "$(ls -A "$T/tmp")" ] && ok "bundle: the temp dir is gone" || not_ok "bundle: the temp dir is gone" "$(ls -la "$T/tmp")"
run env TMPDIR="$T/tmp" "$GPUPREP" bundle --format deb --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/b/out.tar.gz"
expect_rc 0 "bundle: the next run"
(cd "$T/b" && ls -A) >"$T/left"
echo out.tar.gz >"$T/left-want"
expect_file_eq "$T/left" "$T/left-want" "bundle: the next run leaves the bundle alone"

[ "$host_before" = "$(host_dpkg_state)" ] && ok "the host's dpkg database is untouched" ||
	not_ok "the host's dpkg database is untouched"

done_testing
