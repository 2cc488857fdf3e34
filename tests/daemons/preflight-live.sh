#!/bin/bash
# gpuprep preflight against real daemons started by this test: containerd (CRI Status) and
# dockerd (Engine API), each fresh (running on the config file) and stale (the file changed
# after the daemon started), and the healthy node passing with nothing ignored.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/lib.sh" || exit 1
. "$TESTS_SRC/preflight-lib.sh" || exit 1
. "$TESTS_SRC/daemons/containerd-lib.sh" || exit 1
. "$TESTS_SRC/daemons/dockerd-lib.sh" || exit 1

HEALTHY_TOML="$FIXTURES/nodes/preflight-healthy/etc/containerd/config.toml"

# --- containerd ---------------------------------------------------------------------------
# The daemon runs on the node's own /etc/containerd/config.toml: the harness's private paths
# (root, state, sockets) first, then the node's sections. Its socket lands beside the config,
# so preflight gets --cri-socket unix:///etc/containerd/containerd.sock, under --root.
ctd_why=""
command -v containerd >/dev/null 2>&1 || ctd_why="containerd is not installed"
command -v ctr >/dev/null 2>&1 || ctd_why=${ctd_why:-"ctr is not installed"}
[ "$(id -u)" -eq 0 ] || ctd_why=${ctd_why:-"containerd needs root"}

if [ -z "$ctd_why" ]; then
	R=$(healthy)
	CT="${R:?}/etc/containerd/config.toml"
	SOCK=unix:///etc/containerd/containerd.sock
	sed '/^version/d' "$HEALTHY_TOML" | containerd_config_write "$R/etc/containerd" - >/dev/null
	if containerd_start "$CT"; then
		ok "containerd started on the healthy node's config"
		run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --cri-socket "$SOCK"
		expect_rc 0 "the healthy node with a live containerd: exit 0, nothing ignored"
		expect_not_contains "$T/out" "[ERROR" "live healthy node: no errors"
		expect_not_contains "$T/out" "[WARNING" "live healthy node: no warnings"
		expect_contains "$T/out" "[PASS] the running containerd uses 'nvidia' (/usr/bin/nvidia-container-runtime), as '$CT' says" \
			"runtime-live: fresh: pass"
		run "$GPUPREP" --root "$R" --json preflight --cgroup-driver systemd --cri-socket "$SOCK"
		if "$PY" "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/preflight.json" "$T/out" >"$T/schema.log"; then
			ok "live healthy node: --json matches the schema"
		else
			not_ok "live healthy node: --json matches the schema" "$(cat "$T/schema.log")"
		fi

		# keadm's default cgroupfs against SystemdCgroup = true.
		run "$GPUPREP" --root "$R" preflight --cri-socket "$SOCK"
		expect_rc 1 "live node, keadm's default cgroupfs"
		expect_contains "$T/out" "[ERROR cgroup-driver]: keadm join will use --cgroupdriver=cgroupfs, but containerd uses systemd (SystemdCgroup = true for runtime 'nvidia' in '$CT')" \
			"cgroupfs: the error shows both values"
		expect_contains "$T/out" "    hint: keadm join --cgroupdriver=systemd" "cgroupfs: the exact flag"
		run "$GPUPREP" --root "$R" preflight --cri-socket "$SOCK" --ignore-preflight-errors cgroup-driver
		expect_rc 0 "cgroupfs with --ignore-preflight-errors cgroup-driver"
		expect_contains "$T/out" "[WARNING cgroup-driver]: keadm join will use --cgroupdriver=cgroupfs" \
			"cgroupfs ignored: a warning"

		# Stale: the daemon restarted on runc as the default, then the file says nvidia again.
		containerd_stop "$CT"
		sed -i 's/default_runtime_name = "nvidia"/default_runtime_name = "runc"/' "$CT"
		if containerd_start "$CT"; then
			sed -i 's/default_runtime_name = "runc"/default_runtime_name = "nvidia"/' "$CT"
			run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --cri-socket "$SOCK" --checks runtime-config,runtime-live
			expect_rc 1 "runtime-live: stale containerd"
			expect_contains "$T/out" "[PASS] '$CT' makes 'nvidia' (/usr/bin/nvidia-container-runtime) the default runtime" \
				"stale: the file is right"
			expect_contains "$T/out" "[ERROR runtime-live]: restart needed: the running containerd has not loaded '$CT': default runtime runc, the file says nvidia" \
				"stale: restart needed, with both values"
			expect_contains "$T/out" "    hint: gpuprep restart --runtime containerd: the daemon still runs on the config it started with" \
				"stale: the hint"
			containerd_stop "$CT"
			if containerd_start "$CT"; then
				run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --cri-socket "$SOCK" --checks runtime-live
				expect_rc 0 "runtime-live: fresh again after a restart"
			else
				not_ok "containerd restarts on the nvidia config" "$(tail -20 "$R/etc/containerd/containerd.log")"
			fi
		else
			not_ok "containerd starts on the runc config" "$(tail -20 "$R/etc/containerd/containerd.log")"
		fi
		containerd_stop "$CT"
		run "$GPUPREP" --root "$R" preflight --cri-socket "$SOCK" --checks runtime-live
		expect_rc 0 "runtime-live: containerd stopped"
		expect_contains "$T/out" "[SKIP runtime-live]: no containerd socket" "stopped: skip, the socket is gone"

		# A deprecated default_runtime table with a runtime_type (kind's and NVIDIA's old
		# configs): containerd 1.x runs it as "default", whatever default_runtime_name says.
		cp "$CT" "$T/ct.saved"
		printf '\n[plugins."io.containerd.grpc.v1.cri".containerd.default_runtime]\n  runtime_type = "io.containerd.runc.v2"\n' >>"$CT"
		ctd_major=$("$CONTAINERD_BIN" --version | awk '{ v = $3; sub(/^v/, "", v); print int(v) }')
		if [ "$ctd_major" -ge 2 ]; then
			# containerd 2.x no longer reads the table: with it on the node (as gpuprep
			# finds it), the file and the daemon both say nvidia.
			mkdir -p "$R/usr/bin"
			ln "$(command -v "$CONTAINERD_BIN")" "$R/usr/bin/containerd" 2>/dev/null ||
				cp "$(command -v "$CONTAINERD_BIN")" "$R/usr/bin/containerd"
			if containerd_start "$CT"; then
				run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --cri-socket "$SOCK" --checks runtime-config,runtime-live
				expect_rc 0 "default_runtime table on containerd 2.x: ignored by it and by preflight"
				expect_contains "$T/out" "[PASS] the running containerd uses 'nvidia' (/usr/bin/nvidia-container-runtime)" \
					"default_runtime table on containerd 2.x: the daemon runs nvidia"
				containerd_stop "$CT"
			else
				not_ok "containerd 2.x starts with a default_runtime table" "$(tail -20 "$R/etc/containerd/containerd.log")"
			fi
			rm -f "$R/usr/bin/containerd"
		elif containerd_start "$CT"; then
			run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --cri-socket "$SOCK" --checks runtime-config,runtime-live
			expect_rc 1 "default_runtime table: preflight fails"
			expect_contains "$T/out" "[ERROR runtime-config]: the default runtime in '$CT' is 'default' (runc), not NVIDIA's" \
				"default_runtime table: runtime-config names the runtime containerd uses"
			expect_contains "$T/out" "[ERROR runtime-live]: the running containerd uses 'default' (runc), not NVIDIA's" \
				"default_runtime table: runtime-live names the runtime the daemon uses"
			run "$GPUPREP" --root "$R" --json verify --runtime containerd --socket "$SOCK"
			expect_rc 1 "default_runtime table: verify fails"
			seen=$("$PY" -c 'import json, sys
c = [c for c in json.load(open(sys.argv[1]))["checks"] if c["check"] == "default_runtime"]
print(json.dumps(c[0].get("seen")) if c else "absent")' "$T/out" 2>&1)
			if [ "$seen" = '"default"' ]; then
				ok "default_runtime table: verify's default_runtime check sees 'default'"
			else
				not_ok "default_runtime table: verify's default_runtime check sees 'default'" "got: $seen" "$(head -c 1500 "$T/out")"
			fi
			run "$GPUPREP" --root "$R" configure --runtime containerd
			expect_rc 0 "default_runtime table: configure"
			containerd_stop "$CT"
			if containerd_start "$CT"; then
				run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --cri-socket "$SOCK" --checks runtime-config,runtime-live
				expect_rc 0 "default_runtime table: after configure and a restart, preflight passes"
				expect_contains "$T/out" "[PASS] the running containerd uses 'nvidia' (/usr/bin/nvidia-container-runtime)" \
					"default_runtime table: the live containerd runs nvidia"
			else
				not_ok "containerd starts on the configured file" "$(tail -20 "$R/etc/containerd/containerd.log")"
			fi
			containerd_stop "$CT"
		else
			not_ok "containerd starts with a default_runtime table" "$(tail -20 "$R/etc/containerd/containerd.log")"
		fi
		cp "$T/ct.saved" "$CT"
	else
		not_ok "containerd started on the healthy node's config" "$(tail -20 "$R/etc/containerd/containerd.log")"
	fi
else
	skip "containerd: live preflight" "$ctd_why"
fi

# --- docker -------------------------------------------------------------------------------
# dockerd runs on the node's /etc/docker/daemon.json; its socket (in the harness's temp dir)
# is linked at the node's /run/docker.sock, where preflight looks under --root.
if dockerd_usable; then
	R=$(healthy)
	DJ="${R:?}/etc/docker/daemon.json"
	mkdir -p "$R/etc/docker"
	printf '{\n  "default-runtime": "nvidia",\n  "runtimes": {\n    "nvidia": {\n      "path": "/usr/bin/nvidia-container-runtime",\n      "runtimeArgs": []\n    }\n  }\n}\n' >"$DJ"
	ln -s "$DOCKERD_SOCK" "$R/run/docker.sock"
	if dockerd_start "$DJ"; then
		ok "dockerd started on the node's daemon.json"
		run "$GPUPREP" --root "$R" preflight --runtime docker --checks runtime-config,runtime-live
		expect_rc 0 "runtime-live: fresh dockerd"
		expect_contains "$T/out" "[PASS] the running docker uses 'nvidia' (/usr/bin/nvidia-container-runtime), as '$DJ' says" \
			"docker fresh: pass"
		# verify --after-join: KubeEdge < 1.12's edged with its own dockershim talks to
		# dockerd at dockerAddress; docker's GET /info names its cgroup driver.
		EC=$R/etc/kubeedge/config/edgecore.yaml
		mkdir -p "$R/etc/kubeedge/config"
		sed -e 's|^    dockerAddress: .*|    dockerAddress: unix:///run/docker.sock|' \
			-e 's|^    devicePluginEnabled: false|    devicePluginEnabled: true|' \
			"$FIXTURES/edgecore/v1alpha1-defaultconfig.yaml" >"$EC"
		run "$GPUPREP" --root "$R" verify --after-join
		expect_contains "$T/out" "[PASS] edgecore's endpoint 'unix:///run/docker.sock' answers: dockerd " \
			"after-join: dockerd answers on edged's dockerAddress"
		agree=0 differ=0
		for d in cgroupfs systemd; do
			sed -i "s|^    cgroupDriver: .*|    cgroupDriver: $d|" "$EC"
			run "$GPUPREP" --root "$R" verify --after-join
			grep -qF "[PASS] edgecore and the running docker both use the $d cgroup driver (as the running daemon reports it)" "$T/out" && agree=$((agree + 1))
			grep -qF "[ERROR agent-cgroup-driver]: edgecore uses the $d cgroup driver (modules.edged.cgroupDriver in '$EC'), but the running docker uses " "$T/out" && differ=$((differ + 1))
		done
		if [ "$agree" -eq 1 ] && [ "$differ" -eq 1 ]; then
			ok "after-join: edged's cgroupDriver agrees with the running dockerd's for one driver, not the other"
		else
			not_ok "after-join: edged's cgroupDriver agrees with the running dockerd's for one driver, not the other" \
				"agree $agree, differ $differ" "$(cat "$T/out")"
		fi
		rm -r "$R/etc/kubeedge"
		dockerd_stop
		printf '{\n  "log-driver": "json-file"\n}\n' >"$DJ"
		if dockerd_start "$DJ"; then
			printf '{\n  "default-runtime": "nvidia",\n  "runtimes": {\n    "nvidia": {\n      "path": "/usr/bin/nvidia-container-runtime",\n      "runtimeArgs": []\n    }\n  }\n}\n' >"$DJ"
			run "$GPUPREP" --root "$R" preflight --runtime docker --checks runtime-live
			expect_rc 1 "runtime-live: stale dockerd"
			expect_contains "$T/out" "[ERROR runtime-live]: restart needed: the running docker has not loaded '$DJ': default runtime runc, the file says nvidia; runtime nvidia is absent, the file says /usr/bin/nvidia-container-runtime" \
				"docker stale: restart needed"
			expect_contains "$T/out" "    hint: gpuprep restart --runtime docker: the daemon still runs on the config it started with" \
				"docker stale: the hint"
		else
			not_ok "dockerd starts on a plain daemon.json" "$(dockerd_log | tail -20)"
		fi
		dockerd_stop
	else
		not_ok "dockerd started on the node's daemon.json" "$(dockerd_log | tail -20)"
	fi
else
	skip "docker: live preflight" "$DOCKERD_WHY"
fi

done_testing
