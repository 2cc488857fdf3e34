#!/bin/bash
# `gpuprep up --runtime k3s` on a fresh node root whose k3s is played by the test: a real
# containerd (Debian's 1.6) on k3s's socket path under the root
# ($root/run/k3s/containerd/containerd.sock), running the config.toml k3s renders. The
# test's init script ($root/etc/init.d/k3s, restart's `service` mode) does at each start
# what k3s does: it renders config.toml with k3s v1.29's own base template
# (tests/fixtures/k3s-templates) through Go's text/template (tests/tools/k3s-render.go),
# with the nvidia runtime once nvidia-container-runtime is installed under the root (k3s's
# runtime detection), config.yaml's (and its drop-ins') default-runtime, and the user's
# config.toml.tmpl when there is one; then it restarts containerd on it.
#
# up installs the toolkit from a signed repository on 127.0.0.1, sets default-runtime in
# config.yaml, restarts "k3s" and verifies over its socket; then up again does nothing. The
# whole test runs in a private mount namespace with a tmpfs on /run (private-run.sh).
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
. "$TESTS_SRC/daemons/up-lib.sh"
. "$TESTS_SRC/daemons/k3s-lib.sh"
containerd_require
k3s_render_require

host_before=$(host_dpkg_state)
up_repo
root=$(up_node)
rm -rf "${root:?}/etc/containerd" "$root/run/containerd" "$root/usr/bin/containerd"
kdir=$root/var/lib/rancher/k3s/agent/etc/containerd
mkdir -p "$root/usr/local/bin" "$root/run/k3s/containerd" "$root/etc/init.d" "$root/etc/rancher/k3s" "$kdir"
printf '#!/bin/sh\n' >"$root/usr/local/bin/k3s"
chmod +x "$root/usr/local/bin/k3s"
dir=$T/k

# What k3s does when it starts: render config.toml (a copy under the root, where gpuprep
# reads it), then run containerd on it.
cat >"$T/k3s-render-node" <<SH
#!/bin/bash
set -e
args=()
tmpl='$kdir/config.toml.tmpl'
[ -f "\$tmpl" ] && args+=(-user "\$tmpl")
[ -x '$root/usr/bin/nvidia-container-runtime' ] && args+=(-runtime nvidia=/usr/bin/nvidia-container-runtime)
def=\$(/usr/bin/python3 - '$root/etc/rancher/k3s/config.yaml' <<'PY'
import os, sys, yaml
base = sys.argv[1]
files = [base] if os.path.exists(base) else []
d = base + ".d"
if os.path.isdir(d):
	files += [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.lower().endswith((".yaml", ".yml"))]
v = ""
for f in files:
	for k, val in (yaml.safe_load(open(f)) or {}).items():
		if k.rstrip("+") == "default-runtime":
			v = val
print(v)
PY
)
mkdir -p '$dir'
{ '$K3S_RENDER' -base '$K3S_BASE_V2_129' -dir '$dir' -default-runtime "\$def" "\${args[@]}"
  printf '\n[grpc]\n  address = "%s"\n' '$dir/containerd.sock'; } >'$dir/config.toml.new'
mv '$dir/config.toml.new' '$dir/config.toml'
cp '$dir/config.toml' '$kdir/config.toml'
SH
chmod +x "$T/k3s-render-node"
cat >"$root/etc/init.d/k3s" <<SH
#!/bin/bash
# Test init script standing in for k3s's unit: renders containerd's config as k3s does at
# every start, and controls the test's containerd by PID.
. '$TESTS_SRC/daemons/containerd-lib.sh'
case "\${1:-}" in
start) '$T/k3s-render-node' && containerd_start '$dir/config.toml' ;;
stop) containerd_stop '$dir/config.toml' ;;
restart) containerd_stop '$dir/config.toml' && '$T/k3s-render-node' && containerd_start '$dir/config.toml' ;;
status) [ -f '$dir/containerd.pid' ] && _ctd_alive "\$(cat '$dir/containerd.pid')" ;;
*) echo "usage: \$0 start|stop|restart|status" >&2; exit 2 ;;
esac
SH
chmod +x "$root/etc/init.d/k3s"

if "$T/k3s-render-node" && containerd_start "$dir/config.toml"; then ok "containerd starts on the config k3s renders"; else
	not_ok "containerd starts on the config k3s renders" "$(tail -20 "$dir/containerd.log" 2>/dev/null)"
	done_testing
	exit
fi
ln -s "$dir/containerd.sock" "$root/run/k3s/containerd/containerd.sock"
expect_not_contains "$kdir/config.toml" nvidia "fresh node: k3s renders no nvidia runtime before the toolkit"
G=("$GPUPREP" --root "$root")
UP=(up --runtime k3s --repo-url "$URL" --keyring "$T/repo.asc" --restart-mode service)
pid0=$(cat "$dir/containerd.pid")

run "${G[@]}" "${UP[@]}"
expect_rc 0 "fresh node: up --runtime k3s"
expect_file_eq "$root/etc/rancher/k3s/config.yaml" <(echo "default-runtime: nvidia") "up set default-runtime in config.yaml"
expect_contains "$kdir/config.toml" 'default_runtime_name = "nvidia"' "k3s rendered nvidia as the default at its restart"
expect_contains "$kdir/config.toml" 'BinaryName = "/usr/bin/nvidia-container-runtime"' "k3s found the toolkit's runtime"
pid1=$(cat "$dir/containerd.pid")
if [ "$pid1" != "$pid0" ]; then ok "up restarted k3s's containerd"; else not_ok "up restarted k3s's containerd" "pid still $pid0"; fi
for l in "install         done" "configure       done" "restart         done" "verify          done"; do
	expect_contains "$T/out" "$l" "fresh: the step line '$l'"
done
expect_contains "$T/out" "ready: k3s runs the nvidia runtime" "up says the node is ready"
run "${G[@]}" --json verify --runtime k3s
expect_rc 0 "verify --runtime k3s passes after up"
expect_same "verify: the live default is nvidia" "$(check_field "$T/out" default_runtime seen)" '"nvidia"'
expect_same "verify: config.yaml's default-runtime, and where" \
	"$(check_field "$T/out" config_yaml_default_runtime status)/$(check_field "$T/out" config_yaml_default_runtime note)" \
	'"pass"/"from /etc/rancher/k3s/config.yaml:1"'

before=$(up_state "$root" run/k3s)
run "${G[@]}" --json "${UP[@]}"
expect_rc 0 "ready node: up again"
printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
up_steps "$T/out" >"$T/got"
expect_file_eq "$T/got" "$T/want" "ready node: every step is already done"
expect_same "ready node: k3s's containerd not restarted" "$(cat "$dir/containerd.pid")" "$pid1"
expect_same "ready node: no file changed (bytes and mtimes)" "$(up_state "$root" run/k3s)" "$before"
expect_same "the host's dpkg database is untouched" "$(host_dpkg_state)" "$host_before"

# With --template (k3s v1.29 reads config.toml.tmpl): the template goes through k3s's base,
# and containerd runs what comes out.
run "${G[@]}" configure --runtime k3s --template --runtime-name gpu --runtime-path /usr/bin/nvidia-container-runtime --restart --restart-mode service
expect_rc 0 "configure --template --runtime-name gpu --restart"
expect_contains "$kdir/config.toml" 'runtimes."gpu".options]' "k3s rendered the template's gpu runtime"
expect_contains "$kdir/config.toml" 'default_runtime_name = "gpu"' "gpu is the default"
run "${G[@]}" --json verify --runtime k3s --runtime-name gpu
expect_rc 0 "verify --runtime-name gpu passes"
expect_same "verify gpu: the live default" "$(check_field "$T/out" default_runtime seen)" '"gpu"'
done_testing
