#!/bin/bash
# Docker Engine older than 19.03 (Docker CE 18.09, API 1.39): the runtime route gpuprep
# configures works there, `docker run --gpus` does not. configure, preflight (runtime-version)
# and verify say so, reading the version from the running daemon (GET /info, replayed from a
# real 18.09.6 daemon's answers by tests/tools/dockerreplay.py on a private unix socket; see
# tests/fixtures/api/docker-18.09.6/SOURCES) or from the package database under --root
# (dpkg's status file; rpm -q on an rpm root).
. "$TESTS_SRC/lib.sh"

API="$FIXTURES/api/docker-18.09.6"
UBUNTU_OS="$FIXTURES/nodes/jetson-nano-jp46/etc/os-release" # Ubuntu 18.04.6, as 18.09 ran on
CFG=etc/docker/daemon.json
WARN1903="older than 19.03, it has no docker run --gpus: containers get GPUs only through NVIDIA's runtime, every container when it is the default runtime (as gpuprep configure sets it) or those run with --runtime=nvidia, and NVIDIA_VISIBLE_DEVICES picks the GPUs"
HINT1903="Kubernetes and KubeEdge need nothing more (the device plugin sets NVIDIA_VISIBLE_DEVICES); for docker run --gpus, upgrade Docker Engine to 19.03 or later"

# deb_root NAME PACKAGE VERSION: an Ubuntu 18.04 root whose dpkg database has Docker at VERSION
# (docker-ce's own version strings carry an epoch: 5:18.09.6~3-0~ubuntu-bionic).
deb_root() {
	root=$T/$1
	mkdir -p "$root/etc/docker" "$root/var/lib/dpkg" "$root/usr/bin"
	cp "$UBUNTU_OS" "$root/etc/os-release"
	if [ -n "$2" ]; then
		printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nSection: admin\nMaintainer: Docker <support@docker.com>\nArchitecture: amd64\nVersion: %s\nDescription: Docker: the open-source application container engine\n\n' \
			"$2" "$3" >"$root/var/lib/dpkg/status"
	else
		: >"$root/var/lib/dpkg/status"
	fi
	printf '#!/bin/sh\nexec runc "$@"\n' >"$root/usr/bin/nvidia-container-runtime"
	chmod 755 "$root/usr/bin/nvidia-container-runtime"
}

# replay ROOT [INFO]: the recorded 18.09.6 daemon on ROOT/run/docker.sock (the docker socket
# gpuprep asks under --root), stopped by its PID when the test ends. The log is emptied here,
# before the fork: the child's own `>` runs later, and until it does the readiness loop would
# read the previous server's "ready".
replay() {
	mkdir -p "$1/run"
	: >"$T/replay.out"
	python3 "$TESTS_SRC/tools/dockerreplay.py" "$1/run/docker.sock" "$API" "${2:-info.json}" >"$T/replay.out" 2>&1 &
	REPLAY_PID=$!
	at_exit "kill $REPLAY_PID 2>/dev/null; wait $REPLAY_PID 2>/dev/null"
	for _ in $(seq 100); do
		[ -S "$1/run/docker.sock" ] && grep -q ready "$T/replay.out" && return 0
		sleep 0.05
	done
	return 1
}
# stop_replay ROOT: SIGTERM ends the server before its cleanup; its socket goes here.
stop_replay() {
	kill "$REPLAY_PID" 2>/dev/null
	wait "$REPLAY_PID" 2>/dev/null
	rm -f "$1/run/docker.sock"
}

# --- configure: the package database says 18.09 -------------------------------------------------
deb_root ce1809 docker-ce 5:18.09.6~3-0~ubuntu-bionic
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "configure: Docker CE 18.09 (dpkg)"
printf '{\n  "default-runtime": "nvidia",\n  "runtimes": {\n    "nvidia": {\n      "args": [],\n      "path": "nvidia-container-runtime"\n    }\n  }\n}\n' >"$T/want.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["default-runtime"], d["runtimes"]["nvidia"]["path"])' "$root/$CFG" >"$T/got"
echo "nvidia nvidia-container-runtime" >"$T/want"
expect_file_eq "$T/got" "$T/want" "configure: 18.09 gets the runtime route (runtimes.nvidia, default-runtime nvidia)"
expect_contains "$T/err" "warning: this node's dockerd is 18.09, older than 19.03: it has no docker run --gpus; the nvidia runtime configured here works with it" \
	"configure: 18.09: says --gpus is missing and the runtime route works"
root_1809=$root
deb_root ce1809-cdi docker-ce 5:18.09.6~3-0~ubuntu-bionic
run "$GPUPREP" --root "$root" configure --runtime docker --cdi
expect_rc 0 "configure --cdi: Docker CE 18.09"
expect_contains "$T/err" "\"features\": {\"cdi\": true} needs Docker >= 25.0, and this node's dockerd is 18.09: it ignores it" \
	"configure --cdi: 18.09 ignores features.cdi"
deb_root io2010 docker.io 20.10.24+dfsg1-1+deb12u1
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "configure: docker.io 20.10"
expect_not_contains "$T/err" "19.03" "configure: 20.10: nothing about 19.03"
deb_root none ""
run "$GPUPREP" --root "$root" configure --runtime docker
expect_not_contains "$T/err" "19.03" "configure: no Docker package, no dockerd: nothing said"

# --- preflight runtime-version --------------------------------------------------------------
root=$root_1809
run "$GPUPREP" --root "$root" preflight --runtime docker --checks runtime-version
expect_rc 0 "preflight: 18.09 from dpkg: a warning, exit 0"
printf '[WARNING runtime-version]: dockerd 5:18.09.6~3-0~ubuntu-bionic (package docker-ce (dpkg)): %s\n    hint: %s\n' \
	"$WARN1903" "$HINT1903" >"$T/want"
head -2 "$T/out" >"$T/got"
expect_file_eq "$T/got" "$T/want" "preflight: 18.09 from dpkg: what is missing, what works, the hint"
deb_root pf2010 docker.io 20.10.24+dfsg1-1+deb12u1
run "$GPUPREP" --root "$root" preflight --runtime docker --checks runtime-version
expect_rc 0 "preflight: 20.10 from dpkg"
expect_contains "$T/out" "[PASS] dockerd 20.10.24+dfsg1-1+deb12u1 (package docker.io (dpkg)): docker run --gpus (19.03 and later) and NVIDIA's runtime both work" \
	"preflight: 20.10: pass"
deb_root pfnone ""
run "$GPUPREP" --root "$root" preflight --runtime docker --checks runtime-version
expect_contains "$T/out" "[SKIP runtime-version]: cannot tell the docker version" "preflight: nothing says: a skip"
run "$GPUPREP" --root "$root" preflight --runtime containerd --checks runtime-version
expect_contains "$T/out" "[SKIP runtime-version]: gpuprep knows no containerd release that takes NVIDIA's runtime differently" \
	"preflight: containerd: a skip"

# The running daemon wins over the package database: 18.09.6 answers, dpkg says 20.10.
root=$T/pf2010
if replay "$root"; then
	ok "the recorded 18.09.6 daemon listens on '$root/run/docker.sock'"
	run "$GPUPREP" --root "$root" preflight --runtime docker --checks runtime-version
	expect_rc 0 "preflight: live 18.09.6: exit 0"
	expect_contains "$T/out" "[WARNING runtime-version]: dockerd 18.09.6 (the running daemon on '$root/run/docker.sock'): $WARN1903" \
		"preflight: live 18.09.6: read from GET /info, over the package's 20.10"
	run "$GPUPREP" --root "$root" --json preflight --runtime docker --checks runtime-version
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["checks"][0]; print(r["id"], r["status"], r["hint"] is not None)' "$T/out" >"$T/got"
	echo "runtime-version warn True" >"$T/want"
	expect_file_eq "$T/got" "$T/want" "preflight --json: runtime-version warn, with a hint"

	# --- verify against it: the file's runtime (configured above) is the live default ----
	mkdir -p "$root/etc/docker"
	cp "$root_1809/$CFG" "$root/$CFG"
	stop_replay "$root"
	replay "$root" info-nvidia.json || not_ok "the recorded daemon restarts with nvidia as its default" "$(cat "$T/replay.out")"
	run "$GPUPREP" --root "$root" verify --runtime docker
	expect_rc 0 "verify: 18.09.6 with nvidia as its default: exit 0"
	expect_contains "$T/out" "daemon           pass    answers on '$root/run/docker.sock'  dockerd 18.09.6" "verify: the daemon row"
	grep -E "^version +pass +NVIDIA's runtime route +18\.09\.6$" "$T/out" >/dev/null &&
		ok "verify: a version row: pass, 18.09.6" || not_ok "verify: a version row: pass, 18.09.6" "$(cat "$T/out")"
	expect_contains "$T/out" "version: $WARN1903; $HINT1903" "verify: the version row says what 18.09 lacks"
	grep -E "^default_runtime +pass +nvidia +nvidia$" "$T/out" >/dev/null &&
		ok "verify: default_runtime nvidia, as 18.09 reports it" || not_ok "verify: default_runtime nvidia" "$(cat "$T/out")"
	run "$GPUPREP" --root "$root" --json verify --runtime docker
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ok"], [(c["check"], c["status"], c["seen"]) for c in d["checks"] if c["check"] == "version"])' "$T/out" >"$T/got"
	echo "True [('version', 'pass', '18.09.6')]" >"$T/want"
	expect_file_eq "$T/got" "$T/want" "verify --json: ok, and the version check"

	# The daemon as recorded, before configure: runc is its default.
	stop_replay "$root"
	replay "$root" info.json || not_ok "the recorded daemon restarts with runc as its default" "$(cat "$T/replay.out")"
	run "$GPUPREP" --root "$root" verify --runtime docker
	expect_rc 1 "verify: 18.09.6 still on runc: exit 1"
	grep -E "^default_runtime +fail +nvidia +runc$" "$T/out" >/dev/null &&
		ok "verify: runc is the default: the failure" || not_ok "verify: runc is the default: the failure" "$(cat "$T/out")"
	expect_contains "$T/out" "version: $WARN1903" "verify: the version row is there too"
	stop_replay "$root"
else
	not_ok "the recorded 18.09.6 daemon listens" "$(cat "$T/replay.out")"
fi

# --- an rpm node: CentOS 7's Docker CE 18.09 in its rpm database ----------------------------
if command -v rpmbuild >/dev/null && command -v rpm >/dev/null; then
	root=$T/centos7
	mkdir -p "$root/etc/docker" "$T/rpmbuild"
	cp -a "$FIXTURES/nodes/centos7/." "$root/"
	printf 'Name: docker-ce\nVersion: 18.09.6\nRelease: 3.el7\nEpoch: 3\nSummary: t\nLicense: ASL 2.0\nBuildArch: noarch\n%%description\nt\n%%files\n' >"$T/docker-ce.spec"
	rpmbuild -bb --quiet --define "_topdir $T/rpmbuild" "$T/docker-ce.spec" >/dev/null 2>&1
	rpm --root "$root" --dbpath /var/lib/rpm --initdb 2>/dev/null
	rpm --root "$root" --dbpath /var/lib/rpm -i --justdb --nodeps --quiet "$T"/rpmbuild/RPMS/noarch/docker-ce-18.09.6-3.el7.noarch.rpm 2>/dev/null
	run "$GPUPREP" --root "$root" preflight --runtime docker --checks runtime-version
	expect_contains "$T/out" "[WARNING runtime-version]: dockerd 3:18.09.6-3.el7 (package docker-ce (rpm)): older than 19.03" \
		"rpm node: 18.09 read with rpm -q from /var/lib/rpm"
	run "$GPUPREP" --root "$root" configure --runtime docker
	expect_contains "$T/err" "this node's dockerd is 18.09, older than 19.03" "rpm node: configure says it too"
else
	skip "rpm node: Docker CE 18.09 in the rpm database" "rpm or rpmbuild is not installed (Debian package rpm)"
fi
done_testing
