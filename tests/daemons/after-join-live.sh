#!/bin/bash
# gpuprep verify --after-join against a real containerd started by this test: edgecore.yaml's
# endpoint answers the CRI, and its cgroup driver is compared with what the running containerd
# reports (SystemdCgroup of its default runtime), not with the file.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/lib.sh" || exit 1
. "$TESTS_SRC/preflight-lib.sh" || exit 1
. "$TESTS_SRC/daemons/containerd-lib.sh" || exit 1
containerd_require

HEALTHY_TOML="$FIXTURES/nodes/preflight-healthy/etc/containerd/config.toml"
DP=/var/lib/kubelet/device-plugins

R=$(healthy)
cp -a "$FIXTURES/nodes/after-join/." "${R:?}/"
mksock "$R$DP/kubelet.sock"
mksock "$R$DP/nvidia-gpu.sock"
CFG=$R/etc/kubeedge/config/edgecore.yaml
CT=$R/etc/containerd/config.toml
# The daemon's socket lands beside its config (the harness's private paths): edgecore talks to it.
sed -i 's|^      containerRuntimeEndpoint: .*|      containerRuntimeEndpoint: unix:///etc/containerd/containerd.sock|' "$CFG"
sed '/^version/d' "$HEALTHY_TOML" | containerd_config_write "$R/etc/containerd" - >/dev/null
if ! containerd_start "$CT"; then
	not_ok "containerd starts on the node's config" "$(tail -20 "$R/etc/containerd/containerd.log")"
	done_testing
	exit
fi
ok "containerd started on the joined node's config"

run "$GPUPREP" --root "$R" verify --after-join
expect_rc 0 "live containerd: the joined node passes"
expect_contains "$T/out" "[PASS] edgecore's endpoint 'unix:///etc/containerd/containerd.sock' answers: containerd " \
	"agent-endpoint: containerd answers on edgecore's endpoint"
expect_contains "$T/out" "[PASS] edgecore and the running containerd both use the systemd cgroup driver (SystemdCgroup = true for runtime 'nvidia', as it runs)" \
	"agent-cgroup-driver: compared with the running containerd"
run "$GPUPREP" --root "$R" --json verify --after-join
expect_rc 0 "live containerd: --json"

# The file says cgroupfs now, the daemon still runs systemd: the live answer counts.
sed -i 's/SystemdCgroup = true/SystemdCgroup = false/' "$CT"
run "$GPUPREP" --root "$R" verify --after-join
expect_rc 0 "the file changed, the daemon did not: still systemd, as it runs"
sed -i 's/^      cgroupDriver: systemd/      cgroupDriver: cgroupfs/' "$CFG"
run "$GPUPREP" --root "$R" verify --after-join
expect_rc 1 "edgecore cgroupfs against the running containerd's systemd"
expect_contains "$T/out" "[ERROR agent-cgroup-driver]: edgecore uses the cgroupfs cgroup driver (modules.edged.tailoredKubeletConfig.cgroupDriver in '$CFG'), but the running containerd uses systemd (SystemdCgroup = true for runtime 'nvidia', as it runs)" \
	"mismatch: the running containerd's driver"

containerd_stop "$CT"
run "$GPUPREP" --root "$R" verify --after-join
expect_contains "$T/out" "[ERROR agent-endpoint]: edgecore talks to 'unix:///etc/containerd/containerd.sock'" \
	"containerd stopped: its socket is gone"

done_testing
