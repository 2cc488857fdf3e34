#!/bin/bash
# gpuprep configure, restart, verify and preflight against a real CRI-O (1.32.13 from
# ../shared/bin, with Debian's conmon and runc), on private paths under a node root: the
# main config is $root/etc/crio/crio.conf (the test's private paths, cgroupfs, runc as the
# default), configure writes $root/etc/crio/crio.conf.d/99-nvidia.toml, the socket is found
# through $root/var/run/crio/crio.sock, and restart's `service` mode runs
# $root/etc/init.d/crio, a test init script that stops and starts the test's CRI-O by PID.
# CRI-O reads both files itself (--config, --config-dir), so what it runs is what gpuprep
# wrote.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/daemons/crio-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
crio_require

root=$(fixture_root sample)
# /var/run is /run, as on every systemd-era node.
rm -rf "$root/var/run"
ln -s ../run "$root/var/run"
mkdir -p "$root/etc/crio/crio.conf.d" "$root/run/crio" "$root/etc/init.d"
nvidia_wrap "$root"
# preflight knows NVIDIA's runtime by its name: the wrapper under that name.
wrap=$T/nv/nvidia-container-runtime
mkdir -p "$T/nv" "$root$T/nv"
cp "$WRAP" "$wrap"
cp "$WRAP" "$root$wrap"
runc=$(command -v runc)
conf=$root/etc/crio/crio.conf
state=$T/crio
mkdir -p "$state"
{
	crio_main_config "$state"
	cat <<TOML

# The node's own runtime: runc, with cgroupfs, which needs the monitor in the pod's cgroup.
[crio.runtime]
cgroup_manager = "cgroupfs"
default_runtime = "runc"

[crio.runtime.runtimes.runc]
runtime_path = "$runc"
runtime_type = "oci"
monitor_path = "/usr/bin/conmon"
monitor_cgroup = "pod"
TOML
} >"$conf"
# [crio.runtime] twice is not TOML: fold the test's keys into the first one.
python3 - "$conf" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head, sep, tail = s.partition('\n# The node')
extra = tail.split('[crio.runtime]\n', 1)[1]
keys, rest = extra.split('\n\n', 1)
head = head.replace('[crio.runtime]\n', '[crio.runtime]\n' + keys + '\n', 1)
open(p, 'w').write(head + '\n' + rest)
PY
cp "$conf" "$T/main.before"

if crio_start "$conf"; then ok "CRI-O starts on the node root's config"; else
	not_ok "CRI-O starts on the node root's config" "$(tail -20 "$state/crio.log")"
	done_testing
	exit
fi
ln -s "$CRIO_SOCK" "$root/run/crio/crio.sock"
crio_init_script "$root/etc/init.d/crio" "$conf"
G=("$GPUPREP" --root "$root")
pid_of() { cat "$state/crio.pid"; }

run "${G[@]}" verify --runtime crio
expect_rc 1 "verify before configure fails"
expect_contains "$T/out" "default_runtime" "verify names the default runtime check"
run "${G[@]}" --json verify --runtime crio
expect_same "before configure: the daemon is CRI-O 1.32.13" "$(jget "$T/out" daemon)" '"cri-o 1.32.13"'
expect_same "before configure: the live default is runc" "$(check_field "$T/out" default_runtime seen)" '"runc"'
expect_same "before configure: the file and the daemon agree" "$(check_field "$T/out" config_loaded status)" '"pass"'

run "${G[@]}" configure --runtime crio --runtime-path "$wrap"
expect_rc 0 "configure --runtime crio"
cat >"$T/want.toml" <<TOML
# Written by gpuprep configure --runtime crio: the nvidia runtime for CRI-O.
# gpuprep undo puts back what was here before.

[crio.runtime]
default_runtime = "nvidia"

[crio.runtime.runtimes.nvidia]
runtime_path = "$wrap"
runtime_type = "oci"
monitor_path = "/usr/bin/conmon"
monitor_cgroup = "pod"
TOML
expect_file_eq "$root/etc/crio/crio.conf.d/99-nvidia.toml" "$T/want.toml" \
	"configure writes the drop-in: runtime, default, conmon from runc's table, pod cgroup for cgroupfs"
expect_file_eq "$conf" "$T/main.before" "configure leaves the main crio.conf as it was"
cp "$root/etc/crio/crio.conf.d/99-nvidia.toml" "$T/dropin.good"

# Stale: the files say nvidia, the running CRI-O still runs runc.
run "${G[@]}" --json verify --runtime crio
expect_rc 1 "verify after configure, before restart, fails"
expect_same "stale: restart_needed" "$(jget "$T/out" restart_needed)" true
note=$(check_field "$T/out" config_loaded note)
case $note in *"restart needed"*) ok "stale: config_loaded says restart needed" ;;
*) not_ok "stale: config_loaded says restart needed" "$note" ;; esac
case $(check_field "$T/out" default_runtime note) in *"restart needed"*) ok "stale: default_runtime says restart needed" ;;
*) not_ok "stale: default_runtime says restart needed" "$(check_field "$T/out" default_runtime note)" ;; esac

run "${G[@]}" preflight --runtime crio --checks runtime-live
expect_rc 1 "preflight runtime-live on a stale CRI-O fails"
expect_contains "$T/out" "restart needed" "preflight runtime-live: restart needed"

pid0=$(pid_of)
run "${G[@]}" restart --runtime crio --mode service
expect_rc 0 "restart --runtime crio --mode service"
pid1=$(pid_of)
if [ "$pid1" != "$pid0" ]; then ok "restart: CRI-O has a new PID"; else not_ok "restart: CRI-O has a new PID" "still $pid0"; fi

run "${G[@]}" --json verify --runtime crio
expect_rc 0 "fresh: verify passes after restart"
expect_same "fresh: live default is nvidia" "$(check_field "$T/out" default_runtime seen)" '"nvidia"'
expect_same "fresh: live runtime_path is the wrapper" "$(check_field "$T/out" runtime_path seen)" "\"$wrap\""
expect_same "fresh: config_loaded" "$(check_field "$T/out" config_loaded status)" '"pass"'
live=$(curl -s --unix-socket "$CRIO_SOCK" http://crio/config)
case $live in *'default_runtime = "nvidia"'*) ok "CRI-O's own GET /config says nvidia" ;;
*) not_ok "CRI-O's own GET /config says nvidia" "$(printf '%s\n' "$live" | grep default_runtime)" ;; esac

run "${G[@]}" preflight --runtime crio --checks runtime-live,cri-socket,cgroup-driver --cgroup-driver cgroupfs
expect_rc 0 "preflight runtime-live, cri-socket and cgroup-driver pass on the restarted CRI-O"
run "${G[@]}" preflight --runtime crio --checks cgroup-driver --cgroup-driver systemd
expect_rc 1 "preflight cgroup-driver: CRI-O's cgroupfs against keadm's systemd fails"

# verify --after-join with edgecore on CRI-O's socket: the CRI answers there, and CRI-O's own
# GET /info names the cgroup driver it runs with.
EC=$root/etc/kubeedge/config/edgecore.yaml
mkdir -p "$root/etc/kubeedge/config"
sed -e 's|^      containerRuntimeEndpoint: .*|      containerRuntimeEndpoint: unix:///var/run/crio/crio.sock|' \
	-e 's|^      cgroupDriver: systemd|      cgroupDriver: cgroupfs|' \
	"$FIXTURES/edgecore/v1alpha2-kubeedge-1.22-install.yaml" >"$EC"
run "${G[@]}" verify --after-join
expect_contains "$T/out" "[PASS] edgecore's endpoint 'unix:///var/run/crio/crio.sock' answers: cri-o 1.32.13" \
	"after-join: CRI-O answers on edgecore's endpoint"
expect_contains "$T/out" "[PASS] edgecore and the running crio both use the cgroupfs cgroup driver (GET /info: cgroup_driver \"cgroupfs\")" \
	"after-join: the cgroup driver from CRI-O's GET /info"
sed -i 's|^      cgroupDriver: cgroupfs|      cgroupDriver: systemd|' "$EC"
run "${G[@]}" verify --after-join
expect_rc 1 "after-join: edgecore's systemd against CRI-O's cgroupfs"
expect_contains "$T/out" "[ERROR agent-cgroup-driver]: edgecore uses the systemd cgroup driver (modules.edged.tailoredKubeletConfig.cgroupDriver in '$EC'), but the running crio uses cgroupfs (GET /info: cgroup_driver \"cgroupfs\")" \
	"after-join: the mismatch names CRI-O's answer"
rm -r "$root/etc/kubeedge"

# A second configure changes nothing.
run "${G[@]}" configure --runtime crio --runtime-path "$wrap"
expect_rc 0 "configure again"
expect_contains "$T/out" "already configured" "configure again changes nothing"

# Rollback: a runtime_path CRI-O refuses ("invalid runtime_path") keeps it from starting.
run "${G[@]}" configure --runtime crio --runtime-path /nonexistent/nvidia-container-runtime
expect_rc 0 "configure with a missing runtime binary (a warning)"
expect_contains "$T/err" "is not installed" "configure warns that CRI-O will refuse it"
run "${G[@]}" --json restart --runtime crio --mode service --timeout 15
expect_rc 1 "rollback: restart fails when CRI-O does not start"
expect_same "rollback: rolled back" "$(jget "$T/out" rolled_back)" true
expect_file_eq "$root/etc/crio/crio.conf.d/99-nvidia.toml" "$T/dropin.good" "rollback: the drop-in is the one that worked"
run "${G[@]}" verify --runtime crio
expect_rc 0 "rollback: CRI-O runs again, on the restored config"

# undo: the drop-in goes, the main file stays.
run "${G[@]}" undo
run "${G[@]}" undo
if [ ! -e "$root/etc/crio/crio.conf.d/99-nvidia.toml" ]; then ok "undo removes the drop-in configure created"; else
	not_ok "undo removes the drop-in configure created" "$(cat "$root/etc/crio/crio.conf.d/99-nvidia.toml")"; fi
expect_file_eq "$conf" "$T/main.before" "the main crio.conf is never written"
done_testing
