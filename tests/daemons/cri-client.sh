#!/bin/bash
# Our CRI client (lib/live/cri.c, through tests/tools/apidump) against a real containerd 1.6
# with nvidia as its default runtime: it must see what tests/tools/cri-status.py sees,
# field by field, and fail clearly where the CRI is off.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
containerd_require
APIDUMP=$TEST_TOOLS/apidump
CRI_STATUS=$TESTS_SRC/tools/cri-status.py

# expect_same NAME GOT WANT
expect_same() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "ours:       $2" "cri-status: $3"; fi
}

config=$(containerd_config_write "$T/ctd" - <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "nvidia"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
  BinaryName = "/usr/bin/nvidia-container-runtime"
  SystemdCgroup = true

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false
TOML
)
if containerd_start "$config"; then ok "containerd starts on a private socket"; else
	not_ok "containerd starts on a private socket" "$(tail -20 "$T/ctd/containerd.log")"
	done_testing
	exit
fi
sock=$CONTAINERD_SOCK
expect_same "the CRI plugin is loaded" "$(containerd_plugin_status "$sock" cri)" "ok"

run "$APIDUMP" peer-pid "$sock"
expect_same "the socket's peer is our containerd (SO_PEERCRED)" "$(cat "$T/out")" "$CONTAINERD_PID"

# Version: the cheap "is it up".
run "$APIDUMP" cri-version "$sock"
expect_rc 0 "Version answers"
expect_same "Version: runtime name" "$(jget "$T/out" runtime_name)" '"containerd"'
want_version=$("$CONTAINERD_BIN" --version | awk '{print $3}')
expect_same "Version: runtime version is containerd --version's" \
	"$(jget "$T/out" runtime_version)" "\"$want_version\""
expect_same "Version: the runtime.v1 API answered" "$(jget "$T/out" api)" '"runtime.v1"'

# Status, saving the raw message (the fuzz corpus seed is one of these).
run "$APIDUMP" cri-status "$sock" "$T/status.bin"
expect_rc 0 "Status(verbose) answers"
cp "$T/out" "$T/ours.json"
if [ -s "$T/status.bin" ]; then ok "the raw StatusResponse is saved"; else
	not_ok "the raw StatusResponse is saved"; fi

if [ -x /usr/bin/python3 ] && [ -f "$CRI_STATUS" ] && /usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null
then
	run /usr/bin/python3 "$CRI_STATUS" "$sock"
	expect_rc 0 "cri-status answers"
	cp "$T/out" "$T/theirs.json"
	c=config/containerd
	expect_same "defaultRuntimeName agrees" \
		"$(jget "$T/ours.json" checked/default_runtime)" "$(jget "$T/theirs.json" $c/defaultRuntimeName)"
	expect_same "defaultRuntimeName is nvidia" "$(jget "$T/ours.json" checked/default_runtime)" '"nvidia"'
	expect_same "runtimes.nvidia.options.BinaryName agrees" \
		"$(jget "$T/ours.json" checked/runtimes/nvidia/binary_name)" \
		"$(jget "$T/theirs.json" $c/runtimes/nvidia/options/BinaryName)"
	expect_same "runtimes.nvidia.options.BinaryName is the nvidia runtime" \
		"$(jget "$T/ours.json" checked/runtimes/nvidia/binary_name)" '"/usr/bin/nvidia-container-runtime"'
	expect_same "runtimes.nvidia.runtimeType agrees" \
		"$(jget "$T/ours.json" checked/runtimes/nvidia/runtime_type)" \
		"$(jget "$T/theirs.json" $c/runtimes/nvidia/runtimeType)"
	expect_same "runtimes.nvidia.options.SystemdCgroup agrees (true)" \
		"$(jget "$T/ours.json" checked/runtimes/nvidia/systemd_cgroup)" \
		"$(jget "$T/theirs.json" $c/runtimes/nvidia/options/SystemdCgroup)"
	expect_same "runtimes.runc.options.SystemdCgroup agrees (false)" \
		"$(jget "$T/ours.json" checked/runtimes/runc/systemd_cgroup)" \
		"$(jget "$T/theirs.json" $c/runtimes/runc/options/SystemdCgroup)"
	expect_same "enableCDI agrees (absent in containerd 1.6)" \
		"$(jget "$T/ours.json" checked/enable_cdi)" "$(jget "$T/theirs.json" config/enableCDI)"
	expect_same "the runtime names agree" \
		"$(/usr/bin/python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["checked"]["runtimes"]))' "$T/ours.json")" \
		"$(/usr/bin/python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["config"]["containerd"]["runtimes"]))' "$T/theirs.json")"
	expect_same "the whole info map agrees" \
		"$(jget "$T/ours.json" status/info)" \
		"$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("status"); print(json.dumps(d, sort_keys=True))' "$T/theirs.json" |
			jget /dev/stdin "")"
else
	skip "comparison with cri-status" "/usr/bin/python3 lacks grpc or protobuf (python3-grpcio, python3-protobuf)"
fi

# The harness keeps containerd on private paths: the CRI plugin's own included.
bad=$(/usr/bin/python3 -c 'import json,sys
c=json.load(open(sys.argv[1]))["status"]["info"]["config"]
paths=[c["rootDir"], c["stateDir"], c["containerdRootDir"], c["containerdEndpoint"],
       c["cni"]["binDir"], c["cni"]["confDir"]]
print(" ".join(p for p in paths if not p.startswith(sys.argv[2] + "/")))' "$T/ours.json" "$T/ctd")
expect_same "every path the CRI plugin reports is under the test's directory" "$bad" ""

# The conditions, as protobuf's own codec decodes them (tests/tools/cri-status.py),
# independently of lib/live/cri.c.
if /usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null; then
	/usr/bin/python3 "$CRI_STATUS" "$sock" >"$T/conds.json"
	expect_same "the conditions agree with a python3-grpcio decoding" \
		"$(jget "$T/ours.json" status/conditions)" "$(jget "$T/conds.json" status/conditions)"
	expect_same "RuntimeReady is true" "$(jget "$T/ours.json" checked/runtime_ready)" "true"
	# No CNI config under the private conf_dir: the network is not ready, and says why.
	expect_same "NetworkReady is false without a CNI config" \
		"$(jget "$T/ours.json" checked/network_ready)" "false"
else
	skip "conditions comparison" "/usr/bin/python3 lacks grpc or protobuf (python3-grpcio, python3-protobuf)"
fi

# The raw message, parsed again, gives the same document (the bytes are what the
# fuzz corpus holds).
run "$APIDUMP" cri-status "$sock"
expect_same "a second call reads the same runtimes" \
	"$(jget "$T/out" checked)" "$(jget "$T/ours.json" checked)"

# Restart through the test init script (what restart's `service` mode drives), on a
# config whose default runtime is runc: the live daemon follows the file.
containerd_init_script "$T/init-containerd" "$config"
sed -i 's/default_runtime_name = "nvidia"/default_runtime_name = "runc"/' "$config"
run "$APIDUMP" cri-status "$sock"
expect_same "before the restart, the live daemon still says nvidia" \
	"$(jget "$T/out" checked/default_runtime)" '"nvidia"'
old_pid=$CONTAINERD_PID
run "$T/init-containerd" restart
expect_rc 0 "the init script restarts containerd"
new_pid=$(cat "$T/ctd/containerd.pid" 2>/dev/null)
if [ -n "$new_pid" ] && [ "$new_pid" != "$old_pid" ]; then ok "a new containerd runs"; else
	not_ok "a new containerd runs" "old $old_pid, new ${new_pid:-none}"; fi
run "$APIDUMP" cri-status "$sock"
expect_same "after the restart, the live daemon says runc" \
	"$(jget "$T/out" checked/default_runtime)" '"runc"'
run "$T/init-containerd" status
expect_rc 0 "the init script sees it running"

# A containerd with the CRI plugin disabled: a clear Unimplemented, with the fix.
config2=$(containerd_config_write "$T/ctd-nocri" - <<'TOML'
disabled_plugins = ["io.containerd.grpc.v1.cri"]
TOML
)
# disabled_plugins must be a top-level key: move it above the first table.
sed -i '/^disabled_plugins/d' "$config2"
sed -i '1a disabled_plugins = ["io.containerd.grpc.v1.cri"]' "$config2"
if containerd_start "$config2"; then
	ok "containerd starts without the CRI plugin"
	run timeout 20 "$APIDUMP" cri-status "$CONTAINERD_SOCK"
	expect_rc 1 "Status fails without the CRI plugin"
	expect_contains "$T/err" "runtime.v1.RuntimeService/Status: the runtime on '$CONTAINERD_SOCK' answered Unimplemented: unknown service runtime.v1.RuntimeService" \
		"the error names the call, the socket and the gRPC status"
	expect_contains "$T/err" 'hint: the runtime does not serve the CRI: for containerd, remove "cri" from disabled_plugins' \
		"the hint says how to enable the CRI"
	expect_contains "$T/err" "grpc-status: 12" "the gRPC status is kept for the caller"
	run timeout 20 "$APIDUMP" cri-version "$CONTAINERD_SOCK"
	expect_rc 1 "Version fails the same way"
	expect_contains "$T/err" "answered Unimplemented: unknown service runtime.v1.RuntimeService" \
		"Version: Unimplemented"
	run timeout 20 "$APIDUMP" --timeout 60000 cri-wait "$CONTAINERD_SOCK"
	expect_rc 1 "waiting on a containerd without the CRI gives up at once"
	expect_contains "$T/err" "answered Unimplemented" "the wait says why"
	# grpc-go resets the stream after an early status; libcurl 7.88 often loses the
	# status then. The client recovers it every time.
	n=0
	for i in $(seq 10); do
		timeout 20 "$APIDUMP" cri-status "$CONTAINERD_SOCK" 2>&1 | grep -q "answered Unimplemented" &&
			n=$((n + 1))
	done
	expect_same "Unimplemented is reported on 10 calls out of 10" "$n" 10
	containerd_stop "$config2"
else
	not_ok "containerd starts without the CRI plugin" "$(tail -20 "$T/ctd-nocri/containerd.log")"
fi

# Waiting for containerd to come back: the wait starts while it is down.
containerd_stop "$config"
timeout 60 "$APIDUMP" --timeout 30000 cri-wait "$sock" >"$T/wait.out" 2>"$T/wait.err" &
waiter=$!
sleep 0.5
containerd_start "$config"
wait "$waiter"
rc=$?
expect_rc 0 "cri_wait_ready sees containerd come back"
[ "$rc" -eq 0 ] || cat "$T/wait.err" | sed 's/^/# /'
new_pid=$CONTAINERD_PID

containerd_stop "$config"
if _ctd_alive "$new_pid"; then not_ok "containerd_stop stops it by PID"; else
	ok "containerd_stop stops it by PID"; fi
run timeout 20 "$APIDUMP" cri-status "$sock"
expect_rc 1 "a stopped containerd: Status fails"
expect_contains "$T/err" "fail: no-socket" "a stopped containerd removed its socket: no socket"

done_testing
