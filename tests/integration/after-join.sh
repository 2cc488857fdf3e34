#!/bin/bash
# gpuprep verify --after-join on fixture roots: the joined GPU node passes; each wrong thing
# (cgroup driver, endpoint, devicePluginEnabled, plugin socket, checkpoint, GPU count, edgecore
# down) fails with its own check, message and hint, exit 1; a kubeadm node (no edgecore) runs the
# same checks against kubelet; the fix gpuprep can make (configure) passes, and undo brings the
# failure back. Each case starts from a fresh copy of the good node.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/lib.sh" || exit 1
. "$TESTS_SRC/preflight-lib.sh" || exit 1

EC=$FIXTURES/edgecore
DP=/var/lib/kubelet/device-plugins

# joined [BASE_OVERLAY]: the healthy node (a T4, containerd with nvidia and SystemdCgroup) after
# keadm join (KubeEdge 1.22's edgecore.yaml, edgecore running) and the device plugin's rollout
# (kubelet.sock, nvidia-gpu.sock, a checkpoint listing the T4).
joined() {
	local r
	r=$(healthy)
	cp -a "$FIXTURES/nodes/${1:-after-join}/." "${r:?}/"
	mksock "$r$DP/kubelet.sock"
	mksock "$r$DP/nvidia-gpu.sock"
	printf '%s\n' "$r"
}

# status ID: the status of check ID in the last --json run's document.
status() {
	"$PY" -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(c["status"] for c in d["checks"] if c["id"]==sys.argv[2]))' "$T/out" "$1" 2>/dev/null
}

# case ROOT ID STATUS RC NAME [ARGS...]: verify --after-join on ROOT; check ID has STATUS and the
# exit code is RC, in --json; the human output shows the same, as "[ERROR ID]: ..." for a failure.
case_() {
	local root=$1 id=$2 want=$3 want_rc=$4 name=$5
	shift 5
	run "$GPUPREP" --root "$root" --json verify --after-join "$@"
	local got
	got=$(status "$id")
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$want" ]; then
		ok "$name: $id $want (exit $want_rc)"
	else
		not_ok "$name: $id $want (exit $want_rc)" "got exit $rc, '$got'" \
			"stdout: $(head -c 2500 "$T/out")" "stderr: $(head -c 500 "$T/err")"
	fi
	run "$GPUPREP" --root "$root" verify --after-join "$@"
	expect_rc "$want_rc" "$name: human output, exit $want_rc"
}

# line_is TEXT NAME: the last human run printed this line, exactly.
line_is() {
	if grep -qxF -- "$1" "$T/out"; then ok "$2"; else not_ok "$2" "want: $1" "got:" "$(cat "$T/out")"; fi
}

# --- the joined node ---------------------------------------------------------------------
R=$(joined)
CFG=$R/etc/kubeedge/config/edgecore.yaml
run "$GPUPREP" --root "$R" verify --after-join
expect_rc 0 "joined node: exit 0"
line_is "[PASS] edgecore runs (pid 4242)" "joined: edgecore runs"
line_is "[PASS] '$CFG' (edgecore.config.kubeedge.io/v1alpha2, KubeEdge 1.12+ layout): cgroup driver systemd, runtime endpoint unix:///run/containerd/containerd.sock" \
	"joined: the config, its layout and values"
expect_contains "$T/out" "[SKIP agent-endpoint]: nobody answers on '$R/run/containerd/containerd.sock' under --root" \
	"joined: under --root the endpoint is a socket nobody answers on: skip, saying so"
line_is "[PASS] edgecore and containerd both use the systemd cgroup driver (SystemdCgroup = true for runtime 'nvidia' in '$R/etc/containerd/config.toml')" \
	"joined: cgroup drivers agree, against containerd's config file"
line_is "[PASS] NVIDIA's device plugin listens in '$R$DP': nvidia-gpu.sock" "joined: the plugin's socket"
line_is "[PASS] '$R$DP/kubelet_internal_checkpoint' lists nvidia.com/gpu with 1 device: GPU-0f3c4d2e-8f0a-3b7e-9a55-2f1e6d8b7c41" \
	"joined: the checkpoint lists the GPU"
line_is "[PASS] the device plugin offers 1 nvidia.com/gpu: 1 GPU, as detect sees" "joined: the count"
line_is "verify --after-join: 6 passed, 0 warnings, 0 errors, 1 skipped" "joined: the summary"
run "$GPUPREP" --root "$R" --json verify --after-join
expect_rc 0 "joined: --json exit 0"
if "$PY" "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/verify.json" "$T/out" >"$T/schema.log"; then
	ok "joined: --json matches tests/schemas/verify.json"
else
	not_ok "joined: --json matches tests/schemas/verify.json" "$(cat "$T/schema.log")"
fi
expect_contains "$T/out" '"phase": "after-join"' "joined: --json names the phase"
cp "$T/out" "$T/after-join.json"
run "$GPUPREP" report "$T/after-join.json"
expect_rc 0 "joined: gpuprep report reads the document"
expect_contains "$T/out" "verify-report:passed" "joined: report: passed"

# --- cgroup driver mismatch, fixed by configure, brought back by undo ---------------------------
R=$(joined)
CFG=$R/etc/kubeedge/config/edgecore.yaml
sed -i 's/^      cgroupDriver: systemd/      cgroupDriver: cgroupfs/' "$CFG"
case_ "$R" agent-cgroup-driver fail 1 "cgroup driver mismatch"
line_is "[ERROR agent-cgroup-driver]: edgecore uses the cgroupfs cgroup driver (modules.edged.tailoredKubeletConfig.cgroupDriver in '$CFG'), but containerd uses systemd (SystemdCgroup = true for runtime 'nvidia' in '$R/etc/containerd/config.toml')" \
	"cgroup mismatch: both drivers and where each comes from"
line_is "    hint: set modules.edged.tailoredKubeletConfig.cgroupDriver: systemd in '$CFG' and systemctl restart edgecore, or change the runtime: gpuprep configure --runtime containerd --cgroup-driver cgroupfs --restart" \
	"cgroup mismatch: the hint names the key and the configure command"
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver cgroupfs
expect_rc 0 "cgroup mismatch: the hint's configure (without --restart under --root)"
case_ "$R" agent-cgroup-driver pass 0 "cgroup mismatch fixed by configure"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "cgroup mismatch: undo the fix"
case_ "$R" agent-cgroup-driver fail 1 "cgroup mismatch back after undo"

# --- wrong endpoint ------------------------------------------------------------------------
R=$(joined)
CFG=$R/etc/kubeedge/config/edgecore.yaml
sed -i 's|^      containerRuntimeEndpoint: .*|      containerRuntimeEndpoint: unix:///var/run/crio/crio.sock|' "$CFG"
case_ "$R" agent-endpoint fail 1 "wrong endpoint"
expect_contains "$T/out" "[ERROR agent-endpoint]: edgecore talks to 'unix:///var/run/crio/crio.sock' (modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint), but '$R/run/crio/crio.sock' is missing" \
	"wrong endpoint: the endpoint, its key and the missing socket"
expect_contains "$T/out" "    hint: start crio, or set modules.edged.tailoredKubeletConfig.containerRuntimeEndpoint in '$CFG' to the socket it listens on, then systemctl restart edgecore" \
	"wrong endpoint: the hint names the key"

# --- KubeEdge < 1.12: devicePluginEnabled ------------------------------------------------------
R=$(joined)
CFG=$R/etc/kubeedge/config/edgecore.yaml
cp "$EC/v1alpha1-keadm-containerd.yaml" "$CFG"
case_ "$R" agent-config pass 0 "old layout after keadm join with containerd"
line_is "[PASS] '$CFG' (edgecore.config.kubeedge.io/v1alpha1, KubeEdge < 1.12 layout): cgroup driver systemd, runtime endpoint unix:///var/run/containerd/containerd.sock, devicePluginEnabled: true" \
	"old layout: read from modules.edged"
sed -i 's/devicePluginEnabled: true/devicePluginEnabled: false/' "$CFG"
case_ "$R" agent-config fail 1 "devicePluginEnabled false"
line_is "[ERROR agent-config]: '$CFG':17:26: modules.edged.devicePluginEnabled is false: edged ignores device plugins, so no pod gets a GPU" \
	"devicePluginEnabled false: file:line:col"
line_is "    hint: set modules.edged.devicePluginEnabled: true in '$CFG', then systemctl restart edgecore" \
	"devicePluginEnabled false: the hint"
cp "$EC/v1alpha1-defaultconfig.yaml" "$CFG"
case_ "$R" agent-config fail 1 "edgecore --defaultconfig as keadm <= 1.11 wrote it"
case_ "$R" agent-endpoint fail 1 "defaultconfig: runtimeType docker talks to dockerd"
expect_contains "$T/out" "[ERROR agent-endpoint]: edgecore talks to 'unix:///var/run/docker.sock' (modules.edged.dockerAddress), but '$R/run/docker.sock' is missing" \
	"defaultconfig: runtimeType docker: dockerAddress is the endpoint"
sed -i '/devicePluginEnabled/d' "$CFG"
case_ "$R" agent-config fail 1 "devicePluginEnabled unset"
line_is "[ERROR agent-config]: '$CFG' does not set modules.edged.devicePluginEnabled, which defaults to false: edged ignores device plugins" \
	"devicePluginEnabled unset: its default"
printf 'modules:\n  edged:\n    devicePluginEnabled: "yes please"\n' >"$CFG"
case_ "$R" agent-config fail 1 "devicePluginEnabled not a boolean"
line_is "[ERROR agent-config]: '$CFG': 3:26: modules.edged.devicePluginEnabled must be true or false, not 'yes please'" \
	"bad boolean: line:col"
printf 'modules:\n  edged:\n    cgroupDriver: [systemd\n' >"$CFG"
case_ "$R" agent-config fail 1 "edgecore.yaml that is not YAML"
expect_contains "$T/out" "[ERROR agent-config]: '$CFG': 4:1: " "bad YAML: libyaml's line:col"

# --- the device plugin -----------------------------------------------------------------------
R=$(joined)
rm "$R$DP/nvidia-gpu.sock"
case_ "$R" device-plugin-socket fail 1 "no plugin socket"
line_is "[ERROR device-plugin-socket]: no NVIDIA device plugin socket (nvidia*.sock) in '$R$DP'" \
	"no plugin socket: says where"
expect_contains "$T/out" "    hint: deploy NVIDIA's device plugin" "no plugin socket: the hint"
rm "$R$DP/kubelet.sock"
case_ "$R" device-plugin-socket fail 1 "no kubelet.sock either"
expect_contains "$T/out" "[ERROR device-plugin-socket]: no kubelet.sock and no NVIDIA plugin socket in '$R$DP': edgecore's device manager is not serving" \
	"no kubelet.sock: the device manager"

R=$(joined)
printf '%s\n' '{"Data":{"PodDeviceEntries":[],"RegisteredDevices":{"intel.com/qat":["0000:3d:00.0"]}},"Checksum":2143567890}' \
	>"$R$DP/kubelet_internal_checkpoint"
case_ "$R" device-plugin-registered fail 1 "checkpoint without nvidia.com/gpu"
line_is "[ERROR device-plugin-registered]: '$R$DP/kubelet_internal_checkpoint' lists no nvidia.com/gpu: it has intel.com/qat" \
	"no nvidia.com/gpu: what it lists"
case_ "$R" gpu-count skip 1 "no nvidia.com/gpu: nothing to count"
printf '%s\n' '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{"nvidia.com/gpu":[]}},"Checksum":1}' \
	>"$R$DP/kubelet_internal_checkpoint"
case_ "$R" device-plugin-registered fail 1 "nvidia.com/gpu with no devices"
printf '{"Data":{"RegisteredDevices":\n  {"nvidia.com/gpu": [}}\n' >"$R$DP/kubelet_internal_checkpoint"
case_ "$R" device-plugin-registered fail 1 "a checkpoint that is not JSON"
expect_contains "$T/out" "[ERROR device-plugin-registered]: '$R$DP/kubelet_internal_checkpoint': 2:23: unexpected token near '}'" \
	"bad checkpoint: line:col"
rm "$R$DP/kubelet_internal_checkpoint"
case_ "$R" device-plugin-registered fail 1 "no checkpoint"

# --- the count --------------------------------------------------------------------------------
R=$(joined)
printf '%s\n' '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{"nvidia.com/gpu":["GPU-0f3c4d2e-8f0a-3b7e-9a55-2f1e6d8b7c41","GPU-7a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"]}},"Checksum":1}' \
	>"$R$DP/kubelet_internal_checkpoint"
case_ "$R" gpu-count fail 1 "two devices, one GPU"
line_is "[ERROR gpu-count]: the device plugin offers 2 nvidia.com/gpu, but detect sees 1 GPU: 1 expected" \
	"count mismatch: both numbers"
ids='"GPU-0f3c4d2e-8f0a-3b7e-9a55-2f1e6d8b7c41::0","GPU-0f3c4d2e-8f0a-3b7e-9a55-2f1e6d8b7c41::1","GPU-0f3c4d2e-8f0a-3b7e-9a55-2f1e6d8b7c41::2","GPU-0f3c4d2e-8f0a-3b7e-9a55-2f1e6d8b7c41::3"'
printf '{"Data":{"PodDeviceEntries":null,"RegisteredDevices":{"nvidia.com/gpu":[%s]}},"Checksum":1}\n' "$ids" \
	>"$R$DP/kubelet_internal_checkpoint"
case_ "$R" gpu-count pass 0 "time-sliced ids, no config: replicas from the ids"
line_is "[PASS] the device plugin offers 4 nvidia.com/gpu: 1 GPU x 4 replicas (read from the device ids), as detect sees" \
	"time-slicing: read from the ids"
case_ "$R" gpu-count pass 0 "time-slicing with the ConfigMap" --device-plugin-config "$FIXTURES/device-plugin/time-slicing-configmap.yaml"
line_is "[PASS] the device plugin offers 4 nvidia.com/gpu: 1 GPU x 4 replicas (sharing.timeSlicing in '$FIXTURES/device-plugin/time-slicing-configmap.yaml'), as detect sees" \
	"time-slicing: replicas from the ConfigMap"
"$GPUPREP" manifest device-plugin --edge --time-slicing 4 >"$T/manifest.yaml"
case_ "$R" gpu-count pass 0 "time-slicing from gpuprep manifest's stream (ConfigMap + DaemonSet)" --device-plugin-config "$T/manifest.yaml"
sed 's/replicas: 4/replicas: 8/' "$FIXTURES/device-plugin/time-slicing-configmap.yaml" >"$T/ts8.yaml"
case_ "$R" gpu-count fail 1 "replicas the plugin does not offer" --device-plugin-config "$T/ts8.yaml"
line_is "[ERROR gpu-count]: the device plugin offers 4 nvidia.com/gpu, but detect sees 1 GPU x 8 replicas (sharing.timeSlicing in '$T/ts8.yaml'): 8 expected" \
	"replicas mismatch: both numbers"
sed 's/replicas: 4/replicas: four/' "$FIXTURES/device-plugin/time-slicing-configmap.yaml" >"$T/bad.yaml"
run "$GPUPREP" --root "$R" verify --after-join --device-plugin-config "$T/bad.yaml"
expect_rc 1 "a bad device plugin config: exit 1"
expect_contains "$T/err" "gpuprep: error: --device-plugin-config: '$T/bad.yaml': data.any: 15:21: sharing.timeSlicing.resources[0].replicas must be a whole number >= 1, not four" \
	"bad device plugin config: where, in the ConfigMap's text"

# --- edgecore down ---------------------------------------------------------------------------------
R=$(joined)
rm -r "$R/proc/4242"
case_ "$R" node-agent fail 1 "edgecore not running"
line_is "[ERROR node-agent]: edgecore is not running ('$R/etc/kubeedge/config/edgecore.yaml' is there; its unit is '$R/lib/systemd/system/edgecore.service')" \
	"edgecore down: says so, with its unit"
expect_contains "$T/out" "    hint: systemctl start edgecore; if it exits again, journalctl -u edgecore -n 50 says why" \
	"edgecore down: the hint"

rm "$R/lib/systemd/system/edgecore.service"
case_ "$R" node-agent fail 1 "edgecore down, no unit"
line_is "[ERROR node-agent]: edgecore is not running ('$R/etc/kubeedge/config/edgecore.yaml' is there), and no edgecore.service unit is installed" \
	"no unit: says so"
line_is "    hint: keadm join did not finish: run it again (it installs and starts edgecore.service)" \
	"no unit: the hint"

# --- a kubeadm node: kubelet, no edgecore ------------------------------------------------------------
R=$(joined kubeadm-join)
case_ "$R" node-agent pass 0 "kubeadm node"
line_is "[PASS] no edgecore: a kubelet (kubeadm) node; kubelet runs (pid 5151)" "kubeadm: kubelet runs"
line_is "[PASS] kubelet ($R/var/lib/kubelet/config.yaml): cgroup driver systemd (cgroupDriver), runtime endpoint unix:///var/run/containerd/containerd.sock (the --container-runtime-endpoint flag)" \
	"kubeadm: kubelet's config and flags"
expect_contains "$T/out" "[PASS] kubelet and containerd both use the systemd cgroup driver" "kubeadm: drivers agree"
sed -i 's/^cgroupDriver: systemd/cgroupDriver: cgroupfs/' "$R/var/lib/kubelet/config.yaml"
case_ "$R" agent-cgroup-driver fail 1 "kubeadm node, cgroup driver mismatch"
expect_contains "$T/out" "    hint: set cgroupDriver: systemd in '$R/var/lib/kubelet/config.yaml' and systemctl restart kubelet" \
	"kubeadm mismatch: kubelet's key and restart"
rm -r "$R/proc/5151"
case_ "$R" node-agent fail 1 "kubeadm node, kubelet down"
run "$GPUPREP" --root "$R" --json verify --after-join
expect_contains "$T/out" "unix:///var/run/containerd/containerd.sock (the --container-runtime-endpoint flag)" \
	"kubelet down: the endpoint from kubeadm-flags.env"
R=$(healthy)
case_ "$R" node-agent fail 1 "not joined at all"

# --- usage ------------------------------------------------------------------------------------
R=$(joined)
run "$GPUPREP" --root "$R" verify --after-join --socket /run/x.sock
expect_rc 2 "--after-join with --socket: usage error"
expect_contains "$T/err" "--after-join takes only --edgecore-config and --device-plugin-config" "--after-join with --socket: says why"
run "$GPUPREP" --root "$R" verify --device-plugin-config "$T/ts8.yaml"
expect_rc 2 "--device-plugin-config without --after-join: usage error"
run "$GPUPREP" --root "$R" verify --after-join --edgecore-config etc/edgecore.yaml
expect_rc 2 "--edgecore-config relative: usage error"
mv "$R/etc/kubeedge/config/edgecore.yaml" "$R/etc/kubeedge/edgecore.yaml"
case_ "$R" agent-config pass 0 "--edgecore-config" --edgecore-config /etc/kubeedge/edgecore.yaml

done_testing
