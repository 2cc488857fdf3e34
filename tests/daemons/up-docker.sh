#!/bin/bash
# `gpuprep up` with a real dockerd 20.10 (Debian's, in a private mount namespace from
# dockerd-lib.sh) and real apt/dpkg from a loopback repository: a fresh node (GPU, driver,
# no toolkit, dockerd on runc) to ready, then a second run that changes nothing (every
# file's mtime and bytes, dockerd's PID). dockerd's socket is linked at $root/run/docker.sock
# and restart's `service` mode runs $root/etc/init.d/docker (dockerd_init_script).
# Docker Engine speaks no CRI: keadm needs cri-dockerd, which this machine does not run, so
# the final preflight ignores cri-socket, and the keadm flags name cri-dockerd's socket.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/daemons/dockerd-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
. "$TESTS_SRC/daemons/up-lib.sh"

if ! dockerd_usable; then
	skip "up against dockerd" "$DOCKERD_WHY"
	done_testing
	exit
fi
live_pid() { cat "$T/dockerd.init-pid" 2>/dev/null; }

host_before=$(host_dpkg_state)
up_repo
root=$(up_node)
mkdir -p "$root/etc/docker" "$root/etc/init.d" "$root/run"
CFG=$root/etc/docker/daemon.json
printf '{\n  "max-concurrent-downloads": 4\n}\n' >"$CFG"
if dockerd_start "$CFG"; then ok "dockerd starts on the node's daemon.json"; else
	not_ok "dockerd starts on the node's daemon.json" "$(dockerd_log | tail -20)"
	done_testing
	exit
fi
ln -s "$DOCKERD_SOCK" "$root/run/docker.sock"
dockerd_init_script "$root/etc/init.d/docker" "$CFG"
at_exit "'$root/etc/init.d/docker' stop"
G=("$GPUPREP" --root "$root")
UP=(up --runtime docker --repo-url "$URL" --keyring "$T/repo.asc" --ignore-preflight-errors cri-socket)

run "${G[@]}" "${UP[@]}"
expect_rc 0 "fresh node: up --runtime docker"
printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "fresh: the toolkit 1.17.8-1 is installed"
for l in "preflight       already done" "install         done" "configure       done" \
	"restart         done" "verify          done" "preflight-full  done"; do
	expect_contains "$T/out" "$l" "fresh: the step line '$l'"
done
expect_same "fresh: dockerd runs nvidia as its default runtime" \
	"$(dockerd_docker info --format '{{json .DefaultRuntime}}' 2>/dev/null)" '"nvidia"'
expect_contains "$T/out" "[WARNING cri-socket]" "fresh: the ignored cri-socket error is a warning"
expect_contains "$T/out" "ready: docker runs the nvidia runtime" "fresh: ready"
if [ "$(tail -1 "$T/out")" = "  --remote-runtime-endpoint=unix:///run/cri-dockerd.sock --cgroupdriver=cgroupfs" ]; then
	ok "fresh: the keadm flags name cri-dockerd's socket, last"
else not_ok "fresh: the keadm flags name cri-dockerd's socket, last" "$(tail -3 "$T/out")"; fi

pid=$(live_pid)
before=$(up_state "$root")
run "${G[@]}" --json "${UP[@]}"
expect_rc 0 "ready node: up again"
printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
up_steps "$T/out" >"$T/got"
expect_file_eq "$T/got" "$T/want" "ready node: every step is already done"
if [ "$before" = "$(up_state "$root")" ]; then ok "ready node: no file written (mtimes and bytes)"; else
	not_ok "ready node: no file written (mtimes and bytes)" "$(diff <(echo "$before") <(up_state "$root") | head -20)"
fi
expect_same "ready node: dockerd not restarted (same PID)" "$(live_pid)" "$pid"
if python3 "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/up.json" "$T/out" >"$T/schema.log"; then
	ok "ready node: --json matches the schema"
else not_ok "ready node: --json matches the schema" "$(cat "$T/schema.log")"; fi

if [ "$host_before" = "$(host_dpkg_state)" ]; then ok "the host's dpkg database is untouched"; else not_ok "the host's dpkg database is untouched"; fi
done_testing
