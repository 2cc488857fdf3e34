#!/bin/bash
# verify and restart --runtime k3s / rke2 against a real containerd (Debian's) standing in
# for k3s's embedded one: it listens on k3s's socket path under the node root
# ($root/run/k3s/containerd/containerd.sock) and runs the config.toml k3s renders into
# $root/var/lib/rancher/k3s/agent/etc/containerd/ (pkg/agent/templates: version 2, the runc
# table, and the nvidia runtime k3s adds when it finds nvidia-container-runtime;
# default_runtime_name from config.yaml's default-runtime). restart's `service` mode runs
# $root/etc/init.d/k3s, which restarts that containerd as k3s's unit would.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
containerd_require

root=$(fixture_root sample)
rm -rf "$root/etc/containerd" "$root/run/containerd" "$root/usr/bin/containerd"
mkdir -p "$root/usr/local/bin" "$root/run/k3s/containerd" "$root/etc/init.d" "$root/etc/rancher/k3s"
printf '#!/bin/sh\n' >"$root/usr/local/bin/k3s"
chmod +x "$root/usr/local/bin/k3s"
nvidia_wrap "$root"
wrap=$T/nv/nvidia-container-runtime
mkdir -p "$T/nv" "$root$T/nv"
cp "$WRAP" "$wrap"
cp "$WRAP" "$root$wrap"

# What k3s renders, default_runtime_name = $1 (none: k3s's default, runc).
rendered() {
	if [ -n "$1" ]; then
		printf '[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n  disable_snapshot_annotations = true\n  default_runtime_name = "%s"\n\n' "$1"
	fi
	cat <<TOML
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."nvidia"]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes."nvidia".options]
  BinaryName = "$wrap"
TOML
}
# containerd runs on a short private path (unix socket paths are short); the file k3s
# renders under the root is a copy of what it runs.
dir=$T/k
kdir=$root/var/lib/rancher/k3s/agent/etc/containerd
mkdir -p "$kdir"
render() {
	config=$(rendered "$1" | containerd_config_write "$dir" -)
	cp "$config" "$kdir/config.toml"
}
render ""
if containerd_start "$config"; then ok "containerd starts on k3s's rendered config"; else
	not_ok "containerd starts on k3s's rendered config" "$(tail -20 "$dir/containerd.log")"
	done_testing
	exit
fi
ln -s "$CONTAINERD_SOCK" "$root/run/k3s/containerd/containerd.sock"
containerd_init_script "$root/etc/init.d/k3s" "$config"
G=("$GPUPREP" --root "$root")

run "${G[@]}" --json verify --runtime k3s
expect_rc 1 "before default-runtime: verify fails"
expect_same "before: the live default is runc" "$(check_field "$T/out" default_runtime seen)" '"runc"'
expect_same "before: k3s's nvidia runtime is there" "$(check_field "$T/out" runtime_binary_name seen)" "\"$wrap\""

run "${G[@]}" configure --runtime k3s
expect_rc 0 "configure --runtime k3s"
expect_file_eq "$root/etc/rancher/k3s/config.yaml" <(echo "default-runtime: nvidia") "config.yaml says default-runtime: nvidia"
# preflight reads the rendered config.toml, and says what config.yaml will render next.
run "${G[@]}" preflight --runtime k3s
expect_contains "$T/out" "the default runtime in '$root/var/lib/rancher/k3s/agent/etc/containerd/config.toml' is 'runc' (runc), not NVIDIA's; k3s's config says default-runtime: nvidia ('/etc/rancher/k3s/config.yaml':1)" \
	"configured, not restarted: preflight's runtime-config says where the next default comes from"
# k3s would render this at its next start; until then the daemon runs the old one.
render nvidia
run "${G[@]}" --json verify --runtime k3s
expect_rc 1 "stale: verify fails"
expect_same "stale: restart needed" "$(jget "$T/out" restart_needed)" true

pid0=$(cat "$dir/containerd.pid")
run "${G[@]}" restart --runtime k3s --mode service
expect_rc 0 "restart --runtime k3s through its init script"
pid1=$(cat "$dir/containerd.pid")
if [ "$pid1" != "$pid0" ]; then ok "restart: the embedded containerd has a new PID"; else not_ok "restart: new PID" "$pid0"; fi
expect_contains "$T/out" "restarted" "restart says what it did"

run "${G[@]}" --json verify --runtime k3s
expect_rc 0 "fresh: verify --runtime k3s passes"
expect_same "fresh: live default nvidia" "$(check_field "$T/out" default_runtime seen)" '"nvidia"'
expect_same "fresh: config_loaded" "$(check_field "$T/out" config_loaded status)" '"pass"'

expect_same "fresh: config.yaml's default-runtime" "$(check_field "$T/out" config_yaml_default_runtime status)/$(check_field "$T/out" config_yaml_default_runtime note)" \
	'"pass"/"from /etc/rancher/k3s/config.yaml:1"'

# A drop-in read after config.yaml that names another default: verify says where it comes from.
mkdir -p "$root/etc/rancher/k3s/config.yaml.d"
printf '# set by the image\ndefault-runtime: runc\n' >"$root/etc/rancher/k3s/config.yaml.d/90-image.yaml"
run "${G[@]}" --json verify --runtime k3s
expect_rc 1 "a drop-in overrides default-runtime: verify fails"
expect_same "drop-in: the effective value and where it comes from" \
	"$(check_field "$T/out" config_yaml_default_runtime seen)/$(check_field "$T/out" config_yaml_default_runtime note)" \
	'"runc"/"from /etc/rancher/k3s/config.yaml.d/90-image.yaml:2"'
run "${G[@]}" configure --runtime k3s
expect_file_eq "$root/etc/rancher/k3s/config.yaml.d/90-image.yaml" <(printf '# set by the image\ndefault-runtime: nvidia\n') \
	"drop-in: configure changes it there"
run "${G[@]}" verify --runtime k3s
expect_rc 0 "drop-in: verify passes once it says nvidia"

# RKE2 renders into its own directory and serves CRI on the same socket path.
rdir=$root/var/lib/rancher/rke2/agent/etc/containerd
mkdir -p "$rdir" "$root/etc/rancher/rke2"
printf 'default-runtime: nvidia\n' >"$root/etc/rancher/rke2/config.yaml"
cp "$kdir/config.toml" "$rdir/config.toml"
run "${G[@]}" verify --runtime rke2
expect_rc 0 "verify --runtime rke2 reads rke2's rendered config.toml"
run "${G[@]}" restart --runtime rke2 --mode service
expect_rc 1 "restart --runtime rke2 without an rke2 unit fails"
expect_contains "$T/err" "neither rke2-server nor rke2-agent runs here" "restart rke2: says which units it looked for"
done_testing
