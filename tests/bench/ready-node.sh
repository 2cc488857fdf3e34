# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the benchmarks that need a node that is already ready (tests/bench/up.sh,
# tests/bench/static.sh, preflight.sh), after they define $src. Sourcing it sources
# bench-lib.sh (the temp dir $T and at_exit).
#   ready_node GPUPREP   the bundled up-sample node (a T4 on the nvidia driver, the toolkit
#                        installed, containerd on runc) at $root, its containerd running on
#                        its own config.toml (the tests' harness, tests/daemons/containerd-lib.sh,
#                        on private paths under the node root), made ready by one `up` with
#                        GPUPREP; a second run must find every step "already done". Sets root,
#                        CONTAINERD_SOCK and up (the up command line).
. "$src/tests/bench/bench-lib.sh"
. "$src/tests/daemons/containerd-lib.sh"

ready_node() {
	local gpuprep=$1 config
	root=$T/node
	mkdir -p "$root"
	cp -a "$src/tests/fixtures/nodes/up-sample/." "$root/"
	rm -f "$root/run/containerd/containerd.sock"
	config=$(containerd_config_write "$root/etc/containerd" - <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
TOML
)
	containerd_start "$config"
	ln -s "$CONTAINERD_SOCK" "$root/run/containerd/containerd.sock"
	containerd_init_script "$root/etc/init.d/containerd" "$config"

	# Make it ready once (configure and restart), then check that a second run has nothing to do.
	up=("$gpuprep" --root "$root" up --runtime containerd --restart-mode service)
	"${up[@]}" >"$T/first" 2>&1 || { echo "up fails on the node:" >&2; cat "$T/first" >&2; exit 1; }
	"${up[@]}" >"$T/second" 2>&1
	if [ "$(grep -c 'already done' "$T/second")" != 6 ]; then
		echo "the node is not ready after one run:" >&2
		cat "$T/second" >&2
		exit 1
	fi
}
