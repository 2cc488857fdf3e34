#!/bin/bash
# `gpuprep configure`, `restart` and `verify` against a real dockerd 20.10 (Debian's), in a
# private mount namespace (tests/daemons/dockerd-lib.sh), for a node root whose daemon.json
# is the one dockerd runs on: its socket is found through $root/run/docker.sock, and
# restart's `service` mode runs $root/etc/init.d/docker, a test init script that stops and
# starts the test's dockerd by PID (dockerd_init_script).
#
#   - configure, then restart: a SIGHUP reload, the PID unchanged, verify passes;
#   - a stale daemon (the file changed, no reload): verify says "restart needed";
#   - --smoke runs a container through a logging wrapper registered as nvidia;
#   - a daemon.json dockerd refuses (an unknown key injected after configure): the reload,
#     and a full restart, fail; the rollback restores the file and dockerd runs on it again.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/daemons/dockerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"

if ! dockerd_usable; then
	skip "restart and verify against dockerd" "$DOCKERD_WHY"
	done_testing
	exit
fi

# info_field KEY: a top-level field of `docker info` (its own client, not ours).
info_field() { dockerd_docker info --format "{{json .$1}}" 2>/dev/null; }
live_pid() { cat "$T/dockerd.init-pid" 2>/dev/null; }

# The node: the sample fixture's GPU (for the smoke test) and a daemon.json of its own.
root=$(fixture_root sample)
mkdir -p "$root/etc/docker" "$root/etc/init.d" "$root/run"
CFG=$root/etc/docker/daemon.json
printf '{\n  "max-concurrent-downloads": 4\n}\n' >"$CFG"
cp "$CFG" "$T/daemon.json.before"

# The nvidia runtime: a wrapper that logs, then runs runc.
nvidia_wrap "$root"
wrap=$WRAP

if dockerd_start "$CFG"; then ok "dockerd starts on the node's daemon.json"; else
	not_ok "dockerd starts on the node's daemon.json" "$(dockerd_log | tail -20)"
	done_testing
	exit
fi
ln -s "$DOCKERD_SOCK" "$root/run/docker.sock"
dockerd_init_script "$root/etc/init.d/docker" "$CFG"
at_exit "'$root/etc/init.d/docker' stop"
G=("$GPUPREP" --root "$root")
V=(verify --runtime docker --runtime-path "$wrap")

run "${G[@]}" "${V[@]}"
expect_rc 1 "verify before configure fails"
expect_contains "$T/out" "default_runtime: '$CFG' does not say nvidia: run 'gpuprep configure --runtime docker'" \
	"verify says configure is missing"

run "${G[@]}" configure --runtime docker --runtime-path "$wrap"
expect_rc 0 "configure"

# A stale daemon: the file says nvidia, dockerd has not loaded it.
run "${G[@]}" --json "${V[@]}"
expect_rc 1 "verify on a stale daemon fails"
expect_same "stale: restart_needed" "$(jget "$T/out" restart_needed)" "true"
expect_same "stale: config_loaded fails" "$(check_field "$T/out" config_loaded status)" '"fail"'
run "${G[@]}" "${V[@]}"
expect_contains "$T/out" "restart needed: dockerd has not loaded '$CFG' since it changed" \
	"stale: the table says \"restart needed\""

# restart: only runtimes and default-runtime changed, so a SIGHUP reload; same PID.
pid=$(live_pid)
run "${G[@]}" restart --runtime docker --runtime-path "$wrap"
expect_rc 0 "restart (auto) after configure"
expect_contains "$T/out" "docker: reloaded through signal (pid $pid, unchanged): only runtimes, default-runtime or features changed" \
	"restart reloaded dockerd with SIGHUP"
expect_contains "$T/err" "reloading dockerd (pid $pid) with SIGHUP" "restart said what it was doing"
expect_not_contains "$T/out" " fail " "every check passes after the reload"
if kill -0 "$pid" 2>/dev/null && [ "$(live_pid)" = "$pid" ]; then
	ok "dockerd's PID is unchanged"
else
	not_ok "dockerd's PID is unchanged" "was $pid, now $(live_pid)"
fi
expect_same "docker info: Default Runtime nvidia" "$(info_field DefaultRuntime)" '"nvidia"'
run "${G[@]}" --json restart --runtime docker --runtime-path "$wrap"
expect_rc 0 "--json restart again"
expect_same "--json restart again: reloaded (SIGHUP), verified, the same PID" \
	"$(jget "$T/out" restart/action) $(jget "$T/out" restart/mode) $(jget "$T/out" restart/pid_after) $(jget "$T/out" verify/ok) $(live_pid)" \
	"\"reload\" \"signal\" $pid true $pid"

# verify against `docker info`, field by field.
run "${G[@]}" --json "${V[@]}"
expect_rc 0 "verify passes"
cp "$T/out" "$T/verify.json"
expect_same "default runtime: ours agrees with docker info" \
	"$(check_field "$T/verify.json" default_runtime seen)" "$(info_field DefaultRuntime)"
expect_same "the runtime's path: ours agrees with docker info" \
	"$(check_field "$T/verify.json" runtime_path seen)" \
	"$(dockerd_docker info --format '{{json (index .Runtimes "nvidia").Path}}' 2>/dev/null)"
expect_same "the daemon: ours agrees with docker info" \
	"$(check_field "$T/verify.json" daemon seen)" "\"dockerd $(info_field ServerVersion | tr -d '"')\""
run "${G[@]}" verify --runtime docker
expect_rc 0 "verify without --runtime-path takes the path from daemon.json"

# The smoke test runs a container through the wrapper (an image imported from a tar).
if [ ! -x /bin/busybox ] || ! file /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
	skip "smoke test through the wrapper" "no static /bin/busybox (install busybox-static)"
else
	/usr/bin/python3 "$TESTS_SRC/tools/mkimage.py" rootfs /bin/busybox "$T/rootfs.tar"
	dockerd_docker import "$T/rootfs.tar" gpuprep-smoke:test >"$T/import.log" 2>&1
	: >"$T/wrap.log"
	run "${G[@]}" --json "${V[@]}" --smoke gpuprep-smoke:test --smoke-cmd "/busybox echo smoke-ok"
	expect_rc 0 "verify --smoke passes"
	expect_same "the smoke check saw the container's output" \
		"$(check_field "$T/out" smoke seen)" '"exit 0: smoke-ok"'
	expect_contains "$T/wrap.log" "create --bundle" "the container ran through the wrapper"
	run "${G[@]}" "${V[@]}" --smoke gpuprep-smoke:test --smoke-cmd "/busybox false"
	expect_rc 1 "verify --smoke fails when the container fails"
	expect_contains "$T/out" "exit 1" "the smoke row shows the exit status"
	run "${G[@]}" "${V[@]}" --smoke no-such-image:1 --smoke-cmd "/busybox true"
	expect_rc 1 "verify --smoke with a missing image fails"
	expect_contains "$T/out" "smoke: image 'no-such-image:1' is not in dockerd" "the smoke row says the image is missing"
	expect_same "no smoke container is left behind" "$(dockerd_docker ps -aq | wc -l)" "0"
fi
nogpu=$(fixture_root amd-aspeed)
mkdir -p "$nogpu/run" "$nogpu/etc/docker" && ln -s "$DOCKERD_SOCK" "$nogpu/run/docker.sock"
cp "$CFG" "$nogpu/etc/docker/daemon.json"
nvidia_wrap "$nogpu"
run "$GPUPREP" --root "$nogpu" "${V[@]}" --smoke gpuprep-smoke:test
expect_rc 0 "verify --smoke without a GPU passes"
expect_contains "$T/out" "smoke: no NVIDIA GPU on this node" "the smoke test is skipped, and says why"

# A daemon.json dockerd refuses, injected between configure and restart: an unknown key,
# which dockerd reads only when it starts, so restart picks a full restart (through the init
# script); dockerd exits on the file; the rollback restores the file from before configure
# and starts dockerd again.
inject() {
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); d[sys.argv[2]]=json.loads(sys.argv[3])
open(sys.argv[1],"w").write(json.dumps(d, indent=2)+"\n")' "$CFG" "$1" "$2"
}
inject gpuprep-test-unknown-key true
pid=$(live_pid)
run timeout 120 "${G[@]}" restart --runtime docker --runtime-path "$wrap" --timeout 20
expect_rc 1 "restart on a daemon.json with an unknown key fails"
expect_contains "$T/out" "docker: restarted through service: 'gpuprep-test-unknown-key' changed, which dockerd reads only when it starts" \
	"restart picked a full restart for the unknown key"
expect_contains "$T/err" "restart of docker failed" "the error names the failed restart"
expect_contains "$T/err" "don't match any configuration option: gpuprep-test-unknown-key" \
	"the error carries dockerd's reason, from the init script"
expect_contains "$T/err" "rolled back: '$CFG' is restored from '$root/var/lib/gpuprep/backup/" \
	"the error says the backup is restored"
expect_contains "$T/err" "warning: '$CFG' changed since gpuprep wrote it" \
	"the rollback warns that the file changed since configure"
expect_file_eq "$CFG" "$T/daemon.json.before" "the rollback restored daemon.json from before configure"
if [ -n "$(live_pid)" ] && [ "$(live_pid)" != "$pid" ] && kill -0 "$(live_pid)" 2>/dev/null; then
	ok "a new dockerd runs after the rollback"
else
	not_ok "a new dockerd runs after the rollback" "was $pid, now '$(live_pid)'" "$(dockerd_log | tail -5)"
fi
expect_contains "$T/out" "rollback: docker: restarted through service (now pid $(live_pid))" \
	"the rollback restarted dockerd the same way"
expect_same "dockerd runs the old config: Default Runtime runc" "$(info_field DefaultRuntime)" '"runc"'
run "${G[@]}" undo --runtime docker
expect_contains "$T/out" "nothing to undo" "the rolled-back configure is marked undone"

# A refused value in a key dockerd re-reads on SIGHUP (a default runtime that does not
# exist): a reload, which dockerd refuses, keeping its config and logging no reload event;
# the rollback restores the file and reloads again. dockerd never stops.
run "${G[@]}" configure --runtime docker --runtime-path "$wrap"
expect_rc 0 "configure again"
inject default-runtime '"gpuprep-test-missing"'
pid=$(live_pid)
run timeout 120 "${G[@]}" restart --runtime docker --runtime-path "$wrap" --timeout 3
expect_rc 1 "reload on a daemon.json dockerd refuses fails"
expect_contains "$T/err" "reload of docker failed: dockerd did not reload its config within 3 s: it refused '$CFG'" \
	"the error says dockerd refused the file"
expect_contains "$T/err" "rolled back: '$CFG' is restored" "the error says the backup is restored"
expect_contains "$T/out" "rollback: docker: reloaded through signal (pid $pid, unchanged)" \
	"the rollback reloaded dockerd again"
expect_file_eq "$CFG" "$T/daemon.json.before" "the rollback restored daemon.json from before configure"
expect_same "dockerd kept running through it all" "$(live_pid)" "$pid"
expect_same "dockerd runs the old config: Default Runtime runc" "$(info_field DefaultRuntime)" '"runc"'

# A full restart that works, through the init script.
run "${G[@]}" configure --runtime docker --runtime-path "$wrap"
pid=$(live_pid)
run "${G[@]}" restart --runtime docker --runtime-path "$wrap" --full --mode service
expect_rc 0 "restart --full --mode service"
expect_contains "$T/out" "docker: restarted through service (pid $pid, now $(live_pid)): a full restart was asked for (--full)" \
	"restart says it restarted dockerd"
expect_same "dockerd runs nvidia as its default" "$(info_field DefaultRuntime)" '"nvidia"'

# configure --restart: one command configures, reloads and verifies; a second finds the
# daemon already on the config and restarts nothing.
run "${G[@]}" undo --runtime docker
expect_rc 0 "undo"
"$root/etc/init.d/docker" restart >/dev/null 2>&1
pid=$(live_pid)
expect_same "after undo and a restart, dockerd runs runc" "$(info_field DefaultRuntime)" '"runc"'
run "${G[@]}" configure --runtime docker --runtime-path "$wrap" --restart
expect_rc 0 "configure --restart"
expect_contains "$T/out" "docker: configured '$CFG'" "configure --restart configured"
expect_contains "$T/out" "docker: reloaded through signal (pid $pid, unchanged)" "and reloaded dockerd"
expect_not_contains "$T/out" " fail " "and every check passes"
expect_same "dockerd runs nvidia as its default" "$(info_field DefaultRuntime)" '"nvidia"'
run "${G[@]}" --json configure --runtime docker --runtime-path "$wrap" --restart
expect_rc 0 "configure --restart again"
expect_same "nothing changed, nothing restarted, the checks pass" \
	"$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["changed"], d["restart"]["restart"]["action"], d["restart"]["verify"]["ok"], d["restart"]["already_loaded"])' "$T/out")" \
	"False none True True"
expect_contains "$T/err" "docker already runs this config: no restart needed" "and says so"
run "${G[@]}" configure --runtime docker --dry-run --restart
expect_rc 2 "configure --dry-run --restart is refused"

# Refusals, and a missing socket.
run "${G[@]}" restart --runtime docker --full --mode signal
expect_rc 2 "restart --full --mode signal is refused"
expect_contains "$T/err" "a signal only reloads dockerd" "the refusal says why"
run timeout 20 "${G[@]}" verify --runtime docker --socket /run/missing.sock
expect_rc 1 "verify on a missing socket fails"
expect_contains "$T/err" "socket '$root/run/missing.sock' does not exist" "the error names the socket"
run timeout 20 "${G[@]}" --json restart --runtime docker --socket /run/missing.sock --timeout 2
expect_rc 1 "restart on a missing socket fails"
expect_contains "$T/err" "'$root/run/missing.sock'" "the error names the socket"
expect_not_contains "$T/err" "rolled back" "nothing was touched, so nothing is rolled back"

done_testing
