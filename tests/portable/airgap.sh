#!/bin/bash
# The air-gapped flow of README "Get gpuprep onto a node", end to end, on a minimal Debian with
# nothing of ours installed: a bundle made with `gpuprep bundle --with-gpuprep` (the static
# x86_64 binary of .ci/portable, from a signed repository on 127.0.0.1) is the only file put on
# the node, and the README's sequence, run as root inside `unshare --net` and chroot, installs
# the four toolkit packages into that root's own dpkg database with the root's own dpkg.
#
# The root: `debootstrap --variant=minbase` bookworm with Debian's containerd and runc, built once
# and cached by tests/portable/airgap-minbase.sh (/var/cache/gpuprep-minbase/bookworm-amd64;
# about a minute cold, most of it the download, 1 s to copy). A real Debian rather than a root
# assembled from this machine's dpkg, tar and their libraries: the maintainer scripts, dpkg's
# database, the toolkit's Depends (libc6, libcap2, libseccomp2) and the runtime are then a real
# system's, not a status file this test writes. apt (with gnutls and nettle, which only apt
# needs) is purged from it: an offline install runs `dpkg -i`, and no library gpuprep links may
# be on the node (asserted below; the compression libraries the root has are dpkg-deb's own, also
# asserted). gpgv stays, as on every Debian and Ubuntu node: install checks the bundle's
# InRelease with it.
#
# The node: up-sample's GPU, driver and kernel state (/sys, /dev and /proc: fixture trees, as in
# every test), with the character devices every node has (/dev/null, zero, full, random,
# urandom), its containerd config, and a stand-in nvidia-smi (t4-a100's, for up-sample's one
# GPU), which preflight's nvml check asks when NVML cannot be loaded (never, in a static
# binary). The root keeps its own /etc/os-release (Debian 12): it is the truth about that root.
#
# The sequence differs from the README's in one option: the bundle is signed by this test's
# throwaway key, not NVIDIA's pinned one, so the node gets `--keyring repo.asc`, as
# gpuprep-bundle(1) says a bundle from a private mirror needs.
#
# Two nodes:
#
#  - booted: containerd runs, started by the node's init script (/etc/init.d/containerd, a
#    start-stop-daemon script as on a node without systemd; Debian's package ships only a
#    systemd unit). The whole session runs in new network, mount and PID namespaces: a real
#    procfs is mounted on the chroot's /proc (containerd needs it), with the fixture's
#    /proc/driver, swaps, cmdline and osrelease (and modules, where this kernel has it) mounted
#    over it; PID 1 is the session's shell, so no systemd. The README's sequence takes the node
#    to ready: up installs, configures, restarts containerd through the init script, verifies it
#    over CRI, passes the final preflight, exits 0 and prints the keadm join flags. The same
#    sequence again changes nothing: every step already done, no file written, containerd's PID
#    the same. undo puts the config back. containerd dies with the PID namespace.
#  - an image build: the same root with no daemon and no init script (the chroot of an image
#    build). up does everything but the restart, then stops at restart with exit 1, keeps the
#    config (nothing was restarted, so nothing is rolled back), and says to restart containerd
#    by hand and run `gpuprep verify`; a second run writes nothing and stops at the same place;
#    with `--restart-mode none` (what the README gives for this case) it exits 0.
#
# In each run the network namespace has only lo, and the repository's server, still listening on
# 127.0.0.1 in this machine's namespace, cannot be reached. Nothing outside the chroots is
# written: this machine's dpkg database, its runtime configs, gpuprep's own state, the cached
# root and the binary are compared before and after.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/portable/portable-lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/daemons/up-lib.sh"
portable_bin x86_64
skip_all() {
	skip "the air-gapped flow in a minimal root" "$1"
	done_testing
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip_all "chroot and unshare --net need root"
[ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] || skip_all "the root is amd64, for the x86_64 binary: this machine is $(uname -m)"
unshare --net --mount --pid --fork true 2>/dev/null || skip_all "unshare --net --mount --pid is not permitted here"
if ! base=$(bash "$TESTS_SRC/portable/airgap-minbase.sh" bookworm amd64 2>"$T/minbase.err"); then
	skip_all "no minimal Debian root: $(tail -1 "$T/minbase.err")"
fi
N=$FIXTURES/nodes/up-sample

# --- the host's state, which nothing here may change --------------------------------------------
host_state() {
	host_dpkg_state
	local p
	for p in /etc/containerd /etc/docker /etc/crio /etc/rancher /etc/cdi /var/lib/gpuprep \
		/etc/apt/sources.list.d /etc/apt/keyrings /usr/bin/nvidia-ctk /usr/bin/nvidia-container-runtime \
		"$bin"; do
		if [ -e "$p" ]; then find "$p" \( -type f -o -type l \) -printf '%p %T@ %s\n' | sort; else echo "$p absent"; fi
	done
	# the cached root: every entry, with its mtime
	(cd "$base" && find . -printf '%p %T@ %s %m\n' | sort | sha256sum)
}
host_before=$(host_state)

# --- the bundle: the four packages from a signed repository on 127.0.0.1, and the static gpuprep --
up_repo
bundle=$T/toolkit-amd64.tar.gz
run "$bin" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" --with-gpuprep "$bin" -o "$bundle"
expect_rc 0 "bundle --with-gpuprep, by the static binary"
tar -tzf "$bundle" | sort >"$T/members"
expect_contains "$T/members" "gpuprep" "the bundle holds gpuprep"

# --- the roots ------------------------------------------------------------------------------------
# mk_node DIR: a copy of the cached root made a GPU node, with the bundle and the key in /root.
mk_node() {
	local c=$1 d
	cp -a "$base" "$c"
	rm -rf "${c:?}/proc" "${c:?}/sys" "${c:?}/dev"
	cp -a "$N/proc" "$N/sys" "$N/dev" "$c/"
	for d in "null 3" "zero 5" "full 7" "random 8" "urandom 9"; do
		mknod -m 666 "$c/dev/${d% *}" c 1 "${d#* }"
	done
	cp "$N/etc/containerd/config.toml" "$c/etc/containerd/config.toml"
	{
		sed '/^echo "535.129.03, 2"$/d' "$FIXTURES/nodes/t4-a100/usr/bin/nvidia-smi"
		echo 'echo "535.129.03, 1"'
	} >"$c/usr/bin/nvidia-smi"
	chmod 755 "$c/usr/bin/nvidia-smi"
	# What is carried to the node: the bundle, and (this test's key being no NVIDIA key) the key.
	cp "$bundle" "$T/repo.asc" "$c/root/"
}
A=$T/booted
B=$T/image
mk_node "$A"
mk_node "$B"
chroot "$B" /bin/true 2>"$T/chroot.err" || skip_all "chroot into the root fails: $(cat "$T/chroot.err")"

found=$(cd "$B" && find . \( -name 'libjansson*' -o -name 'libarchive*' -o -name 'libcurl*' -o -name 'libpci*' \
	-o -name 'libnettle*' -o -name 'libhogweed*' -o -name 'libyaml*' -o -name 'libxml2*' -o -name 'libmbed*' \
	-o -name 'libnghttp2*' -o -name 'libgnutls*' \) -print | sort)
if [ -z "$found" ]; then ok "the root has none of gpuprep's libraries (jansson, libarchive, curl, pci, nettle, yaml, xml2, mbedtls, nghttp2)"; else
	not_ok "the root has none of gpuprep's libraries" "$found"; fi
if [ ! -e "$B/usr/bin/apt-get" ] && [ -x "$B/usr/bin/dpkg" ] && [ -x "$B/usr/bin/gpgv" ]; then ok "the root has dpkg and gpgv, and no apt"; else
	not_ok "the root has dpkg and gpgv, and no apt"; fi
# The compression libraries gpuprep links statically are on the root only as dpkg's own:
# dpkg-deb reads and writes .deb members with them.
chroot "$B" /usr/bin/ldd /usr/bin/dpkg-deb >"$T/ldd" 2>&1
for l in libz.so libzstd.so liblzma.so libbz2.so; do
	have=$(cd "$B" && find . -name "$l*" -type f | head -1)
	if [ -z "$have" ] || grep -qF "$l" "$T/ldd"; then ok "$l: only as dpkg-deb's own library"; else
		not_ok "$l: only as dpkg-deb's own library" "$have" "$(cat "$T/ldd")"; fi
done
if dpkg-query --admindir="$B/var/lib/dpkg" -W -f='${Status}' containerd runc 2>/dev/null | grep -qv 'install ok installed' ||
	[ -e "$B/run/systemd/system" ] || [ -e "$B/etc/init.d/containerd" ]; then
	not_ok "the root has Debian's containerd and runc, no systemd and no containerd init script"
else ok "the root has Debian's containerd and runc, no systemd and no containerd init script"; fi

SEQ='tar -xzf toolkit-amd64.tar.gz gpuprep && ./gpuprep up --offline toolkit-amd64.tar.gz --keyring repo.asc'
# node_state ROOT: every file and link of ROOT with its mtime, size and mode, and every directory
# (without its mtime: install makes and removes its temporary directory in /tmp), but the carried
# files in /root, the lock files, the kernel's trees and containerd's own state, to prove a run
# wrote nothing.
node_state() {
	(cd "$1" && find . \( -path ./root -o -path ./proc -o -path ./sys -o -path ./dev -o -path ./run \
		-o -path ./var/lib/containerd -o -path ./var/log/containerd.log \) -prune -o \
		-path './var/lib/dpkg/lock*' -o -path ./var/lib/dpkg/triggers/Lock \
		-o \( -type d -printf '%p/ %m\n' \) -o -printf '%p %T@ %s %m\n' | sort)
}
# net_checks NAME FILE: FILE's two lines, the namespace's interfaces and whether the repository's
# port could be reached from it.
net_checks() {
	if [ "$(sed -n 1p "$2")" = "links: lo" ]; then ok "$1: the network namespace has only lo"; else
		not_ok "$1: the network namespace has only lo" "$(sed -n 1p "$2")"; fi
	if [ "$(sed -n 2p "$2")" = "reach: none" ]; then ok "$1: 127.0.0.1:$PORT (the repository's port) is unreachable"; else
		not_ok "$1: 127.0.0.1:$PORT (the repository's port) is unreachable" "$(sed -n 2p "$2")"; fi
}
# expect_installed ROOT NAME: the four packages, 'install ok installed' in ROOT's dpkg database.
expect_installed() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Package} ${Version} ${Status}\n' $TOOLKIT 2>&1 | sort >"$T/got"
	printf '%s 1.17.8-1 install ok installed\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit \
		nvidia-container-toolkit-base >"$T/want"
	expect_file_eq "$T/got" "$T/want" "$2: the four packages are 'install ok installed' in the root's dpkg database"
}
expect_nvidia_config() {
	expect_contains "$1/etc/containerd/config.toml" 'default_runtime_name = "nvidia"' "$2: nvidia is containerd's default runtime"
	expect_contains "$1/etc/containerd/config.toml" 'BinaryName = "/usr/bin/nvidia-container-runtime"' "$2: the nvidia runtime's binary"
}
# Run in the namespaces (sourced by both sessions): the two network lines, then in_chroot.
cat >"$T/ns-lib.sh" <<'EOT'
net_lines() {
	echo "links: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
	if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then echo "reach: 127.0.0.1:$1"; else echo "reach: none"; fi
}
# in_chroot ROOT SCRIPT: SCRIPT with sh, as root in ROOT's /root, with a login shell's environment.
in_chroot() {
	chroot "$1" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LOGNAME=root USER=root /bin/sh -c 'cd /root && '"$2"
}
EOT

# --- the booted node: containerd runs ---------------------------------------------------------------
cat >"$A/etc/init.d/containerd" <<'EOT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          containerd
# Required-Start:    $local_fs $remote_fs
# Required-Stop:     $local_fs $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: containerd container runtime
### END INIT INFO
PIDFILE=/run/containerd.pid
SOCK=/run/containerd/containerd.sock
case "${1:-}" in
start)
	start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$PIDFILE" \
		--output /var/log/containerd.log --exec /usr/bin/containerd || exit 1
	i=0
	until ctr --address "$SOCK" --timeout 2s version >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 300 ] || { echo "containerd did not answer on $SOCK" >&2; exit 1; }
		sleep 0.1
	done
	;;
stop) start-stop-daemon --stop --quiet --oknodo --pidfile "$PIDFILE" --remove-pidfile --retry TERM/10/KILL/5 ;;
restart) "$0" stop && "$0" start ;;
status) start-stop-daemon --status --pidfile "$PIDFILE" ;;
*) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
EOT
chmod 755 "$A/etc/init.d/containerd"
# The session: in new network, mount and PID namespaces, so containerd ends with it. S holds
# each step's out, err and rc, containerd's PIDs and the node's state between the runs.
S=$T/booted-session
mkdir -p "$S"
{
	declare -f node_state
	cat <<'EOT'
C=$1 F=$2 port=$3 S=$4 SEQ=$5
. "$S/../ns-lib.sh"
net_lines "$port" >"$S/net"
# A booted node's loopback is up (containerd's CRI streaming server listens on it); still
# nothing but lo.
ip link set lo up
mount -t proc proc "$C/proc" && mount -t tmpfs tmpfs "$C/proc/driver" && cp -a "$F/driver/." "$C/proc/driver/" ||
	{ echo "cannot mount a procfs and a tmpfs in the chroot" >"$S/setup"; exit 0; }
for f in modules swaps cmdline sys/kernel/osrelease; do
	[ -e "$C/proc/$f" ] || continue # this kernel has no /proc/modules (no loadable modules)
	mount --bind "$F/$f" "$C/proc/$f" || { echo "cannot mount over /proc/$f" >"$S/setup"; exit 0; }
done
cat "$F/sys/net/ipv4/ip_forward" >"$C/proc/sys/net/ipv4/ip_forward" # the namespace's own
step() { in_chroot "$C" "$2" >"$S/$1.out" 2>"$S/$1.err"; echo $? >"$S/$1.rc"; }
pid() { cat "$C/run/containerd.pid" 2>/dev/null; }
step boot '/etc/init.d/containerd start'
pid >"$S/pid0"
step first "$SEQ"
pid >"$S/pid1"
cp "$C/etc/containerd/config.toml" "$S/config1"
node_state "$C" >"$S/state1"
step second "$SEQ --json"
pid >"$S/pid2"
node_state "$C" >"$S/state2"
step undo './gpuprep undo'
step stop '/etc/init.d/containerd stop'
EOT
} >"$T/booted.sh"
unshare --net --mount --pid --fork --propagation private bash "$T/booted.sh" "$A" "$N/proc" "$PORT" "$S" "$SEQ" \
	>"$S/session.log" 2>&1
if [ -s "$S/setup" ]; then
	skip "the booted node (a real containerd in the chroot)" "$(cat "$S/setup")"
else
	net_checks "booted node" "$S/net"
	rc=$(cat "$S/boot.rc") && cp "$S/boot.out" "$T/out" && cp "$S/boot.err" "$T/err"
	expect_rc 0 "booted node: /etc/init.d/containerd start"
	rc=$(cat "$S/first.rc") && cp "$S/first.out" "$T/out" && cp "$S/first.err" "$T/err"
	expect_rc 0 "booted node: the README's sequence takes the node to ready"
	expect_file_eq "$A/root/gpuprep" "$bin" "booted node: tar -xzf BUNDLE gpuprep: the static binary, from the bundle"
	for l in "preflight       already done" "install         done" "configure       done" "restart         done" \
		"verify          done" "preflight-full  done" "ready: containerd runs the nvidia runtime"; do
		expect_contains "$T/out" "$l" "booted node: '$l'"
	done
	expect_contains "$T/out" "containerd restarted through service (pid $(cat "$S/pid0"), now $(cat "$S/pid1"))" \
		"booted node: containerd restarted through its init script"
	if [ "$(tail -1 "$T/out")" = "  --remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs" ]; then
		ok "booted node: the keadm join flags are the last line"
	else not_ok "booted node: the keadm join flags are the last line" "$(tail -3 "$T/out")"; fi
	if [ -n "$(cat "$S/pid0")" ] && [ "$(cat "$S/pid0")" != "$(cat "$S/pid1")" ]; then ok "booted node: containerd has a new PID"; else
		not_ok "booted node: containerd has a new PID" "$(cat "$S/pid0") then $(cat "$S/pid1")"; fi
	expect_installed "$A" "booted node"
	mkdir -p "$T/booted-config/etc/containerd"
	cp "$S/config1" "$T/booted-config/etc/containerd/config.toml"
	expect_nvidia_config "$T/booted-config" "booted node"
	expect_contains "$A/var/log/dpkg.log" "status installed nvidia-container-toolkit:amd64 1.17.8-1" "booted node: the root's dpkg installed them (its dpkg.log)"
	if [ -x "$A/usr/bin/nvidia-container-runtime" ] && [ -x "$A/usr/bin/nvidia-ctk" ] && [ -x "$A/usr/bin/nvidia-container-cli" ]; then
		ok "booted node: the packages' programs are in the root"
	else not_ok "booted node: the packages' programs are in the root"; fi

	rc=$(cat "$S/second.rc") && cp "$S/second.out" "$T/out" && cp "$S/second.err" "$T/err"
	json_seen "$T/out" "$GPUPREP" --json up
	expect_rc 0 "booted node: the sequence again"
	printf '%s already_done\n' preflight install configure restart verify preflight-full >"$T/want"
	up_steps "$T/out" >"$T/got" 2>&1
	expect_file_eq "$T/got" "$T/want" "booted node, again: every step already done"
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["ok"] is True and d["failed_step"] is None and d["error"] is None and d["runtime"] == "containerd", d
assert d["changed"]["installed"] is None and d["changed"]["files"] == [] and not d["changed"]["restarted"], d["changed"]
assert d["keadm"]["flags"] == "--remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs", d["keadm"]' \
		"$T/out" 2>"$T/py" && ok "booted node, again --json: ok, nothing changed, the keadm flags" ||
		not_ok "booted node, again --json: ok, nothing changed, the keadm flags" "$(cat "$T/py")"
	if [ "$(cat "$S/pid2")" = "$(cat "$S/pid1")" ]; then ok "booted node, again: containerd not restarted (same PID)"; else
		not_ok "booted node, again: containerd not restarted (same PID)" "$(cat "$S/pid1") then $(cat "$S/pid2")"; fi
	if cmp -s "$S/state1" "$S/state2"; then ok "booted node, again: no file of the root written (every mtime)"; else
		not_ok "booted node, again: no file of the root written (every mtime)" "$(diff "$S/state1" "$S/state2" | head -20)"; fi

	rc=$(cat "$S/undo.rc") && cp "$S/undo.out" "$T/out" && cp "$S/undo.err" "$T/err"
	expect_rc 0 "booted node: undo"
	expect_file_eq "$A/etc/containerd/config.toml" "$N/etc/containerd/config.toml" "booted node: undo puts config.toml back"
	rc=$(cat "$S/stop.rc") && cp "$S/stop.out" "$T/out" && cp "$S/stop.err" "$T/err"
	expect_rc 0 "booted node: /etc/init.d/containerd stop"
fi

# --- an image build: no daemon, no init script --------------------------------------------------
# in_image SCRIPT: SCRIPT in B's chroot in a new network namespace; the two network lines are
# checked and removed from $T/out.
in_image() {
	run unshare --net bash -c '. "$1"; net_lines "$2"; in_chroot "$3" "$4"' in_image "$T/ns-lib.sh" "$PORT" "$B" "$1"
	head -2 "$T/out" >"$T/net"
	sed -i 1,2d "$T/out"
	net_checks "$2" "$T/net"
}
in_image "$SEQ" "image"
expect_rc 1 "image: up stops at restart, as no init system runs in a chroot"
for l in "preflight       already done" "install         done" "configure       done" "restart         failed" \
	"verify          not run" "preflight-full  not run"; do
	expect_contains "$T/out" "$l" "image: '$l'"
done
expect_contains "$T/err" "gpuprep: error: up stopped at restart: cannot tell how to restart containerd: no systemd and no '/etc/init.d/containerd'" \
	"image: the error says why containerd cannot be restarted"
expect_contains "$T/err" "hint: restart containerd by hand (stop it, then start it the way it was started), then run 'gpuprep verify'" \
	"image: the hint says what to do"
expect_contains "$T/err" "installed the NVIDIA container toolkit 1.17.8-1 (it stays installed); changed containerd's config: 'gpuprep undo --runtime containerd' restores it" \
	"image: says what was changed and how to undo it"
expect_installed "$B" "image"
expect_nvidia_config "$B" "image"

before=$(node_state "$B")
in_image "$SEQ --json" "image, again"
expect_rc 1 "image, again: stops at restart again"
cp "$T/out" "$T/second.json"
json_seen "$T/second.json" "$GPUPREP" --json up
printf '%s\n' "preflight already_done" "install already_done" "configure already_done" "restart failed" \
	"verify not_run" "preflight-full not_run" >"$T/want"
up_steps "$T/second.json" >"$T/got" 2>&1
expect_file_eq "$T/got" "$T/want" "image, again --json: preflight, install and configure already done"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["ok"] is False and d["failed_step"] == "restart" and d["runtime"] == "containerd", d
assert d["changed"]["installed"] is None and d["changed"]["files"] == [], d["changed"]
assert d["error"]["exit_code"] == 1 and "restart containerd by hand" in d["error"]["hint"], d["error"]' \
	"$T/second.json" 2>"$T/py" && ok "image, again --json: ok false, failed_step restart, nothing changed" ||
	not_ok "image, again --json: ok false, failed_step restart, nothing changed" "$(cat "$T/py")"
if [ "$before" = "$(node_state "$B")" ]; then ok "image, again: no file of the root written (every mtime)"; else
	not_ok "image, again: no file of the root written (every mtime)" "$(diff <(echo "$before") <(node_state "$B") | head -20)"; fi

in_image "$SEQ --restart-mode none --json" "image, --restart-mode none"
expect_rc 0 "image, --restart-mode none: exit 0 once configure is done"
cp "$T/out" "$T/none.json"
json_seen "$T/none.json" "$GPUPREP" --json up
printf '%s\n' "preflight already_done" "install already_done" "configure already_done" "restart skipped" \
	"verify skipped" "preflight-full skipped" >"$T/want"
up_steps "$T/none.json" >"$T/got" 2>&1
expect_file_eq "$T/got" "$T/want" "image, --restart-mode none --json: the steps"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["ok"] is True and d["failed_step"] is None and d["error"] is None, d
assert d["changed"]["installed"] is None and d["changed"]["files"] == [], d["changed"]' \
	"$T/none.json" 2>"$T/py" && ok "image, --restart-mode none --json: ok, nothing changed" ||
	not_ok "image, --restart-mode none --json: ok, nothing changed" "$(cat "$T/py")"
if [ "$before" = "$(node_state "$B")" ]; then ok "image, --restart-mode none: no file of the root written"; else
	not_ok "image, --restart-mode none: no file of the root written" "$(diff <(echo "$before") <(node_state "$B") | head -20)"; fi

in_image './gpuprep undo' "image, undo"
expect_rc 0 "image: undo"
expect_file_eq "$B/etc/containerd/config.toml" "$N/etc/containerd/config.toml" "image: undo puts config.toml back"
expect_installed "$B" "image, after undo (undo restores config files; the toolkit stays)"

# --- nothing outside the chroots ------------------------------------------------------------------
stop_httpd
if [ "$host_before" = "$(host_state)" ]; then ok "nothing outside the chroots written (host dpkg database, runtime configs, gpuprep state, the cached root, the binary)"; else
	not_ok "nothing outside the chroots written" "$(diff <(echo "$host_before") <(host_state) | head -20)"; fi

done_testing
