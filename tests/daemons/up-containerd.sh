#!/bin/bash
# `gpuprep up` with a real containerd 1.6 and real apt/dpkg from a loopback repository:
#
#   - a fresh node (GPU, driver, no toolkit, containerd on runc) to ready in one run;
#   - a second run changes nothing: every file's mtime and bytes, containerd's PID;
#   - a failure injected at each step stops there, says what was changed, and after
#     configure rolls back (the config restored, containerd restarted on it);
#   - --offline - from a bundle through a pipe, under `unshare --net`.
#
# containerd runs on the node's own /etc/containerd/config.toml (private paths first, from
# containerd-lib.sh); its socket is linked at $root/run/containerd/containerd.sock, and
# restart's `service` mode runs $root/etc/init.d/containerd (containerd_init_script). The
# whole test runs in a private mount namespace with a tmpfs on /run (private-run.sh).
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
. "$TESTS_SRC/daemons/up-lib.sh"
containerd_require

host_before=$(host_dpkg_state)
up_repo

# node NAME: a fresh node with containerd running on runc; sets root, config, G.
fresh_node() {
	root=$(up_node)
	up_containerd "$root" "$1"
	G=("$GPUPREP" --root "$root")
}
pid_of() { cat "$root/etc/containerd/containerd.pid"; }
# containerd's own files beside its config: not the node's state.
DAEMON_DIRS=(etc/containerd/root etc/containerd/state etc/containerd/tmp etc/containerd/opt
	etc/containerd/containerd.log etc/containerd/containerd.pid etc/containerd/.at_exit)
UP=(up --runtime containerd --repo-url "$URL" --keyring "$T/repo.asc" --restart-mode service)

# --- fresh to ready ------------------------------------------------------------------------
fresh_node fresh
cp "$config" "$T/config.before"
pid0=$(pid_of)
run "${G[@]}" "${UP[@]}"
expect_rc 0 "fresh node: up"
printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "fresh: the toolkit 1.17.8-1 is installed"
expect_contains "$config" 'default_runtime_name = "nvidia"' "fresh: nvidia is containerd's default runtime"
expect_contains "$config" 'BinaryName = "/usr/bin/nvidia-container-runtime"' "fresh: the runtime's binary"
pid1=$(pid_of)
if [ "$pid1" != "$pid0" ]; then ok "fresh: containerd was restarted"; else not_ok "fresh: containerd was restarted" "pid still $pid0"; fi
for l in "preflight       already done" "install         done" "configure       done" \
	"restart         done" "verify          done" "preflight-full  done"; do
	expect_contains "$T/out" "$l" "fresh: the step line '$l'"
done
expect_contains "$T/out" "containerd restarted through service (pid $pid0, now $pid1)" "fresh: restart says how and the PIDs"
expect_contains "$T/out" "ready: containerd runs the nvidia runtime" "fresh: ready"
expect_contains "$T/out" "  --remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs" \
	"fresh: the keadm join flags come last"
if [ "$(tail -1 "$T/out")" = "  --remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs" ]; then
	ok "fresh: the flags are the last line"
else not_ok "fresh: the flags are the last line" "$(tail -3 "$T/out")"; fi
if grep -qE '^(preflight|install|configure|restart|verify|preflight-full) +[a-z ]+ +[0-9.]+ m?s  ' "$T/out"; then
	ok "fresh: each step line has a duration"
else not_ok "fresh: each step line has a duration" "$(cat "$T/out")"; fi
expect_not_contains "$T/err" "apt-get:" "fresh: apt's output is not relayed without -v (not a tty)"

# --- a second run changes nothing ------------------------------------------------------------
before=$(up_state "$root" "${DAEMON_DIRS[@]}")
run "${G[@]}" --json "${UP[@]}"
expect_rc 0 "ready node: up again"
cp "$T/out" "$T/second.json"
printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
up_steps "$T/second.json" >"$T/got"
expect_file_eq "$T/got" "$T/want" "ready node: every step is already done"
if [ "$before" = "$(up_state "$root" "${DAEMON_DIRS[@]}")" ]; then ok "ready node: no file written (mtimes and bytes)"; else
	not_ok "ready node: no file written (mtimes and bytes)" "$(diff <(echo "$before") <(up_state "$root" "${DAEMON_DIRS[@]}") | head -20)"
fi
expect_same "ready node: containerd not restarted (same PID)" "$(pid_of)" "$pid1"
expect_same "ready node: --json keadm flags" "$(jget "$T/second.json" keadm/flags)" \
	'"--remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs"'
expect_same "ready node: --json changed nothing" "$(jget "$T/second.json" changed/files)/$(jget "$T/second.json" changed/installed)" '[]/null'
if python3 "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/up.json" "$T/second.json" >"$T/schema.log"; then
	ok "ready node: --json matches the schema"
else not_ok "ready node: --json matches the schema" "$(cat "$T/schema.log")"; fi

# --- failures, one per step ----------------------------------------------------------------
# preflight: the kernel forwards no packets; nothing is touched.
echo 0 >"$root/proc/sys/net/ipv4/ip_forward"
before=$(up_state "$root" "${DAEMON_DIRS[@]}")
run "${G[@]}" "${UP[@]}"
expect_rc 1 "preflight failure"
expect_contains "$T/out" "preflight       failed" "preflight failure: the step line"
expect_contains "$T/out" "install         not run" "preflight failure: the later steps did not run"
expect_contains "$T/err" "gpuprep: error: up stopped at preflight: ip-forward: " "preflight failure: the error names the step and check"
expect_contains "$T/err" "nothing was changed" "preflight failure: says nothing was changed"
if [ "$before" = "$(up_state "$root" "${DAEMON_DIRS[@]}")" ]; then ok "preflight failure: no file written"; else not_ok "preflight failure: no file written"; fi
echo 1 >"$root/proc/sys/net/ipv4/ip_forward"

# install: a version the repository does not have.
run "${G[@]}" "${UP[@]}" --version 9.9.9
expect_rc 1 "install failure"
expect_contains "$T/out" "install         failed" "install failure: the step line"
expect_contains "$T/out" "configure       not run" "install failure: configure did not run"
expect_contains "$T/err" "gpuprep: error: up stopped at install: install: " "install failure: the error"
expect_same "install failure: containerd untouched" "$(pid_of)" "$pid1"

# configure: a config.toml that does not parse; the toolkit stays, the file is untouched.
fresh_node configure-fail
printf 'version = 2\n[plugins\n' >>"$config"
cp "$config" "$T/bad.toml"
pid0=$(pid_of)
run "${G[@]}" "${UP[@]}"
expect_rc 1 "configure failure"
expect_contains "$T/out" "install         done" "configure failure: install ran"
expect_contains "$T/out" "configure       failed" "configure failure: the step line"
expect_contains "$T/out" "restart         not run" "configure failure: restart did not run"
expect_contains "$T/err" "gpuprep: error: up stopped at configure: configuring containerd: " "configure failure: the error"
expect_contains "$T/err" "installed the NVIDIA container toolkit 1.17.8-1 (it stays installed)" "configure failure: says what was installed"
expect_file_eq "$config" "$T/bad.toml" "configure failure: the config is untouched"
expect_same "configure failure: containerd untouched" "$(pid_of)" "$pid0"
containerd_stop "$config"

# restart: the init script fails once; the rollback restores the file and restarts again.
fresh_node restart-fail
cp "$config" "$T/config.before"
mv "$root/etc/init.d/containerd" "$root/etc/init.d/containerd.real"
cat >"$root/etc/init.d/containerd" <<SH
#!/bin/sh
if [ ! -e '$T/failed-once' ]; then : >'$T/failed-once'; echo "injected failure" >&2; exit 1; fi
exec '$root/etc/init.d/containerd.real' "\$@"
SH
chmod +x "$root/etc/init.d/containerd"
run "${G[@]}" "${UP[@]}"
expect_rc 1 "restart failure"
expect_contains "$T/out" "configure       done" "restart failure: configure ran"
expect_contains "$T/out" "restart         failed" "restart failure: the step line"
expect_contains "$T/out" "verify          not run" "restart failure: verify did not run"
expect_contains "$T/err" "gpuprep: error: up stopped at restart: " "restart failure: the error"
expect_contains "$T/err" "rolled back" "restart failure: rolled back"
expect_contains "$T/err" "the config change was rolled back" "restart failure: the hint says so"
expect_file_eq "$config" "$T/config.before" "restart failure: the config is restored"
run "${G[@]}" --json verify --runtime containerd
expect_same "restart failure: containerd runs the restored config (runc)" \
	"$(check_field "$T/out" default_runtime seen)" '"runc"'
containerd_stop "$config"

# verify: the runtime binary is not executable; the rollback puts runc back.
fresh_node verify-fail
cp "$config" "$T/config.before"
run "${G[@]}" "${UP[@]}" --restart-mode none
expect_rc 0 "verify-fail setup: up --restart-mode none installs and configures"
expect_contains "$T/out" "restart         skipped" "--restart-mode none: restart skipped"
expect_contains "$T/out" "configured, but containerd was not restarted" "--restart-mode none: says so"
cp "$T/config.before" "$config"
chmod -x "$root/usr/bin/nvidia-container-runtime"
pid0=$(pid_of)
run "${G[@]}" "${UP[@]}"
expect_rc 1 "verify failure"
expect_contains "$T/out" "restart         done" "verify failure: restart ran"
expect_contains "$T/out" "verify          failed" "verify failure: the step line"
expect_contains "$T/out" "preflight-full  not run" "verify failure: the final preflight did not run"
expect_contains "$T/err" "gpuprep: error: up stopped at verify: " "verify failure: the error"
expect_file_eq "$config" "$T/config.before" "verify failure: the config is restored"
run "${G[@]}" --json verify --runtime containerd
expect_same "verify failure: containerd runs runc again" "$(check_field "$T/out" default_runtime seen)" '"runc"'
if [ "$(pid_of)" != "$pid0" ]; then ok "verify failure: containerd was restarted on the old config"; else not_ok "verify failure: containerd was restarted on the old config"; fi
chmod +x "$root/usr/bin/nvidia-container-runtime"

# preflight-full: IP forwarding goes off while containerd restarts (its init script resets
# the sysctl); no rollback, undo advised.
cp "$config" "$T/config.before"
mv "$root/etc/init.d/containerd" "$root/etc/init.d/containerd.real"
cat >"$root/etc/init.d/containerd" <<SH
#!/bin/sh
'$root/etc/init.d/containerd.real' "\$@" || exit
echo 0 >'$root/proc/sys/net/ipv4/ip_forward'
SH
chmod +x "$root/etc/init.d/containerd"
run "${G[@]}" "${UP[@]}" --cgroup-driver systemd
expect_rc 1 "final preflight failure"
expect_contains "$T/out" "verify          done" "final preflight failure: verify passed"
expect_contains "$T/out" "preflight-full  failed" "final preflight failure: the step line"
expect_contains "$T/out" "[ERROR ip-forward]" "final preflight failure: the failed check is shown"
expect_contains "$T/err" "gpuprep: error: up stopped at preflight-full: ip-forward: " "final preflight failure: the error"
expect_contains "$T/err" "'gpuprep undo --runtime containerd' restores it" "final preflight failure: how to undo"
expect_contains "$config" "SystemdCgroup = true" "final preflight failure: the config stays (no rollback)"
run "${G[@]}" undo --runtime containerd
expect_rc 0 "final preflight failure: gpuprep undo"
expect_file_eq "$config" "$T/config.before" "final preflight failure: undo restores the config"
containerd_stop "$config"
echo 1 >"$root/proc/sys/net/ipv4/ip_forward"

# --- the /dev/char links, made by the configure step after the install step -----------------
# The systemd cgroup driver: the nvidia-ctk the install step put on the node (the fixture
# program, reading the node's /proc/devices and PCI devices) makes the links, with NVIDIA's udev
# rule; the last preflight's dev-char-links check passes; undo removes them.
fresh_node dev-char
cp "$FIXTURES/cdi/proc-devices" "$root/proc/devices"
export FAKE_CTK_ROOT=$root
[ ! -e "$root/usr/bin/nvidia-ctk" ] && [ ! -e "$root/dev/char" ] && ok "dev-char: no nvidia-ctk and no links before up" ||
	not_ok "dev-char: no nvidia-ctk and no links before up"
run "${G[@]}" "${UP[@]}" --cgroup-driver systemd --exec-root-tools
expect_rc 0 "dev-char: up --cgroup-driver systemd --exec-root-tools"
got=$(for l in "$root"/dev/char/*; do printf '%s -> %s\n' "${l##*/}" "$(readlink "$l")"; done)
want=$(printf '%s\n' '195:0 -> /dev/nvidia0' '195:254 -> /dev/nvidia-modeset' '195:255 -> /dev/nvidiactl' \
	'510:0 -> /dev/nvidia-uvm' '510:1 -> /dev/nvidia-uvm-tools')
expect_same "dev-char: the links, made after the install step" "$got" "$want"
expect_contains "$root/lib/udev/rules.d/71-nvidia-dev-char.rules" \
	'RUN+="/usr/bin/nvidia-ctk system create-dev-char-symlinks --create-all"' "dev-char: NVIDIA's udev rule"
expect_contains "$T/out" "preflight-full  done" "dev-char: the last preflight passes"
expect_not_contains "$T/out" "dev-char-links" "dev-char: without a dev-char-links warning"
run "${G[@]}" undo --runtime containerd
expect_rc 0 "dev-char: undo"
if [ -z "$(ls -A "$root/dev/char")" ] && [ ! -e "$root/lib/udev/rules.d/71-nvidia-dev-char.rules" ]; then
	ok "dev-char: undo removes the links and the rule"
else not_ok "dev-char: undo removes the links and the rule" "$(ls -la "$root/dev/char")"; fi
# A plain file where nvidia0's link goes: the configure step leaves it and says so, makes the
# other links, and the last preflight warns about it.
printf 'not a link\n' >"$root/dev/char/195:0"
run "${G[@]}" "${UP[@]}" --cgroup-driver systemd --exec-root-tools
expect_rc 0 "dev-char, a plain file at 195:0: up"
expect_contains "$T/out" "    warning: '$root/dev/char/195:0' is not a link, where nvidia-ctk's link leads to /dev/nvidia0: left as it is; remove it and run again to have the link made" \
	"dev-char, a plain file at 195:0: the configure step says so"
[ -f "$root/dev/char/195:0" ] && [ ! -L "$root/dev/char/195:0" ] && [ -L "$root/dev/char/195:255" ] &&
	ok "dev-char, a plain file at 195:0: left as it is, the other links made" ||
	not_ok "dev-char, a plain file at 195:0: left as it is, the other links made" "$(ls -la "$root/dev/char")"
expect_contains "$T/out" "nvidia0 (195:0 is not a link)" "dev-char, a plain file at 195:0: the last preflight warns"
run "${G[@]}" undo --runtime containerd
expect_rc 0 "dev-char, a plain file at 195:0: undo"
unset FAKE_CTK_ROOT
containerd_stop "$config"

# --- offline from a bundle, with no network at all --------------------------------------------
# The bundle carries a static gpuprep (--with-gpuprep) when one is here. When $GPUPREP is the
# static build itself, the run is README's air-gapped sequence: the gpuprep that up runs is the
# one `tar -xzf BUNDLE gpuprep` takes out of the bundle.
if unshare --net true 2>/dev/null; then
	WG=()
	SG=$(static_gpuprep) && WG=(--with-gpuprep "$SG")
	run "$GPUPREP" bundle --repo-url "$URL" --keyring "$T/repo.asc" --arch amd64 "${WG[@]}" -o "$T/toolkit.bundle.tar.gz"
	expect_rc 0 "bundle for the offline run${SG:+ (with gpuprep: $SG)}"
	stop_httpd
	fresh_node offline
	UG=("${G[@]}")
	if [ "${SG:-}" = "$GPUPREP" ]; then
		mkdir -p "$T/airgap"
		(cd "$T/airgap" && tar -xzf "$T/toolkit.bundle.tar.gz" gpuprep)
		UG=("$T/airgap/gpuprep" "${G[@]:1}")
	fi
	# The bundle on standard input, through a pipe ('--offline -'), as from `ssh HOST cat
	# BUNDLE | gpuprep up --offline -` (other up tests pass the file).
	run unshare --net "${UG[@]}" up --runtime containerd --offline - \
		--keyring "$T/repo.asc" --restart-mode service < <(cat "$T/toolkit.bundle.tar.gz")
	expect_rc 0 "offline: up --offline - (the bundle through a pipe) under unshare --net"
	installed_versions "$root" >"$T/got"
	printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
	expect_file_eq "$T/got" "$T/want" "offline: the toolkit is installed from the bundle"
	expect_contains "$T/out" "installed the NVIDIA container toolkit 1.17.8-1 from bundle" "offline: install says where from"
	expect_contains "$T/out" "ready: containerd runs the nvidia runtime" "offline: ready"
	containerd_stop "$config"
else
	skip "up --offline under unshare --net" "unshare --net is not permitted here"
fi

if [ "$host_before" = "$(host_dpkg_state)" ]; then ok "the host's dpkg database is untouched"; else not_ok "the host's dpkg database is untouched"; fi
done_testing
