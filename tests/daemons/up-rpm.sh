#!/bin/bash
# `gpuprep up` on an rpm-family node (the up-sample GPU and driver state, Rocky 9 os-release,
# its own rpmdb) with a real containerd: online through Debian's real dnf from a signed yum
# repository on 127.0.0.1 (fresh to ready, then a no-op), and --offline from an rpm bundle.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/install/rpm-lib.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
. "$TESTS_SRC/daemons/up-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
containerd_require
rpm_tools_or_skip "up on an rpm node" createrepo_c dnf
case $(uname -m) in
x86_64) ;;
*)
	skip "up on an rpm node" "the fixture repository is built for x86_64 nodes here"
	done_testing
	exit 0
	;;
esac
mk_gpg_key repo
rpm_repo "$T/repo" repo x86_64
start_httpd "$T/repo"
at_exit rpm_stop_agents "$T"
run "$GPUPREP" --json bundle --format rpm --arch x86_64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/rpm-bundle.tar.gz"
expect_rc 0 "the rpm bundle is made"
expect_same "bundle --json: an rpm bundle of four packages" \
	"$(jget "$T/out" manifest/package_family) $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["manifest"]["packages"]))' "$T/out")" '"rpm" 4'

# fresh_node NAME: the up-sample node as a Rocky 9 system with its rpmdb, containerd on runc.
fresh_node() {
	root=$(mktemp -d "$T/node-XXXXXX")
	cp -a "$FIXTURES/nodes/up-sample/." "$root/"
	rm -rf "${root:?}/var/lib/dpkg" "$root/usr/bin/nvidia-"* "$root/etc/init.d/containerd" \
		"$root/run/containerd/containerd.sock"
	rpm_root "$root"
	up_containerd "$root" "$1"
}
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
steps() {
	python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["steps"]:
    print(s["step"], s["status"])' "$1"
}

# --- online, through dnf ---------------------------------------------------------------------
fresh_node online
run "$GPUPREP" --root "$root" --json up --runtime containerd --repo-url "$URL" --keyring "$T/repo.asc" --restart-mode service
expect_rc 0 "online: up on the Rocky 9 node"
steps "$T/out" >"$T/got"
printf '%s\n' "preflight already_done" "install done" "configure done" "restart done" "verify done" "preflight-full done" >"$T/want"
expect_file_eq "$T/got" "$T/want" "online: every step done"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "online: the toolkit 1.17.8-1 in the node's rpmdb (through dnf)"
expect_contains "$root/etc/yum.repos.d/nvidia-container-toolkit.repo" "repo_gpgcheck=1" "online: the yum repo file"
expect_contains "$config" 'default_runtime_name = "nvidia"' "online: nvidia is containerd's default runtime"
run "$GPUPREP" --root "$root" --json up --runtime containerd --repo-url "$URL" --keyring "$T/repo.asc" --restart-mode service
expect_rc 0 "online: a second up"
steps "$T/out" >"$T/got"
printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
expect_file_eq "$T/got" "$T/want" "online: the second up changes nothing"
containerd_stop

# --- offline, from an rpm bundle ---------------------------------------------------------------
fresh_node offline
stop_httpd
run "$GPUPREP" --root "$root" --json up --runtime containerd --offline "$T/rpm-bundle.tar.gz" --keyring "$T/repo.asc" --restart-mode service
expect_rc 0 "offline: up from the rpm bundle"
steps "$T/out" >"$T/got"
printf '%s\n' "preflight already_done" "install done" "configure done" "restart done" "verify done" "preflight-full done" >"$T/want"
expect_file_eq "$T/got" "$T/want" "offline: every step done"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "offline: the toolkit 1.17.8-1 (one rpm -Uvh)"
containerd_stop
done_testing
