#!/bin/bash
# gpuprep manifest ansible, run by real Ansible (Debian's ansible-core) on an inventory of 8
# hosts. Every host is ansible_connection=local with its own --root fixture node (the host
# variable gpuprep_root) and its own gpuprep_bin, so the playbook's arch choice, copy, up,
# gather, diff and changed/failed logic all run for real, with forks.
#
# Two ways, one script:
#   - here (suite integration), no daemon runs: every host has gpuprep_restart_mode=none, so
#     up configures the runtime and leaves the restart to the operator; its verify steps are
#     skipped and every host ends "pending" (the totals of `gpuprep report` say so). This
#     way also runs a broken node, --check and --diff;
#   - tests/daemons/ansible-live.sh (suite daemons) sets FLEET_LIVE=1: each host gets its
#     own live runtime on its root's socket path -- a real containerd (containerd-lib.sh)
#     or a real dockerd in its own mount namespace (dockerd-lib.sh) -- and an init script at
#     $root/etc/init.d/RUNTIME, which up's restart runs (the default --restart-mode auto
#     picks it under --root). Every host ends "ready": restarted on the new config and
#     verified against the running daemon. The second run restarts nothing (same PIDs).
#     Docker hosts ignore up's cri-socket check (gpuprep_ignore_preflight_errors): keadm
#     reaches Docker through cri-dockerd, which does not run here.
# Each play's time is printed as a TAP comment, and the whole script's at the end.
#
# The nodes (name root runtime arch):
#   h1      up-sample (dpkg), containerd
#   h2      an rpm-family node: up-sample's GPU and driver as Rocky 9 with its own rpmdb, the
#           toolkit installed in it by rpm from fixture rpms (tests/install/rpm-lib.sh);
#           without rpm/rpmbuild it is up-sample again, and a skip says so
#   h3      the air-gapped path, the playbook's default: up-sample without the toolkit (a
#           dpkg sandbox, tests/daemons/up-lib.sh's up_node), containerd, gpuprep_online=false:
#           the playbook copies the controller's bundle (`gpuprep bundle` from a signed
#           repository on 127.0.0.1, whose server is stopped before any play) to the host,
#           and up --offline installs the toolkit from it with real dpkg; without dpkg-deb,
#           gpg or apt-ftparchive it is up-sample online, and a skip says so
#   h4      t4-a100 with preflight-healthy, containerd
#   h5      up-sample, docker;   h6  t4-a100 with preflight-healthy, docker
#   h7, h8  the Jetson Xavier NX (preflight-jetson over it; the toolkit 1.14.2-1 and the
#           runtime's CSV config, see jetson_node), docker and containerd, with
#           gpuprep_arch=aarch64 in the
#           inventory: the playbook copies gpuprep-linux-aarch64 to them, not the x86_64
#           binary their (local) facts would pick. That is the static aarch64 build of
#           .ci/portable when it exists: run directly when binfmt_misc has qemu-aarch64
#           registered, else through qemu-aarch64-static by a two-line wrapper; without the
#           static build or qemu, a wrapper that runs this build stands in, and a skip says
#           the aarch64 binary did not run.
# The toolkit is already installed in the other fixture nodes, and they use the online path
# (gpuprep_online=true) with no repository reachable, so nothing is downloaded.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/preflight-lib.sh"
. "$TESTS_SRC/portable/portable-lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
LIVE=${FLEET_LIVE:-}
HOSTS="h1 h2 h3 h4 h5 h6 h7 h8"
started=$(date +%s)

if ! command -v ansible-playbook >/dev/null; then
	skip "the playbook with real Ansible" "ansible-playbook is not installed (Debian: ansible-core, in .ci/packages)"
	done_testing
	exit 0
fi
if [ -n "$LIVE" ]; then
	. "$TESTS_SRC/daemons/containerd-lib.sh"
	. "$TESTS_SRC/daemons/dockerd-lib.sh"
	. "$TESTS_SRC/daemons/live-lib.sh" # its jget, which indexes arrays too
	containerd_require
	if ! dockerd_usable; then
		skip "the playbook on hosts with live runtimes" "$DOCKERD_WHY"
		done_testing
		exit 0
	fi
fi
APY=/usr/bin/python3
export ANSIBLE_HOME="$T/ansible-home" ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" \
	ANSIBLE_REMOTE_TEMP="$T/ansible-tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_PYTHON_INTERPRETER=$APY ANSIBLE_STDOUT_CALLBACK=default \
	ANSIBLE_CALLBACK_RESULT_FORMAT=json ANSIBLE_DEPRECATION_WARNINGS=0 \
	ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_PIPELINING=1

# The playbook, as gpuprep prints it and as a role layout.
P=$T/play
run "$GPUPREP" manifest ansible
expect_rc 0 "manifest ansible prints the playbook"
mkdir -p "$P/files"
cp "$T/out" "$P/playbook.yml"
run "$GPUPREP" manifest ansible -o "$T/role"
expect_rc 0 "manifest ansible -o DIR"
if [ -z "$LIVE" ]; then
	for f in site.yml roles/gpuprep/defaults/main.yml roles/gpuprep/tasks/main.yml; do
		[ -s "$T/role/$f" ] && ok "-o DIR wrote $f" || not_ok "-o DIR wrote $f"
	done
	run ansible-playbook --syntax-check -i localhost, "$T/role/site.yml"
	expect_rc 0 "the role layout passes ansible-playbook --syntax-check"
	run ansible-playbook --syntax-check -i localhost, "$P/playbook.yml"
	expect_rc 0 "the playbook passes ansible-playbook --syntax-check"
fi

# The binaries on the controller: this build as gpuprep-linux-x86_64, and for aarch64 the
# static build (see above). AARCH64 says what gpuprep-linux-aarch64 is.
cp "$GPUPREP" "$P/files/gpuprep-linux-x86_64"
A64="$PORTABLE_DIR/gpuprep-linux-aarch64"
QEMU=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -x "$A64" ] && grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
	cp "$A64" "$P/files/gpuprep-linux-aarch64"
	AARCH64=binfmt
elif [ -x "$A64" ] && [ -n "$QEMU" ]; then
	cp "$A64" "$T/gpuprep-aarch64.real"
	printf '#!/bin/sh\n# the static aarch64 gpuprep under qemu-user (no binfmt_misc entry here)\nexec %s %s "$@"\n' \
		"$QEMU" "$T/gpuprep-aarch64.real" >"$P/files/gpuprep-linux-aarch64"
	AARCH64=qemu
else
	printf '#!/bin/sh\n# a stand-in for the static aarch64 gpuprep, which is not built here\nexec %s "$@"\n' \
		"$GPUPREP" >"$P/files/gpuprep-linux-aarch64"
	AARCH64=none
fi
chmod 755 "$P/files/gpuprep-linux-aarch64"
mkdir -p "$T/role/files"
cp -p "$P"/files/gpuprep-linux-* "$T/role/files/"

# jetson_node: the Xavier NX (L4T R35.4.1) with preflight-jetson over it; its dpkg database
# has the four toolkit packages at one version, 1.14.2-1 (a Jetson needs 1.11 or newer, for
# CSV mode), nvidia-ctk is in /usr/bin, as the toolkit-base package ships it, and the
# runtime's config and CSV files are those of the AGX Xavier fixture (the same L4T release
# and SoC).
jetson_node() {
	local r
	r=$(node jetson-xavier-nx preflight-jetson)
	"$APY" - "$r/var/lib/dpkg/status" <<'PY'
import sys
p = sys.argv[1]
text = open(p).read().replace("Version: 1.10.0-1\n", "Version: 1.14.2-1\n")
text += ("\nPackage: nvidia-container-toolkit-base\nStatus: install ok installed\n"
         "Priority: optional\nSection: utils\nMaintainer: NVIDIA CORPORATION\n"
         "Architecture: arm64\nVersion: 1.14.2-1\nDescription: NVIDIA Container Toolkit Base\n")
open(p, "w").write(text.replace("\n\n\n", "\n\n"))
PY
	cp -a "$FIXTURES/nodes/jetson-agx-xavier-jp51/etc/nvidia-container-runtime" "$r/etc/"
	printf '#!/bin/sh\nexit 0\n' >"$r/usr/bin/nvidia-ctk"
	chmod 755 "$r/usr/bin/nvidia-ctk"
	printf '%s\n' "$r"
}

# The rpm-family node: up-sample's GPU, driver and kernel state as Rocky 9 with its own
# rpmdb (the OS packages the toolkit requires), the toolkit 1.17.8-1 installed in it by rpm.
RPM_NODE=
if command -v rpm >/dev/null && command -v rpmbuild >/dev/null; then
	. "$TESTS_SRC/install/lib-install.sh"
	. "$TESTS_SRC/install/rpm-lib.sh"
	RPM_NODE=1
	rpm_toolkit "$T/rpms" 1.17.8 x86_64 || RPM_NODE=
fi
rpm_node() {
	local r
	r=$(mktemp -d "$T/rpmnode-XXXXXX")
	cp -a "$FIXTURES/nodes/up-sample/." "$r/"
	rm -rf "${r:?}/var/lib/dpkg" "$r/usr/bin/nvidia-"*
	rpm_root "$r" x86_64
	# The database rpm_root made (rpm-lib.sh's rpm_dbpath says where, where it has one).
	local db=()
	if declare -F rpm_dbpath >/dev/null; then db=(--dbpath "$(rpm_dbpath "$r")"); fi
	# (Debian's rpm warns on stderr that it is not Debian's package manager.)
	rpm --root "$r" "${db[@]}" -i --quiet "$T"/rpms/{libnvidia-container1,libnvidia-container-tools,nvidia-container-toolkit-base,nvidia-container-toolkit}-1.17.8-1.x86_64.rpm \
		2>"$T/rpm.err" || { cat "$T/rpm.err" >&2; return 1; }
	printf '%s\n' "$r"
}

# The offline bundle for h3, made from a signed repository served on 127.0.0.1 only while
# `gpuprep bundle` runs.
BUNDLE=
. "$TESTS_SRC/install/lib-install.sh"
if command -v dpkg-deb >/dev/null && command -v gpg >/dev/null && command -v apt-ftparchive >/dev/null; then
	. "$TESTS_SRC/daemons/up-lib.sh"
	up_repo
	run "$GPUPREP" --json bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/toolkit.bundle.tar.gz"
	expect_rc 0 "the controller's offline bundle"
	stop_httpd
	[ "$rc" != 0 ] || BUNDLE=$T/toolkit.bundle.tar.gz
fi

# live_containerd ROOT: a real containerd on ROOT's config.toml (runc its default runtime, the
# private paths of containerd-lib.sh), its socket linked at ROOT's /run/containerd, and the
# init script up's restart runs.
live_containerd() {
	local cfg
	rm -f "$1/etc/containerd/config.toml" "$1/run/containerd/containerd.sock"
	mkdir -p "$1/etc/init.d" "$1/run/containerd"
	cfg=$(containerd_config_write "$1/etc/containerd" - <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
TOML
)
	containerd_start "$cfg" || return 1
	ln -sfn "$CONTAINERD_SOCK" "$1/run/containerd/containerd.sock"
	containerd_init_script "$1/etc/init.d/containerd" "$cfg"
}
# live_dockerd HOST ROOT: a real dockerd on ROOT's daemon.json, its own scratch dir
# $T/dockerd-HOST (dockerd-lib.sh's, once per host), its socket linked at ROOT's
# /run/docker.sock, started and restarted by the init script ROOT/etc/init.d/docker.
live_dockerd() {
	local d=$T/dockerd-$1
	mkdir -p "$d" "$2/etc/docker" "$2/etc/init.d" "$2/run"
	rm -f "$2/run/docker.sock"
	printf '{\n  "max-concurrent-downloads": 4\n}\n' >"$2/etc/docker/daemon.json"
	(T=$d && DOCKERD_DIR=$d/dockerd && dockerd_init_script "$2/etc/init.d/docker" "$2/etc/docker/daemon.json")
	at_exit "'$2/etc/init.d/docker' stop"
	"$2/etc/init.d/docker" start || return 1
	ln -s "$d/dockerd/docker.sock" "$2/run/docker.sock"
}
# pid_of HOST: the PID of HOST's live runtime.
pid_of() {
	local r rt
	r=$(root_of "$1")
	rt=$(sed -n "s/^$1 [^ ]* \([^ ]*\) .*/\1/p" "$T/hosts")
	case $rt in
	docker) cat "$T/dockerd-$1/dockerd.init-pid" ;;
	*) cat "$r/etc/containerd/containerd.pid" ;;
	esac
}
root_of() { sed -n "s/^$1 \([^ ]*\) .*/\1/p" "$T/hosts"; }

# hosts: NAME ROOT RUNTIME ARCH, one a line; then the inventory.
make_nodes() {
	local h r rt a why
	rm -rf "$T/nodes" "$T/reports"
	mkdir -p "$T/nodes"
	{
		echo "h1 $(fixture_root up-sample) containerd -"
		if [ -n "$RPM_NODE" ] && r=$(rpm_node); then echo "h2 $r containerd -"; else
			echo "h2 $(fixture_root up-sample) containerd -"
		fi
		if [ -n "$BUNDLE" ]; then echo "h3 $(up_node) containerd -"; else
			echo "h3 $(fixture_root up-sample) containerd -"
		fi
		# preflight-healthy's containerd already has nvidia: its config goes back to up-sample's.
		r=$(node t4-a100 preflight-healthy)
		cp "$FIXTURES/nodes/up-sample/etc/containerd/config.toml" "$r/etc/containerd/config.toml"
		echo "h4 $r containerd -"
		echo "h5 $(fixture_root up-sample) docker -"
		echo "h6 $(node t4-a100 preflight-healthy) docker -"
		echo "h7 $(jetson_node) docker aarch64"
		echo "h8 $(jetson_node) containerd aarch64"
	} >"$T/hosts"
	while read -r h r rt a; do printf '%s\n' "$h" >"$r/etc/hostname"; done <"$T/hosts"
	if [ -n "$LIVE" ]; then
		while read -r h r rt a; do
			case $rt in
			docker) live_dockerd "$h" "$r" </dev/null ;;
			*) live_containerd "$r" </dev/null ;;
			esac || {
				not_ok "$h: its $rt starts" "$(tail -20 "$r/etc/containerd/containerd.log" "$T/dockerd-$h/dockerd/dockerd.log" 2>/dev/null)"
				done_testing
				exit 1
			}
		done <"$T/hosts"
	fi
	{
		echo "[gpu_nodes]"
		while read -r h r rt a; do
			printf '%s ansible_connection=local gpuprep_root=%s gpuprep_runtime=%s gpuprep_bin=%s' \
				"$h" "$r" "$rt" "$T/bin-$h/gpuprep"
			[ "$a" = - ] || printf ' gpuprep_arch=%s' "$a"
			[ "$h" != h3 ] || [ -z "$BUNDLE" ] ||
				printf ' gpuprep_online=false gpuprep_bundle=%s gpuprep_bundle_dest=%s gpuprep_keyring=%s' \
					"$BUNDLE" "$T/bin-h3/toolkit.bundle.tar.gz" "$T/repo.asc"
			# Docker Engine speaks no CRI (keadm needs cri-dockerd, not run here).
			[ -z "$LIVE" ] || [ "$rt" != docker ] || printf ' gpuprep_ignore_preflight_errors=cri-socket'
			echo
		done <"$T/hosts"
		echo "[gpu_nodes:vars]"
		echo "gpuprep_online=true"
		[ -n "$LIVE" ] || echo "gpuprep_restart_mode=none"
		echo "gpuprep_report_dir=$T/reports"
	} >"$T/inventory"
}

# play [ARGS...]: ansible-playbook with 4 forks; output in $T/out, status in $rc; its time as
# a TAP comment.
play() {
	local t0=$SECONDS
	run ansible-playbook -f 4 -i "$T/inventory" "$P/playbook.yml" "$@"
	echo "# ansible-playbook $*: $((SECONDS - t0)) s"
}
# recap HOST KEY: the number in the PLAY RECAP line of HOST.
recap() { sed -n "s/^$1 *: .*$2=\([0-9]*\).*/\1/p" "$T/out"; }
# state: every file under every node with its mtime, but the live daemons' own files beside
# containerd's config, and sqlite's shared-memory index of the rpm node's rpmdb (rpm -q, a
# reader, rewrites it).
state() {
	while read -r h r rt a; do
		(cd "$r" && find . \( -name '*.sqlite-shm' -o -path ./etc/containerd/root -o -path ./etc/containerd/state -o \
			-path ./etc/containerd/tmp -o -path ./etc/containerd/opt -o -path ./etc/containerd/cni -o -path './etc/containerd/containerd.*' \
			-o -path ./etc/containerd/.at_exit \) -prune -o -type f -printf "$h %p %T@\n" | sort)
	done <"$T/hosts"
}
# totals WANT: the totals of `gpuprep --json report` on the gathered reports are WANT (JSON).
totals() {
	run "$GPUPREP" --json report "$T"/reports/*.json
	"$APY" -c 'import json,sys
t=json.load(open(sys.argv[1]))["totals"]
w=json.loads(sys.argv[2])
assert t == w, f"got {t}"' "$T/out" "$1" 2>"$T/py"
}

# --- the first run: every host configured, each changed ------------------------------------
t0=$SECONDS
make_nodes
echo "# the 8 nodes${LIVE:+ and their runtimes}: $((SECONDS - t0)) s"
[ -z "$LIVE" ] || for h in $HOSTS; do echo "$h $(pid_of $h)"; done >"$T/pids0"
play
expect_rc 0 "first run: ansible-playbook succeeds"
bad=
for h in $HOSTS; do
	[ "$(recap $h failed)" = 0 ] && [ "$(recap $h changed)" -ge 1 ] || bad+="$h(changed=$(recap $h changed) failed=$(recap $h failed)) "
done
[ -z "$bad" ] && ok "first run: all 8 hosts ok, each changed" || not_ok "first run: all 8 hosts ok, each changed" "$bad" "$(tail -40 "$T/out")"
n=0
for h in $HOSTS; do [ -s "$T/reports/$h.json" ] && n=$((n + 1)); done
[ "$n" = 8 ] && ok "first run: 8 reports gathered on the controller" || not_ok "first run: 8 reports gathered" "$(ls "$T/reports")"
for f in "$T"/reports/*.json; do json_seen "$f" "$GPUPREP" --json up; done
expect_not_contains "$T/out" '"--- a/etc/' "first run, without --diff: no config diff printed (the reports carry one)"
if [ -n "$LIVE" ]; then
	expect_contains "$T/out" 'gpuprep up: preflight already_done, install already_done, configure done, restart done, verify done, preflight-full done' \
		"first run: each host's steps in Ansible's output, restart and verify done"
	# containerd reads its config only when it starts: restarted, a new PID; dockerd re-reads
	# runtimes and default-runtime on SIGHUP: reloaded, the same PID.
	for h in $HOSTS; do echo "$h $(pid_of $h)"; done >"$T/pids1"
	bad=
	for h in $HOSTS; do
		case $(sed -n "s/^$h [^ ]* \([^ ]*\) .*/\1/p" "$T/hosts") in
		docker) want=reload same=y ;;
		*) want=restart same= ;;
		esac
		got=$(jget "$T/reports/$h.json" steps/3/detail/restart/action)
		if [ "$got" != "\"$want\"" ] || { [ -n "$same" ] && ! grep -qx "$h $(pid_of $h)" "$T/pids0"; } ||
			{ [ -z "$same" ] && grep -qx "$h $(pid_of $h)" "$T/pids0"; }; then
			bad+="$h(action $got, pid $(grep "^$h " "$T/pids0") -> $(pid_of $h)) "
		fi
	done
	[ -z "$bad" ] && ok "first run: each containerd was restarted (a new PID), each dockerd reloaded (SIGHUP, the same PID)" ||
		not_ok "first run: the runtimes restarted or reloaded" "$bad"
	dockerd_sock() { printf '%s\n' "$T/dockerd-$1/dockerd/docker.sock"; }
	for h in h5 h6 h7; do
		seen=$("$DOCKER_CLI" -H "unix://$(dockerd_sock $h)" info --format '{{json .DefaultRuntime}}' 2>&1)
		expect_same "first run: $h's dockerd itself runs nvidia as its default runtime" "$seen" '"nvidia"'
	done
	# What each containerd loaded, asked by an independent CRI client (tests/tools/cri-status.py).
	if "$APY" -c "import grpc, google.protobuf" 2>/dev/null; then
		for h in h1 h2 h3 h4 h8; do
			seen=$("$APY" "$TESTS_SRC/tools/cri-status.py" "$(root_of $h)/etc/containerd/containerd.sock" 2>&1 |
				"$APY" -c 'import json,sys; print(json.load(sys.stdin)["config"]["containerd"]["defaultRuntimeName"])' 2>&1)
			expect_same "first run: $h's containerd itself runs nvidia as its default runtime (CRI status)" "$seen" nvidia
		done
	else
		skip "each containerd's CRI status, asked by tests/tools/cri-status.py" "python3-grpcio or python3-protobuf is not installed"
	fi
else
	grep -q 'gpuprep up: preflight already_done, install already_done, configure done, restart skipped' "$T/out" &&
		ok "first run: each host's steps in Ansible's output" || not_ok "first run: each host's steps in Ansible's output" "$(grep -m3 'gpuprep up' "$T/out")"
fi
for h in h1 h2 h5 h7 h8; do
	r=$(root_of $h)
	case $h in h5 | h7) f=etc/docker/daemon.json ;; *) f=etc/containerd/config.toml ;; esac
	grep -q nvidia "$r/$f" && ok "first run: $h's $f names the nvidia runtime" || not_ok "first run: $h's $f" "$(cat "$r/$f")"
done

# The binary of each host's architecture.
bad=
for h in h1 h2 h3 h4 h5 h6; do cmp -s "$GPUPREP" "$T/bin-$h/gpuprep" || bad+="$h "; done
[ -z "$bad" ] && ok "x86_64 hosts: gpuprep-linux-x86_64 was copied to gpuprep_bin" || not_ok "x86_64 hosts got gpuprep-linux-x86_64" "$bad"
bad=
for h in h7 h8; do cmp -s "$P/files/gpuprep-linux-aarch64" "$T/bin-$h/gpuprep" || bad+="$h "; done
[ -z "$bad" ] && ok "gpuprep_arch=aarch64 (the Jetsons, whose facts say x86_64): gpuprep-linux-aarch64 was copied" ||
	not_ok "the Jetsons got gpuprep-linux-aarch64" "$bad"
case $AARCH64 in
binfmt | qemu)
	run "$T/bin-h8/gpuprep" --version
	expect_contains "$T/out" ", static build for aarch64" "the Jetsons' gpuprep is the static aarch64 build, and it ran there ($AARCH64)"
	;;
*) skip "the static aarch64 gpuprep ran on the Jetsons" "no static aarch64 build in '$PORTABLE_DIR' ('bash .ci/portable $PORTABLE_DIR'), or no qemu-aarch64-static: this build stood in for it" ;;
esac
if [ -n "$RPM_NODE" ]; then
	r=$(root_of h2)
	run "$GPUPREP" --root "$r" --json detect
	if [ "$(jget "$T/out" os/package_family)" = '"rpm"' ] && [ ! -e "$r/var/lib/dpkg" ] &&
		[ "$(jget "$T/reports/h2.json" steps/1)" != null ] &&
		[ "$(jget "$T/reports/h2.json" steps/1/status)/$(jget "$T/reports/h2.json" toolkit_version)" = '"already_done"/"1.17.8-1"' ]; then
		ok "h2, the Rocky 9 node (no dpkg database): up found the toolkit 1.17.8-1 in its rpmdb"
	else not_ok "h2: up found the toolkit in its rpmdb" "$(head -c 1500 "$T/reports/h2.json")"; fi
else
	skip "an rpm-family node (h2)" "rpm or rpmbuild is not installed (Debian: rpm): h2 is up-sample, a dpkg node"
fi

if [ -n "$BUNDLE" ]; then
	cmp -s "$BUNDLE" "$T/bin-h3/toolkit.bundle.tar.gz" && ok "h3 (offline): the bundle was copied to gpuprep_bundle_dest" ||
		not_ok "h3: the bundle was copied to gpuprep_bundle_dest"
	installed_versions "$(root_of h3)" >"$T/got"
	printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
	expect_file_eq "$T/got" "$T/want" "h3 (offline): up --offline installed the toolkit 1.17.8-1 from the bundle (dpkg)"
	expect_same "h3 (offline): the install step's source is the bundle" \
		"$(jget "$T/reports/h3.json" steps/1/status) $(jget "$T/reports/h3.json" steps/1/detail/source/kind) $(jget "$T/reports/h3.json" changed/installed)" \
		'"done" "bundle" "1.17.8-1"'
else
	skip "h3: the air-gapped path (the bundle copied, up --offline)" "dpkg-deb, gpg or apt-ftparchive is not installed: h3 is up-sample, online"
fi

# gpuprep report on the gathered files: the totals match the run.
if [ -n "$LIVE" ]; then
	totals '{"hosts": 8, "ready": 8, "failed": 0, "changed": 8, "pending": 0, "planned": 0, "passed": 0, "refused": 0}' &&
		ok "report: 8 hosts, 8 ready (restarted, verified against the live runtime), 8 changed, 0 failed" ||
		not_ok "report: the totals" "$(cat "$T/py")"
	want=ready
else
	totals '{"hosts": 8, "ready": 0, "failed": 0, "changed": 8, "pending": 8, "planned": 0, "passed": 0, "refused": 0}' &&
		ok "report: 8 hosts, 8 changed by gpuprep itself (not only the binary copy), 8 pending (restart left to the operator), 0 failed" ||
		not_ok "report: the totals" "$(cat "$T/py")"
	want=pending
fi
run "$GPUPREP" report "$T"/reports/*.json
expect_rc 0 "report: exit 0"
for h in h5 h6 h7; do
	grep -q "^$h  *$want  *yes  *docker  " "$T/out" && ok "report: $h is docker, $want" || not_ok "report: $h is docker, $want" "$(cat "$T/out")"
done
grep -q "^h7 .* 1.14.2-1 " "$T/out" && ok "report: the Jetson's toolkit version" || not_ok "report: the Jetson's toolkit version" "$(cat "$T/out")"
grep -q "^h2 .* 1.17.8-1 " "$T/out" && ok "report: h2's toolkit version" || not_ok "report: h2's toolkit version" "$(cat "$T/out")"

# --- the second run, with the role layout: nothing to do, changed=0 on every host ----------
before=$(state)
run ansible-playbook -f 4 -i "$T/inventory" "$T/role/site.yml"
expect_rc 0 "second run: ansible-playbook succeeds"
bad=
for h in $HOSTS; do
	[ "$(recap $h changed)" = 0 ] && [ "$(recap $h failed)" = 0 ] || bad+="$h(changed=$(recap $h changed)) "
done
[ -z "$bad" ] && ok "second run: changed=0 on all 8 hosts" || not_ok "second run: changed=0 on all 8 hosts" "$bad" "$(tail -30 "$T/out")"
grep -q 'configure already_done' "$T/out" && ok "second run: configure is already done" || not_ok "second run: configure is already done"
[ "$before" = "$(state)" ] && ok "second run (the role layout -o DIR wrote): no file of any node changed" || not_ok "second run: no file changed" "$(diff <(echo "$before") <(state) | head)"
if [ -n "$LIVE" ]; then
	expect_contains "$T/out" 'restart already_done, verify already_done, preflight-full already_done' "second run: restart, verify and the final preflight are already done"
	for h in $HOSTS; do echo "$h $(pid_of $h)"; done >"$T/pids2"
	expect_file_eq "$T/pids2" "$T/pids1" "second run: no runtime restarted (the same PIDs)"
	totals '{"hosts": 8, "ready": 8, "failed": 0, "changed": 0, "pending": 0, "planned": 0, "passed": 0, "refused": 0}' &&
		ok "report after the second run: 8 ready, 0 changed" || not_ok "report after the second run" "$(cat "$T/py")"
	echo "# $(basename "$0"): $(($(date +%s) - started)) s"
	done_testing
	exit
fi

# --- one broken node: it fails alone, with gpuprep's message; the others finish -------------
r3=$(root_of h3)
printf '[plugins\n' >>"$r3/etc/containerd/config.toml"
cp "$r3/etc/containerd/config.toml" "$T/broken.toml"
play
expect_rc 2 "a broken node: ansible-playbook exits 2 (a host failed)"
[ "$(recap h3 failed)" = 1 ] && ok "h3 failed" || not_ok "h3 failed" "$(grep '^h3 ' "$T/out")"
bad=
for h in h1 h2 h4 h5 h6 h7 h8; do [ "$(recap $h failed)" = 0 ] && [ "$(recap $h ok)" -ge 5 ] || bad+="$h "; done
[ -z "$bad" ] && ok "the other 7 hosts finished" || not_ok "the other 7 hosts finished" "$bad"
expect_contains "$T/out" "gpuprep up failed (exit 1): up stopped at configure: " "h3's message is gpuprep's error"
expect_contains "$T/out" "config.toml:" "h3's message names the file"
expect_contains "$T/out" "hint: fix the TOML syntax at that line and column" "h3's message carries gpuprep's hint"
expect_file_eq "$r3/etc/containerd/config.toml" "$T/broken.toml" "h3's config.toml is left as it was"
run "$GPUPREP" report "$T"/reports/*.json
expect_rc 1 "report after the broken run: exit 1"
expect_contains "$T/out" "8 hosts: 0 ready, 1 failed, 0 changed, 7 pending" "report: 1 failed, the rest pending, none changed"
# A file in the gathered directory that is not a report is refused by name; the rest counts.
printf '{"schema_version": 1,\n "command": "up",\n' >"$T/reports/torn.json"
printf '{"hosts": []}\n' >"$T/reports/other.json"
run "$GPUPREP" report "$T"/reports/*.json
expect_rc 1 "report with a torn and a foreign file: exit 1"
expect_contains "$T/err" "warning: refused '$T/reports/torn.json': 3:0: not JSON:" "report: the torn file is refused, with its line:column"
expect_contains "$T/err" "warning: refused '$T/reports/other.json': not a gpuprep report" "report: the foreign file is refused"
expect_contains "$T/out" "8 hosts: 0 ready, 1 failed, 0 changed, 7 pending, 0 planned, 0 passed; 2 files refused" "report: the 8 hosts are still reported"

# --- --check on fresh nodes: nothing changes; --diff shows the config diff ------------------
make_nodes
before=$(state)
play --check --diff
expect_rc 0 "--check --diff on fresh nodes"
[ "$before" = "$(state)" ] && ok "--check: no file of any node changed" || not_ok "--check: no file of any node changed" "$(diff <(echo "$before") <(state) | head)"
bad=
for h in $HOSTS; do [ "$(recap $h changed)" = 0 ] || bad+="$h "; done
[ -z "$bad" ] && ok "--check: changed=0 (a dry run changes nothing)" || not_ok "--check: changed=0" "$bad"
expect_contains "$T/out" "gpuprep up --dry-run: preflight already_done, install already_done, configure would_do" "--check runs up --dry-run"
expect_contains "$T/out" '"+  default_runtime_name = \"nvidia\"",' "--diff: the containerd config diff"
expect_contains "$T/out" '"--- a/etc/docker/daemon.json",' "--diff: the docker config diff"
echo "# $(basename "$0"): $(($(date +%s) - started)) s"
done_testing
