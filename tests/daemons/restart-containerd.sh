#!/bin/bash
# `gpuprep restart` and `gpuprep verify` against a real containerd 1.6 (Debian's), on
# private paths under a node root: the config is $root/etc/containerd/config.toml, the
# socket is found through $root/run/containerd/containerd.sock, and restart's `service`
# mode runs $root/etc/init.d/containerd, a test init script that stops and starts the
# test's containerd by PID (containerd_init_script).
#
# The whole test runs in a private mount namespace with a tmpfs on /run: containerd 1.6
# keeps its shims' sockets in /run/containerd/s and ctr its fifos in /run/containerd/fifo,
# whatever the config says, and the smoke test runs a container.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
containerd_require
CRI_STATUS=$TESTS_SRC/tools/cri-status.py

# The node: the sample fixture's GPU (for the smoke test), our own containerd config.
root=$(fixture_root sample)
rm -rf "$root/etc/containerd" "$root/run/containerd"
mkdir -p "$root/etc/containerd" "$root/run/containerd" "$root/etc/init.d"

# The nvidia runtime: a wrapper that logs, then runs runc.
nvidia_wrap "$root"
wrap=$WRAP

nvidia_sections() {
	cat <<TOML
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "$1"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
  BinaryName = "$wrap"
TOML
}

# Before configure: runc is the default and there is no nvidia runtime.
config=$(containerd_config_write "$root/etc/containerd" - <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
TOML
)
cp "$config" "$T/config.before"
if containerd_start "$config"; then ok "containerd starts under the node root"; else
	not_ok "containerd starts under the node root" "$(tail -20 "$root/etc/containerd/containerd.log")"
	done_testing
	exit
fi
ln -s "$CONTAINERD_SOCK" "$root/run/containerd/containerd.sock"
containerd_init_script "$root/etc/init.d/containerd" "$config"
G=("$GPUPREP" --root "$root")

run "${G[@]}" verify --runtime containerd --runtime-path "$wrap"
expect_rc 1 "verify before configure fails"
expect_contains "$T/out" "default_runtime      fail    nvidia" "the default runtime is not nvidia yet"

# configure (config version 2, as the file says): a stale daemon still runs runc.
run "${G[@]}" configure --runtime containerd --runtime-path "$wrap"
expect_rc 0 "configure --runtime containerd"
expect_contains "$config" 'BinaryName = "'"$wrap"'"' "configure wrote the wrapper as nvidia's BinaryName"
run "${G[@]}" --json verify --runtime containerd --runtime-path "$wrap"
expect_rc 1 "verify with the file changed, the daemon not restarted, fails"
expect_same "a stale daemon: default_runtime fails" "$(check_field "$T/out" default_runtime status)" '"fail"'
expect_same "a stale daemon: it still runs runc" "$(check_field "$T/out" default_runtime seen)" '"runc"'
expect_same "a stale daemon: config_loaded fails" "$(check_field "$T/out" config_loaded status)" '"fail"'
expect_same "a stale daemon: restart_needed" "$(jget "$T/out" restart_needed)" "true"
run "${G[@]}" verify --runtime containerd --runtime-path "$wrap"
expect_contains "$T/out" "restart needed: containerd has not loaded '$config' since it changed" \
	"a stale daemon: the table says \"restart needed\""
expect_contains "$T/out" "default runtime runc, the file says nvidia; runtime nvidia is absent, the file says $wrap" \
	"a stale daemon: config_loaded says what differs"

# restart through the init script; running containers survive through their shims.
old_pid=$CONTAINERD_PID
run "${G[@]}" restart --runtime containerd --mode service --runtime-path "$wrap"
expect_rc 0 "restart --mode service"
expect_contains "$T/out" "containerd: restarted through service" "restart says how it restarted"
expect_contains "$T/out" "note: running containers keep running" "restart says containers survive"
expect_not_contains "$T/out" "fail" "every check passes after the restart"
new_pid=$(cat "$root/etc/containerd/containerd.pid")
if [ "$new_pid" != "$old_pid" ]; then ok "a new containerd runs"; else
	not_ok "a new containerd runs" "pid still $old_pid"; fi
expect_contains "$T/out" "(pid $old_pid, now $new_pid)" "restart reports both PIDs"
# restart restarts when asked (configure --restart is what skips a loaded config).
run "${G[@]}" --json restart --runtime containerd --mode service --runtime-path "$wrap"
expect_rc 0 "--json restart again"
expect_same "--json restart again: restarted through service, both PIDs, verified, no rollback" \
	"$(jget "$T/out" already_loaded) $(jget "$T/out" restart/action) $(jget "$T/out" restart/mode) $(jget "$T/out" restart/pid_before) $(jget "$T/out" restart/pid_after) $(jget "$T/out" verify/ok) $(jget "$T/out" rollback)" \
	"false \"restart\" \"service\" $new_pid $(cat "$root/etc/containerd/containerd.pid") true null"
new_pid=$(cat "$root/etc/containerd/containerd.pid")

# verify through our CRI client, and against cri-status field by field.
run "${G[@]}" --json verify --runtime containerd --runtime-path "$wrap"
expect_rc 0 "verify after the restart passes"
cp "$T/out" "$T/verify.json"
expect_same "verify: ok" "$(jget "$T/verify.json" ok)" "true"
expect_same "verify: the daemon is containerd" "$(check_field "$T/verify.json" daemon seen)" \
	"\"containerd $("$CONTAINERD_BIN" --version | awk '{print $3}')\""
if [ -x /usr/bin/python3 ] && [ -f "$CRI_STATUS" ] && /usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null
then
	/usr/bin/python3 "$CRI_STATUS" "$CONTAINERD_SOCK" >"$T/theirs.json"
	c=config/containerd
	expect_same "default runtime: ours agrees with cri-status" \
		"$(check_field "$T/verify.json" default_runtime seen)" "$(jget "$T/theirs.json" $c/defaultRuntimeName)"
	expect_same "BinaryName: ours agrees with cri-status" \
		"$(check_field "$T/verify.json" runtime_binary_name seen)" \
		"$(jget "$T/theirs.json" $c/runtimes/nvidia/options/BinaryName)"
	run "${G[@]}" --json verify --runtime containerd --runtime-path "$wrap" --cdi
	cdi=$(jget "$T/theirs.json" config/enableCDI)
	if [ "$("$CONTAINERD_BIN" --version | awk '{ v = $3; sub(/^v/, "", v); print int(v) }')" -ge 2 ]; then
		# containerd 2.x has CDI on by default.
		expect_rc 0 "verify --cdi passes on containerd 2.x (enable_cdi is on by default)"
		expect_same "enableCDI: true for ours and for cri-status" \
			"$(check_field "$T/out" enable_cdi seen)/$cdi" '"true"/true'
	else
		expect_rc 1 "verify --cdi fails on containerd 1.6"
		expect_same "enableCDI: absent for ours and for cri-status" \
			"$(check_field "$T/out" enable_cdi seen)/$cdi" '"absent"/null'
	fi
else
	skip "comparison with cri-status" "/usr/bin/python3 lacks grpc or protobuf (python3-grpcio, python3-protobuf)"
fi

# The file's imports count: a drop-in that makes runc the default again (its CRI section
# replaces the main file's whole section, as containerd merges imports).
mkdir -p "$root/etc/containerd/conf.d"
printf 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n' \
	>"$root/etc/containerd/conf.d/50-runc.toml"
sed -i '1a imports = ["conf.d/50-runc.toml"]' "$config"
run "${G[@]}" --json verify --runtime containerd --runtime-path "$wrap" --no-set-default
expect_rc 1 "verify sees a drop-in the daemon has not loaded"
expect_same "imports: the drop-in's CRI section replaces the main file's" \
	"$(check_field "$T/out" config_loaded seen)" \
	"\"default runtime nvidia, the file says runc; runtime nvidia is $wrap, the file says absent\""
{ echo 'version = 2'; echo; nvidia_sections runc; } >"$root/etc/containerd/conf.d/50-runc.toml"
run "${G[@]}" --json verify --runtime containerd --runtime-path "$wrap" --no-set-default
expect_same "imports: config_loaded compares the drop-in" "$(check_field "$T/out" config_loaded seen)" \
	'"default runtime nvidia, the file says runc"'
run "${G[@]}" restart --runtime containerd --mode service --runtime-path "$wrap" --no-set-default
expect_rc 0 "restart loads the drop-in"
expect_same "containerd now runs runc as its default" "$(/usr/bin/python3 "$CRI_STATUS" "$CONTAINERD_SOCK" 2>/dev/null |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["containerd"]["defaultRuntimeName"])')" runc
rm "$root/etc/containerd/conf.d/50-runc.toml"
sed -i '/^imports = /d' "$config"
run "${G[@]}" restart --runtime containerd --mode service --runtime-path "$wrap"
expect_rc 0 "restart without the drop-in"
new_pid=$(cat "$root/etc/containerd/containerd.pid")

# The smoke test runs a container through the wrapper, with ctr.
/usr/bin/python3 "$TESTS_SRC/tools/mkimage.py" oci /bin/busybox "$T/img.tar" \
	docker.io/library/gpuprep-smoke:test 2>"$T/mkimage.err"
if [ ! -x /bin/busybox ] || ! file /bin/busybox 2>/dev/null | grep -q 'statically linked'; then
	skip "smoke test through the wrapper" "no static /bin/busybox (install busybox-static)"
elif [ -z "${GPUPREP_TEST_NS:-}" ]; then
	skip "smoke test through the wrapper" "no private mount namespace: a container would touch the host's /run/containerd"
else
	ctr --address "$CONTAINERD_SOCK" -n k8s.io images import \
		--index-name docker.io/library/gpuprep-smoke:test "$T/img.tar" >"$T/import.log" 2>&1
	: >"$T/wrap.log"
	run "${G[@]}" --json verify --runtime containerd --runtime-path "$wrap" \
		--smoke docker.io/library/gpuprep-smoke:test --smoke-cmd "/busybox echo smoke-ok"
	expect_rc 0 "verify --smoke passes"
	expect_same "the smoke check saw the container's output" \
		"$(check_field "$T/out" smoke seen)" '"exit 0: smoke-ok"'
	expect_contains "$T/wrap.log" "create --bundle" "the container ran through the wrapper"
	run "${G[@]}" verify --runtime containerd --runtime-path "$wrap" \
		--smoke docker.io/library/no-such:image --smoke-cmd "/busybox true"
	expect_rc 1 "verify --smoke with a missing image fails"
	expect_contains "$T/out" "smoke: the image is not in containerd's k8s.io namespace" \
		"the smoke test says the image is missing"
fi
# Without a GPU the smoke test is skipped, and says so.
nogpu=$(fixture_root amd-aspeed)
rm -rf "$nogpu/run/containerd" && mkdir -p "$nogpu/run/containerd" "$nogpu/etc/containerd"
cp "$config" "$nogpu/etc/containerd/config.toml"
ln -s "$CONTAINERD_SOCK" "$nogpu/run/containerd/containerd.sock"
nvidia_wrap "$nogpu"
run "$GPUPREP" --root "$nogpu" verify --runtime containerd --runtime-path "$wrap" \
	--smoke docker.io/library/gpuprep-smoke:test
expect_rc 0 "verify --smoke without a GPU passes"
expect_contains "$T/out" "smoke                skip" "the smoke check is a skip"
expect_contains "$T/out" "smoke: no NVIDIA GPU on this node" "the skip says why"

# signal mode is refused for containerd: it exits on SIGHUP.
run "${G[@]}" restart --runtime containerd --mode signal
expect_rc 2 "restart --mode signal is refused"
expect_contains "$T/err" "containerd 1.6 exits on SIGHUP" "the refusal says why"
expect_same "containerd still runs after the refusal" "$(cat "$root/etc/containerd/containerd.pid")" "$new_pid"

# --mode none restarts nothing and says what to run.
run "${G[@]}" restart --runtime containerd --mode none
expect_rc 0 "restart --mode none"
expect_contains "$T/out" "not restarted (--mode none); to load the new config, run: systemctl restart containerd" \
	"--mode none says what to run"
run "${G[@]}" --json restart --runtime containerd --mode none
expect_same "--json restart --mode none: the action, the mode and what to run" \
	"$(jget "$T/out" restart/action) $(jget "$T/out" restart/mode) $(jget "$T/out" restart/manual)" \
	'"none" "none" "systemctl restart containerd (or: service containerd restart)"'

# A config containerd refuses, with no backup from configure (a file edited by hand): the
# restart fails, and says there is nothing to roll back to.
rm -rf "$root/var/lib/gpuprep/backup"
cp "$config" "$T/config.good"
printf '\n[broken\n' >>"$config"
run timeout 120 "${G[@]}" --json restart --runtime containerd --mode service --timeout 5
expect_rc 1 "restart on a config containerd refuses fails"
expect_contains "$T/err" "restart of containerd failed" "the error names the failed restart"
expect_contains "$T/err" "no backup from gpuprep configure to roll back to" "and that there is no backup"
cp "$T/config.good" "$config"
"$root/etc/init.d/containerd" start >/dev/null 2>&1

# The rollback, with the backup `gpuprep configure --runtime containerd` takes: a config
# containerd refuses, injected after configure; the restart fails, the rollback restores the
# file from before configure and starts containerd on it again.
if "${G[@]}" configure --runtime containerd --dry-run >/dev/null 2>&1; then
	cp "$T/config.before" "$config"
	"$root/etc/init.d/containerd" restart >/dev/null 2>&1
	run "${G[@]}" configure --runtime containerd --runtime-path "$wrap"
	expect_rc 0 "configure --runtime containerd"
	run "${G[@]}" verify --runtime containerd --runtime-path "$wrap"
	expect_contains "$T/out" "restart needed: containerd has not loaded" "after configure: restart needed"
	printf '\n[broken\n' >>"$config"
	pid=$(cat "$root/etc/containerd/containerd.pid")
	run timeout 120 "${G[@]}" --json restart --runtime containerd --mode service --runtime-path "$wrap" --timeout 20
	expect_rc 1 "restart on a config containerd refuses fails"
	expect_same "--json: rolled back, the backup named, restarted again, ok false" \
		"$(jget "$T/out" rolled_back) $(jget "$T/out" rollback/restart/action) $(jget "$T/out" ok)" \
		'true "restart" false'
	case $(jget "$T/out" rollback/backup_dir) in "\"$root/var/lib/gpuprep/backup/"*) ok "--json: rollback.backup_dir" ;;
	*) not_ok "--json: rollback.backup_dir" "$(cat "$T/out")" ;; esac
	expect_contains "$T/err" "rolled back: '$config' is restored from '$root/var/lib/gpuprep/backup/" \
		"the error says the backup is restored"
	expect_file_eq "$config" "$T/config.before" "the rollback restored config.toml from before configure"
	new_pid=$(cat "$root/etc/containerd/containerd.pid" 2>/dev/null)
	if [ -n "$new_pid" ] && [ "$new_pid" != "$pid" ] && kill -0 "$new_pid" 2>/dev/null; then
		ok "a new containerd runs after the rollback"
	else
		not_ok "a new containerd runs after the rollback" "was $pid, now '$new_pid'"
	fi
	run "${G[@]}" --json verify --runtime containerd --no-set-default
	expect_same "it runs the old config: default runtime runc" "$(check_field "$T/out" config_loaded status)" '"pass"'

	# configure --restart: all three steps in one command.
	pid=$(cat "$root/etc/containerd/containerd.pid")
	run "${G[@]}" configure --runtime containerd --runtime-path "$wrap" --restart --restart-mode service
	expect_rc 0 "configure --restart"
	expect_contains "$T/out" "containerd: restarted through service (pid $pid, now" \
		"configure --restart restarted containerd"
	expect_not_contains "$T/out" " fail " "and every check passes"
	run "${G[@]}" --json configure --runtime containerd --runtime-path "$wrap" --restart --restart-mode service
	expect_rc 0 "configure --restart again"
	expect_same "nothing changed: nothing restarted" "$(jget "$T/out" restart/already_loaded)/$(jget "$T/out" restart/restart/action)" \
		'true/"none"'
else
	skip "the rollback to configure's backup" "gpuprep configure --runtime containerd is not available yet"
fi

# Missing socket: a clear error at once.
run timeout 20 "$GPUPREP" --root "$nogpu" verify --runtime containerd --socket /run/missing.sock
expect_rc 1 "verify on a missing socket fails"
expect_contains "$T/err" "socket '$nogpu/run/missing.sock' does not exist" "the error names the socket"
run timeout 20 "$GPUPREP" --root "$nogpu" restart --runtime containerd --mode none --socket /run/missing.sock
expect_rc 0 "restart --mode none does not need the daemon"

done_testing
