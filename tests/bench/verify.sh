#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `gpuprep verify` against the clients that ask the same live daemons the same question,
# side by side with hyperfine: `docker info` (Debian's /usr/bin/docker) on a dockerd, and
# ../shared/tools/cri-status (python3-grpcio) on a containerd, both started here on private
# sockets (the tests' harnesses: dockerd in a private mount namespace). gpuprep verify does
# more than either: it also reads the config file, checks the binary, and for containerd makes
# two calls (Version and Status). A row with curl GET /info shows dockerd's own share: it runs
# every runtime's binary with --version to answer /info. Targets: verify as fast as, or faster
# than, both clients; and on containerd (issue 19) at most half of `ctr version`, containerd's
# own client making one call.
# usage: tests/bench/verify.sh [BUILD_DIR [GPUPREP]]
#        (default: build and BUILD_DIR/cmd/gpuprep; give the static binary as GPUPREP to measure
#        it the same way; needs root)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
gpuprep=$(realpath "${2:-$build/cmd/gpuprep}")
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "the daemons need root" >&2; exit 1; }
. "$src/tests/bench/bench-lib.sh"
. "$src/tests/daemons/dockerd-lib.sh"
. "$src/tests/daemons/containerd-lib.sh"
cri_status=$src/../shared/tools/cri-status

# One node root for both: its sockets lead to the daemons, its configs are theirs.
root=$T/root
mkdir -p "$root/etc/docker" "$root/run/containerd" "$root/usr/sbin"
cp /usr/sbin/runc "$root/usr/sbin/runc"
printf '{\n  "runtimes": {"nvidia": {"path": "/usr/sbin/runc"}},\n  "default-runtime": "nvidia"\n}\n' \
	>"$root/etc/docker/daemon.json"

echo "gpuprep: $gpuprep"
printf '%-12s %-34s %16s %16s %8s  %s\n' runtime "compared with" "gpuprep verify" other ratio target
compare() { # NAME OTHER_LABEL GPUPREP_CMD OTHER_CMD [FACTOR | notarget]: target verify <= FACTOR x other (1)
	hyperfine -N --warmup 10 --min-runs 100 --export-json "$T/$1.json" \
		-n verify "$3" -n other "$4" >/dev/null 2>&1
	python3 - "$T/$1.json" "$1" "$2" "${5:-}" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
v, o = r["verify"], r["other"]
vm, om = v["mean"] * 1e3, o["mean"] * 1e3
f = None if sys.argv[4] == "notarget" else float(sys.argv[4] or 1)
target = "-" if f is None else f"{'MET' if vm <= f * om else 'MISSED'} (<= {f:g}x)"
print(f"{sys.argv[2]:<12} {sys.argv[3]:<34} {vm:8.2f}±{v['stddev'] * 1e3:5.2f}ms "
      f"{om:8.2f}±{o['stddev'] * 1e3:5.2f}ms {vm / om:7.2f}x  {target}")
EOF
}

if dockerd_usable && dockerd_start "$root/etc/docker/daemon.json"; then
	ln -s "$DOCKERD_SOCK" "$root/run/docker.sock"
	if "$gpuprep" --root "$root" verify --runtime docker >"$T/out" 2>&1; then
		compare docker "docker info" "$gpuprep --root $root verify --runtime docker" \
			"$DOCKER_CLI -H unix://$DOCKERD_SOCK info"
		# The floor: dockerd's own time to answer /info (it runs each runtime's --version).
		command -v curl >/dev/null &&
			compare docker "curl GET /info (the floor)" "$gpuprep --root $root verify --runtime docker" \
				"curl -s --unix-socket $DOCKERD_SOCK http://localhost/info" notarget
	else
		printf '%-12s skipped: verify fails:\n%s\n' docker "$(cat "$T/out")"
	fi
	dockerd_stop
else
	printf '%-12s skipped: %s\n' docker "${DOCKERD_WHY:-dockerd did not start}"
fi

if command -v containerd >/dev/null && [ -f "$cri_status" ] &&
	/usr/bin/python3 -c 'import grpc' 2>/dev/null; then
	config=$(containerd_config_write "$root/etc/containerd" - <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "nvidia"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.nvidia.options]
  BinaryName = "/usr/sbin/runc"
TOML
	)
	containerd_start "$config"
	ln -s "$CONTAINERD_SOCK" "$root/run/containerd/containerd.sock"
	if "$gpuprep" --root "$root" verify --runtime containerd --runtime-path /usr/sbin/runc >"$T/out" 2>&1; then
		compare containerd "cri-status (python3-grpcio)" \
			"$gpuprep --root $root verify --runtime containerd --runtime-path /usr/sbin/runc" \
			"/usr/bin/python3 $cri_status $CONTAINERD_SOCK"
		compare containerd "ctr version (containerd's client)" \
			"$gpuprep --root $root verify --runtime containerd --runtime-path /usr/sbin/runc" \
			"ctr --address $CONTAINERD_SOCK version" 0.5
	else
		printf '%-12s skipped: verify fails:\n%s\n' containerd "$(cat "$T/out")"
	fi
	containerd_stop "$config"
else
	printf '%-12s skipped: needs containerd, %s and python3-grpcio\n' containerd "$cri_status"
fi
