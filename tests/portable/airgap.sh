#!/bin/bash
# The air-gapped flow of README "Get gpuprep onto a node", end to end, on a minimal Debian with
# nothing of ours installed: a bundle made with `gpuprep bundle --with-gpuprep` (the static
# x86_64 binary of .ci/portable, from a signed repository on 127.0.0.1) is the only file put on
# the node, and the README's sequence, run as root inside `unshare --net` and chroot, installs
# the four toolkit packages into that root's own dpkg database with the root's own dpkg.
#
# The root: `debootstrap --variant=minbase` bookworm, built once and cached by
# tests/portable/airgap-minbase.sh (/var/cache/gpuprep-minbase/bookworm-amd64; about 50 s cold,
# most of it the download, 0.5 s to copy). A real Debian rather than a root assembled from this
# machine's dpkg, tar and their libraries: the maintainer scripts, dpkg's database and the
# toolkit's Depends (libc6, libcap2, libseccomp2) are then a real system's, not a status file
# this test writes. apt (with gnutls and nettle, which only apt needs) is purged from it: an
# offline install runs `dpkg -i`, and no library gpuprep links may be on the node (asserted
# below; the compression libraries the root has are dpkg's own, also asserted). gpgv stays, as
# on every Debian and Ubuntu node: install checks the bundle's InRelease with it.
#
# The node: up-sample's GPU, driver and kernel state (/sys, /proc, /dev: fixture trees, as in
# every test), its containerd config, its stand-ins for the containerd and runc programs (which
# detect looks for; no daemon runs), and a real /dev/null (dpkg's maintainer scripts write to it).
# The driver's userspace answers through a stand-in nvidia-smi (t4-a100's, for up-sample's one
# GPU), as preflight's nvml check asks it when NVML cannot be loaded (never, in a static binary).
# The root keeps its own /etc/os-release (Debian 12): it is the truth about that root.
#
# The sequence differs from the README's in one option: the bundle is signed by this test's
# throwaway key, not NVIDIA's pinned one, so the node gets `--keyring repo.asc`, as
# gpuprep-bundle(1) says a bundle from a private mirror needs.
#
# The final state: in a chroot no init system runs and the node has no init script for
# containerd, so up cannot restart it. up does everything else (preflight, install, configure),
# then stops at restart with exit 1, keeps the config (nothing was restarted, so nothing is rolled
# back), and says to restart containerd by hand and run `gpuprep verify`. A second run of the same
# sequence writes nothing and stops at the same place. With `--restart-mode none` (what the README
# gives for a chroot or an image build), up says what to run and exits 0. undo puts the config
# back. On a booted node, up goes on to restart and verify (tests/daemons/up-containerd.sh, with a
# real containerd). Nothing outside the chroot is written: this machine's dpkg database, its
# runtime configs, gpuprep's own state, the cached root, the bundle and the binary are compared
# before and after.
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
unshare --net true 2>/dev/null || skip_all "unshare --net is not permitted here"
if ! base=$(bash "$TESTS_SRC/portable/airgap-minbase.sh" bookworm amd64 2>"$T/minbase.err"); then
	skip_all "no minimal Debian root: $(tail -1 "$T/minbase.err")"
fi

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

# --- the root -------------------------------------------------------------------------------------
C=$T/node
cp -a "$base" "$C"
N=$FIXTURES/nodes/up-sample
rm -rf "${C:?}/proc" "${C:?}/sys" "${C:?}/dev"
cp -a "$N/proc" "$N/sys" "$N/dev" "$C/"
mknod -m 666 "$C/dev/null" c 1 3
mkdir -p "$C/etc/containerd"
cp -a "$N/etc/containerd/config.toml" "$C/etc/containerd/"
cp -a "$N/usr/bin/containerd" "$N/usr/bin/containerd-shim-runc-v2" "$C/usr/bin/"
cp -a "$N/usr/sbin/runc" "$C/usr/sbin/"
{
	sed '/^echo "535.129.03, 2"$/d' "$FIXTURES/nodes/t4-a100/usr/bin/nvidia-smi"
	echo 'echo "535.129.03, 1"'
} >"$C/usr/bin/nvidia-smi"
chmod 755 "$C/usr/bin/nvidia-smi"
# What is carried to the node: the bundle, and (this test's key being no NVIDIA key) the key.
cp "$bundle" "$T/repo.asc" "$C/root/"
chroot "$C" /bin/true 2>"$T/chroot.err" || skip_all "chroot into the root fails: $(cat "$T/chroot.err")"

found=$(cd "$C" && find . \( -name 'libjansson*' -o -name 'libarchive*' -o -name 'libcurl*' -o -name 'libpci*' \
	-o -name 'libnettle*' -o -name 'libhogweed*' -o -name 'libyaml*' -o -name 'libxml2*' -o -name 'libmbed*' \
	-o -name 'libnghttp2*' -o -name 'libgnutls*' \) -print | sort)
if [ -z "$found" ]; then ok "the root has none of gpuprep's libraries (jansson, libarchive, curl, pci, nettle, yaml, xml2, mbedtls, nghttp2)"; else
	not_ok "the root has none of gpuprep's libraries" "$found"; fi
if [ ! -e "$C/usr/bin/apt-get" ] && [ -x "$C/usr/bin/dpkg" ] && [ -x "$C/usr/bin/gpgv" ]; then ok "the root has dpkg and gpgv, and no apt"; else
	not_ok "the root has dpkg and gpgv, and no apt"; fi
# The compression libraries gpuprep links statically are on the root only as dpkg's own:
# dpkg-deb reads and writes .deb members with them.
chroot "$C" /usr/bin/ldd /usr/bin/dpkg-deb >"$T/ldd" 2>&1
for l in libz.so libzstd.so liblzma.so libbz2.so; do
	have=$(cd "$C" && find . -name "$l*" -type f | head -1)
	if [ -z "$have" ] || grep -qF "$l" "$T/ldd"; then ok "$l: only as dpkg-deb's own library"; else
		not_ok "$l: only as dpkg-deb's own library" "$have" "$(cat "$T/ldd")"; fi
done
if [ -e "$C/run/systemd/system" ] || [ -e "$C/etc/init.d/containerd" ]; then
	not_ok "the root has no systemd and no containerd init script"
else ok "the root has no systemd and no containerd init script"; fi

# --- on the node: unshare --net, chroot, the README's sequence ----------------------------------
# in_node SCRIPT: run SCRIPT with sh, as root in /root of the chroot, in a new network namespace,
# with a login shell's environment; the first two lines of $T/out are the namespace's interfaces
# and whether the repository's server, which still listens on 127.0.0.1 in this machine's
# namespace, can be reached from there.
cat >"$T/in-net.sh" <<'EOT'
C=$1 port=$2
shift 2
echo "links: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "reach: 127.0.0.1:$port"; else echo "reach: none"; fi
exec chroot "$C" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LOGNAME=root USER=root /bin/sh -c 'cd /root && '"$1"
EOT
in_node() { run unshare --net bash "$T/in-net.sh" "$C" "$PORT" "$1"; }
# net_checks NAME: the namespace's interfaces and reachability lines, then the rest in $T/out.
net_checks() {
	if [ "$(sed -n 1p "$T/out")" = "links: lo " ]; then ok "$1: the network namespace has only lo"; else
		not_ok "$1: the network namespace has only lo" "$(sed -n 1p "$T/out")"; fi
	if [ "$(sed -n 2p "$T/out")" = "reach: none" ]; then ok "$1: 127.0.0.1:$PORT (the repository's port) is unreachable"; else
		not_ok "$1: 127.0.0.1:$PORT (the repository's port) is unreachable" "$(sed -n 2p "$T/out")"; fi
	sed -i 1,2d "$T/out"
}
# node_state: every file and link of the root with its mtime, size and mode, and every directory
# (without its mtime: install makes and removes its temporary directory in /tmp), but the carried
# files in /root and the lock files, to prove a run wrote nothing.
node_state() {
	(cd "$C" && find . -path ./root -prune -o -path './var/lib/dpkg/lock*' -o -path ./var/lib/dpkg/triggers/Lock \
		-o -path ./run/gpuprep.lock -o \( -type d -printf '%p/ %m\n' \) -o -printf '%p %T@ %s %m\n' | sort)
}

SEQ='tar -xzf toolkit-amd64.tar.gz gpuprep && ./gpuprep up --offline toolkit-amd64.tar.gz --keyring repo.asc'
in_node "$SEQ"
net_checks "first run"
expect_rc 1 "the README's sequence: up stops at restart, as no init system runs in a chroot"
expect_file_eq "$C/root/gpuprep" "$bin" "tar -xzf BUNDLE gpuprep: the static binary, from the bundle"
for l in "preflight       already done" "install         done" "configure       done" "restart         failed" \
	"verify          not run" "preflight-full  not run"; do
	expect_contains "$T/out" "$l" "first run: '$l'"
done
expect_contains "$T/err" "gpuprep: error: up stopped at restart: cannot tell how to restart containerd: no systemd and no '/etc/init.d/containerd'" \
	"first run: the error says why containerd cannot be restarted"
expect_contains "$T/err" "hint: restart containerd by hand (stop it, then start it the way it was started), then run 'gpuprep verify'" \
	"first run: the hint says what to do"
expect_contains "$T/err" "installed the NVIDIA container toolkit 1.17.8-1 (it stays installed); changed containerd's config: 'gpuprep undo --runtime containerd' restores it" \
	"first run: says what was changed and how to undo it"
dpkg-query --admindir="$C/var/lib/dpkg" -W -f='${Package} ${Version} ${Status}\n' $TOOLKIT 2>&1 | sort >"$T/got"
printf '%s 1.17.8-1 install ok installed\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
expect_file_eq "$T/got" "$T/want" "the four packages are 'install ok installed' in the root's dpkg database"
if [ -x "$C/usr/bin/nvidia-container-runtime" ] && [ -x "$C/usr/bin/nvidia-ctk" ] && [ -x "$C/usr/bin/nvidia-container-cli" ]; then
	ok "the packages' programs are in the root"
else not_ok "the packages' programs are in the root"; fi
expect_contains "$C/var/log/dpkg.log" "status installed nvidia-container-toolkit:amd64 1.17.8-1" "the root's dpkg installed them (its dpkg.log)"
expect_contains "$C/etc/containerd/config.toml" 'default_runtime_name = "nvidia"' "the config: nvidia is containerd's default runtime"
expect_contains "$C/etc/containerd/config.toml" 'BinaryName = "/usr/bin/nvidia-container-runtime"' "the config: the nvidia runtime's binary"
cp "$C/etc/containerd/config.toml" "$T/config.after"

# --- the same sequence again: nothing to do -----------------------------------------------------
before=$(node_state)
in_node "$SEQ --json"
net_checks "second run"
expect_rc 1 "second run: stops at restart again"
cp "$T/out" "$T/second.json"
json_seen "$T/second.json" "$GPUPREP" --json up
printf '%s\n' "preflight already_done" "install already_done" "configure already_done" "restart failed" \
	"verify not_run" "preflight-full not_run" >"$T/want"
up_steps "$T/second.json" >"$T/got" 2>&1
expect_file_eq "$T/got" "$T/want" "second run --json: preflight, install and configure already done"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["ok"] is False and d["failed_step"] == "restart" and d["runtime"] == "containerd", d
assert d["changed"]["installed"] is None and d["changed"]["files"] == [], d["changed"]
assert d["error"]["exit_code"] == 1 and "restart containerd by hand" in d["error"]["hint"], d["error"]' \
	"$T/second.json" 2>"$T/py" && ok "second run --json: ok false, failed_step restart, nothing changed" ||
	not_ok "second run --json: ok false, failed_step restart, nothing changed" "$(cat "$T/py")"
if [ "$before" = "$(node_state)" ]; then ok "second run: no file of the root written (every mtime)"; else
	not_ok "second run: no file of the root written (every mtime)" "$(diff <(echo "$before") <(node_state) | head -20)"; fi

# --- --restart-mode none: what the README gives for a chroot or an image --------------------------
in_node "$SEQ --restart-mode none --json"
net_checks "--restart-mode none"
expect_rc 0 "--restart-mode none: exit 0 once configure is done"
cp "$T/out" "$T/none.json"
json_seen "$T/none.json" "$GPUPREP" --json up
printf '%s\n' "preflight already_done" "install already_done" "configure already_done" "restart skipped" \
	"verify skipped" "preflight-full skipped" >"$T/want"
up_steps "$T/none.json" >"$T/got" 2>&1
expect_file_eq "$T/got" "$T/want" "--restart-mode none --json: the steps"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["ok"] is True and d["failed_step"] is None and d["error"] is None, d
assert d["changed"]["installed"] is None and d["changed"]["files"] == [], d["changed"]' \
	"$T/none.json" 2>"$T/py" && ok "--restart-mode none --json: ok, nothing changed" ||
	not_ok "--restart-mode none --json: ok, nothing changed" "$(cat "$T/py")"
if [ "$before" = "$(node_state)" ]; then ok "--restart-mode none: no file of the root written"; else
	not_ok "--restart-mode none: no file of the root written" "$(diff <(echo "$before") <(node_state) | head -20)"; fi

# --- undo ------------------------------------------------------------------------------------------
in_node './gpuprep undo'
net_checks "undo"
expect_rc 0 "undo"
expect_file_eq "$C/etc/containerd/config.toml" "$N/etc/containerd/config.toml" "undo: config.toml is back to the fixture's bytes"
dpkg-query --admindir="$C/var/lib/dpkg" -W -f='${Package} ${Version} ${Status}\n' $TOOLKIT 2>&1 | sort >"$T/got"
printf '%s 1.17.8-1 install ok installed\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
expect_file_eq "$T/got" "$T/want" "undo: the toolkit stays installed (undo restores config files)"

# --- nothing outside the chroot ---------------------------------------------------------------------
stop_httpd
if [ "$host_before" = "$(host_state)" ]; then ok "nothing outside the chroot written (host dpkg database, runtime configs, gpuprep state, the cached root, the binary)"; else
	not_ok "nothing outside the chroot written" "$(diff <(echo "$host_before") <(host_state) | head -20)"; fi

done_testing
