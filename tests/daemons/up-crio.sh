#!/bin/bash
# `gpuprep up --runtime crio` on a fresh node root with a real CRI-O (1.32.13 from
# ../shared/bin): preflight, the toolkit from a signed repository on 127.0.0.1, the drop-in,
# a restart through the test's init script, verify over CRI-O's socket; then up again does
# nothing.
#
# CRI-O checks runtime_path on the host: the toolkit up installs lives under the root, so
# in this test's private mount namespace /usr/bin gets an overlay (the host's /usr/bin is
# never written) with /usr/bin/nvidia-container-runtime pointing into the root.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/daemons/crio-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
. "$TESTS_SRC/daemons/up-lib.sh"
crio_require
mkdir -p "$T/ovl/up" "$T/ovl/work"
if ! mount -t overlay gpuprep-usr-bin -o "lowerdir=/usr/bin,upperdir=$T/ovl/up,workdir=$T/ovl/work" /usr/bin 2>"$T/ovl.err"; then
	echo "1..0 # SKIP no overlay mount for /usr/bin in the private namespace: $(cat "$T/ovl.err")"
	exit 0
fi
at_exit "umount /usr/bin"

host_before=$(host_dpkg_state)
up_repo
root=$(up_node)
rm -rf "${root:?}/etc/containerd" "$root/run/containerd" "$root/var/run"
ln -s ../run "$root/var/run"
mkdir -p "$root/etc/crio/crio.conf.d" "$root/run/crio" "$root/etc/init.d"
ln -sfn "$root/usr/bin/nvidia-container-runtime" /usr/bin/nvidia-container-runtime
conf=$root/etc/crio/crio.conf
state=$T/crio
mkdir -p "$state"
crio_main_config "$state" | sed "s|^\[crio.runtime\]\$|[crio.runtime]\ncgroup_manager = \"cgroupfs\"\ndefault_runtime = \"runc\"|" >"$conf"
cat >>"$conf" <<TOML

[crio.runtime.runtimes.runc]
runtime_path = "$(command -v runc)"
runtime_type = "oci"
monitor_path = "/usr/bin/conmon"
monitor_cgroup = "pod"
TOML
cp "$conf" "$T/main.before"
if crio_start "$conf"; then ok "CRI-O starts on the node root's config"; else
	not_ok "CRI-O starts on the node root's config" "$(tail -20 "$state/crio.log")"
	done_testing
	exit
fi
ln -s "$CRIO_SOCK" "$root/run/crio/crio.sock"
crio_init_script "$root/etc/init.d/crio" "$conf"
G=("$GPUPREP" --root "$root")
UP=(up --runtime crio --repo-url "$URL" --keyring "$T/repo.asc" --restart-mode service)
pid0=$(cat "$state/crio.pid")

run "${G[@]}" "${UP[@]}"
expect_rc 0 "fresh node: up --runtime crio"
expect_contains "$root/etc/crio/crio.conf.d/99-nvidia.toml" 'default_runtime = "nvidia"' "up wrote the drop-in with nvidia as the default"
expect_contains "$root/etc/crio/crio.conf.d/99-nvidia.toml" 'runtime_path = "/usr/bin/nvidia-container-runtime"' "the drop-in names the toolkit's runtime"
expect_file_eq "$conf" "$T/main.before" "up leaves the main crio.conf as it was"
pid1=$(cat "$state/crio.pid")
if [ "$pid1" != "$pid0" ]; then ok "up restarted CRI-O"; else not_ok "up restarted CRI-O" "pid still $pid0"; fi
expect_contains "$T/out" "ready: crio runs the nvidia runtime" "up says the node is ready"
expect_contains "$T/out" "--remote-runtime-endpoint=unix:///var/run/crio/crio.sock --cgroupdriver=cgroupfs" \
	"the keadm join flags name CRI-O's socket and its cgroup driver"

run "${G[@]}" --json "${UP[@]}"
expect_rc 0 "ready node: up again"
printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
up_steps "$T/out" >"$T/got"
expect_file_eq "$T/got" "$T/want" "ready node: every step is already done"
expect_same "ready node: CRI-O not restarted" "$(cat "$state/crio.pid")" "$pid1"
expect_same "the host's dpkg database is untouched" "$(host_dpkg_state)" "$host_before"
done_testing
