#!/bin/bash
# `gpuprep up --offline` on the Jetson AGX Xavier fixture (JetPack 5.1, L4T R35.4, an arm64
# node by its SoC): the toolkit from an arm64 bundle made from a repository laid out like
# L4T's (dists/r35.4, signed InRelease, served on 127.0.0.1 and stopped before up runs),
# installed by real dpkg into the node's root, containerd configured and restarted (a real
# containerd on the root's socket, through its init script), then verify and preflight, with
# the Jetson's own checks (jetson-mode, the CSV files): the node ends ready, and a second up
# changes nothing. The gpuprep that runs it is the static aarch64 binary under qemu-user when
# .ci/portable built it and qemu-aarch64-static is here, else this build (said in a comment).
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/daemons/up-lib.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
containerd_require

# The gpuprep under test: the static aarch64 one under qemu-user where there is one.
PORTABLE_DIR=${GPUPREP_PORTABLE_DIR:-${BUILD_DIR:-build}/portable}
GP=("$GPUPREP")
if [ -x "$PORTABLE_DIR/gpuprep-linux-aarch64" ] && command -v qemu-aarch64-static >/dev/null; then
	GP=(qemu-aarch64-static "$PORTABLE_DIR/gpuprep-linux-aarch64")
	echo "# gpuprep: the static aarch64 binary under qemu-aarch64-static"
	run "${GP[@]}" --version
	expect_contains "$T/out" "static build for aarch64" "the static aarch64 gpuprep runs under qemu-user"
else
	echo "# gpuprep: this build ($GPUPREP); no static aarch64 binary in '$PORTABLE_DIR' or no qemu-aarch64-static"
fi

# L4T's repository: the toolkit at 1.14.2 for arm64, with the programs the real packages
# install (nvidia-container-runtime, nvidia-ctk, nvidia-container-cli) as scripts.
mk_gpg_key l4t
base=$T/srv/jetson/common
pool=$base/pool/main/n/nvidia-container-toolkit
mk_toolkit "$pool" 1.14.2 arm64
add_program "$pool/nvidia-container-toolkit-base_1.14.2-1_arm64.deb" /usr/bin/nvidia-container-runtime 'exec runc "$@"'
add_program "$pool/nvidia-container-toolkit-base_1.14.2-1_arm64.deb" /usr/bin/nvidia-ctk "exec sh '$FIXTURES/cdi/nvidia-ctk' \"\$@\""
add_program "$pool/libnvidia-container-tools_1.14.2-1_arm64.deb" /usr/bin/nvidia-container-cli 'exit 0'
mk_dists_repo "$base" r35.4 l4t
start_httpd "$T/srv"
run "${GP[@]}" bundle --arch arm64 --l4t r35.4 --repo-url "$URL/jetson/common" --keyring "$T/l4t.asc" -o "$T/l4t.tar.gz"
expect_rc 0 "bundle --arch arm64 --l4t r35.4"
stop_httpd

# The node: the Xavier fixture as a dpkg sandbox (its own os-release kept: Ubuntu 20.04), with
# up-sample's kernel state that is not the GPU's (swaps, cmdline, sysctls, the cgroup v2
# mount, PID 1) and its runtime programs (containerd, its runc shim, runc), on runc.
root=$(mktemp -d "$T/node-XXXXXX")
cp -a "$FIXTURES/nodes/jetson-agx-xavier-jp51/." "$root/"
cp "$root/etc/os-release" "$T/os-release"
mk_sandbox "$root" arm64
cp "$T/os-release" "$root/etc/os-release"
for f in proc/swaps proc/cmdline proc/sys proc/1 sys/fs etc/hostname usr/sbin/runc usr/bin/containerd \
	usr/bin/containerd-shim-runc-v2; do
	[ -e "$FIXTURES/nodes/up-sample/$f" ] || continue
	mkdir -p "$root/$(dirname "$f")"
	cp -a "$FIXTURES/nodes/up-sample/$f" "$root/$(dirname "$f")/"
done
up_containerd "$root" "the Jetson"
at_exit containerd_stop

run "${GP[@]}" --root "$root" detect --json
expect_same "detect: the Xavier is an arm64 Tegra node" \
	"$(jget "$T/out" os/arch) $(jget "$T/out" tegra/soc_family) $(jget "$T/out" tegra/l4t_release)" \
	'"arm64" "Tegra" "R35.4.1"'

run "${GP[@]}" --root "$root" --json up --runtime containerd --offline "$T/l4t.tar.gz" --keyring "$T/l4t.asc" \
	--restart-mode service
expect_rc 0 "up --offline with the arm64 L4T bundle"
up_steps "$T/out" >"$T/got"
printf '%s\n' "preflight already_done" "install done" "configure done" "restart done" "verify done" \
	"preflight-full done" >"$T/want"
expect_file_eq "$T/got" "$T/want" "every step done, the node ready"
expect_same "up --json: ok, no failed step" "$(jget "$T/out" ok) $(jget "$T/out" failed_step)" "true null"
installed_versions "$root" >"$T/got"
printf '%s 1.14.2-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit \
	nvidia-container-toolkit-base >"$T/want"
expect_file_eq "$T/got" "$T/want" "the four arm64 packages at 1.14.2-1 in the node's dpkg database"
expect_contains "$config" 'default_runtime_name = "nvidia"' "nvidia is containerd's default runtime"
[ -e "$root/dev/char" ] && [ -n "$(ls -A "$root/dev/char" 2>/dev/null)" ] &&
	not_ok "no /dev/char links on a Jetson" "$(ls -l "$root/dev/char")" || ok "no /dev/char links on a Jetson"

run "${GP[@]}" --root "$root" --json preflight
expect_rc 0 "preflight on the ready Jetson"
for c in jetson-mode toolkit runtime-live; do
	expect_same "preflight: $c passes" "$(python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["checks"]:
    if r["id"] == sys.argv[2]: print(r["status"])' "$T/out" "$c")" pass
done

up_state "$root" etc/containerd/state etc/containerd/root run var/lib/gpuprep >"$T/state1"
run "${GP[@]}" --root "$root" --json up --runtime containerd --offline "$T/l4t.tar.gz" --keyring "$T/l4t.asc" \
	--restart-mode service
expect_rc 0 "a second up"
up_steps "$T/out" >"$T/got"
printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
expect_file_eq "$T/got" "$T/want" "the second up: every step already done"
up_state "$root" etc/containerd/state etc/containerd/root run var/lib/gpuprep >"$T/state2"
expect_file_eq "$T/state2" "$T/state1" "the second up changes no file"
done_testing
