#!/bin/bash
# gpuprep preflight on fixture roots: every check passing and failing, the healthy node,
# ignoring errors, usage errors and the --json schema.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/lib.sh" || exit 1

. "$TESTS_SRC/preflight-lib.sh" || exit 1

# statuses FILE: "id=status ..." from a --json document, as gpuprep prints it (one key a line;
# the document itself is checked against the schema below). Bash only: it runs for every case.
statuses() {
	local line id="" out=""
	while IFS= read -r line; do
		case $line in
		'      "id": "'*) id=${line#*: \"} id=${id%\",} ;;
		'      "status": "'*) line=${line#*: \"} out+="${out:+ }$id=${line%\",}" ;;
		esac
	done <"$1"
	printf '%s\n' "$out"
}

# check ROOT ID STATUS RC NAME [ARGS...]: run one check on ROOT and assert its id, status and
# the exit code, in --json and in the human output (the [TAG id] of the first line).
check() {
	local root=$1 id=$2 want=$3 want_rc=$4 name=$5
	shift 5
	run "$GPUPREP" --root "$root" --json preflight --checks "$id" "$@"
	local got
	got=$(statuses "$T/out")
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$id=$want" ]; then
		ok "$id: $name: $want (exit $want_rc)"
	else
		not_ok "$id: $name: $want (exit $want_rc)" "got exit $rc, '$got'" \
			"stdout: $(head -c 1500 "$T/out")" "stderr: $(head -c 500 "$T/err")"
	fi
	run "$GPUPREP" --root "$root" preflight --checks "$id" "$@"
	local tag
	case $want in
	pass) tag="[PASS] " ;;
	warn) tag="[WARNING $id]: " ;;
	fail) tag="[ERROR $id]: " ;;
	skip) tag="[SKIP $id]: " ;;
	esac
	local first=""
	IFS= read -r first <"$T/out"
	if [ "$rc" -eq "$want_rc" ] && [[ $first == "$tag"* ]]; then
		ok "$id: $name: human output starts with '$tag'"
	else
		not_ok "$id: $name: human output starts with '$tag'" "got exit $rc" \
			"stdout: $(head -c 1500 "$T/out")"
	fi
}

# first_line_is TEXT NAME: the first line of the last human run, exactly.
first_line_is() {
	local got=""
	IFS= read -r got <"$T/out"
	if [ "$got" = "$1" ]; then ok "$2"; else not_ok "$2" "got:  $got" "want: $1"; fi
}

# hint_is TEXT NAME: the second line of the last human run is the hint, exactly.
hint_is() {
	local got
	got=$(sed -n 2p "$T/out")
	if [ "$got" = "    hint: $1" ]; then ok "$2"; else not_ok "$2" "got:  $got" "want:     hint: $1"; fi
}

# --- root ---------------------------------------------------------------------------------
R=$(healthy)
check "$R" root skip 0 "under --root"
if [ "$(id -u)" -eq 0 ]; then
	run "$GPUPREP" preflight --checks root
	expect_rc 0 "root: as root"
	first_line_is "[PASS] running as root" "root: as root: pass"
elif unshare -r true 2>/dev/null; then
	run unshare -r "$GPUPREP" preflight --checks root
	expect_rc 0 "root: as root in a user namespace"
	first_line_is "[PASS] running as root" "root: as root: pass"
else
	skip "root: as root" "neither root nor allowed to map root in a user namespace"
	skip "root: as root: pass" "neither root nor allowed to map root in a user namespace"
fi
if unshare -U true 2>/dev/null; then
	run unshare -U "$GPUPREP" preflight --checks root
	expect_rc 1 "root: as nobody"
	first_line_is "[ERROR root]: not running as root (euid $(unshare -U id -u))" "root: as nobody: fail"
elif [ "$(id -u)" -ne 0 ]; then
	run "$GPUPREP" preflight --checks root
	expect_rc 1 "root: as a user"
	first_line_is "[ERROR root]: not running as root (euid $(id -u))" "root: as a user: fail"
else
	skip "root: as nobody" "user namespaces are not allowed here"
	skip "root: as nobody: fail" "user namespaces are not allowed here"
fi

# --- gpu-present --------------------------------------------------------------------------
R=$(healthy)
check "$R" gpu-present pass 0 "a T4"
expect_contains "$T/out" " at 0000:00:04.0" "gpu-present: names the T4's address"
check "$(fixture_root t4-a100)" gpu-present pass 0 "a T4 and an A100"
expect_contains "$T/out" "[PASS] 2 NVIDIA GPUs, the first " "gpu-present: two GPUs: message"
check "$(fixture_root geforce-audio)" gpu-present pass 0 "a GeForce with its audio function"
check "$(jetson)" gpu-present pass 0 "a Jetson board"
first_line_is "[PASS] a Jetson/Tegra board (L4T R35.4.1)" "gpu-present: Jetson: message"
check "$(fixture_root amd-aspeed)" gpu-present fail 1 "only AMD and ASPEED VGA"
first_line_is "[ERROR gpu-present]: no NVIDIA GPU: no NVIDIA VGA or 3D controller among 8 PCI functions, and no Jetson/Tegra board" \
	"gpu-present: no NVIDIA: message"
hint_is "audio and NVSwitch functions are not GPUs; check that the GPU shows in lspci -d 10de: and is not passed through to a VM" \
	"gpu-present: hint"
R=$(fixture_root geforce-audio)
rm "${R:?}/sys/bus/pci/devices/0000:01:00.0"
check "$R" gpu-present fail 1 "only a GeForce's audio function"
first_line_is "[ERROR gpu-present]: no NVIDIA GPU: the NVIDIA PCI functions are none a GPU (0000:01:00.1: audio device)" \
	"gpu-present: audio only: says why nothing counted"
check "$(fixture_root amd-aspeed)" nouveau skip 0 "the GPU checks skip without a GPU"
first_line_is "[SKIP nouveau]: no NVIDIA GPU found (see gpu-present)" "no GPU: skip message"

# --- nouveau ------------------------------------------------------------------------------
R=$(healthy)
check "$R" nouveau pass 0 "nvidia drives the T4"
first_line_is "[PASS] nouveau is not loaded" "nouveau: message"
check "$(fixture_root nouveau)" nouveau fail 1 "a GPU bound to nouveau"
first_line_is "[ERROR nouveau]: nouveau drives the GPU at 0000:01:00.0" "nouveau: bound: message"
hint_is "blacklist nouveau (blacklist nouveau and options nouveau modeset=0 in /etc/modprobe.d/blacklist-nouveau.conf), rebuild the initramfs (update-initramfs -u or dracut -f), and reboot" \
	"nouveau: hint"
mkdir -p "${R:?}/sys/module/nouveau"
echo live >"${R:?}/sys/module/nouveau/initstate"
check "$R" nouveau fail 1 "nouveau loaded beside nvidia"
first_line_is "[ERROR nouveau]: the nouveau module is loaded" "nouveau: loaded: message"

# --- driver-loaded ------------------------------------------------------------------------
R=$(healthy)
check "$R" driver-loaded pass 0 "the nvidia module"
first_line_is "[PASS] the nvidia kernel module 535.129.03 (proprietary) is loaded" "driver-loaded: message"
mkdir -p "${R:?}/sys/bus/pci/drivers/vfio-pci"
ln -sfn ../../../bus/pci/drivers/vfio-pci "${R:?}/sys/devices/pci0000:00/0000:00:04.0/driver"
check "$R" driver-loaded warn 0 "the T4 passed through with vfio-pci"
first_line_is "[WARNING driver-loaded]: the nvidia module 535.129.03 is loaded, but not every GPU is bound to it: 0000:00:04.0 (vfio-pci)" \
	"driver-loaded: vfio-pci: message"
R=$(healthy)
rm -r "${R:?}/proc/driver/nvidia" "${R:?}/sys/module/nvidia"
check "$R" driver-loaded fail 1 "no nvidia module"
first_line_is "[ERROR driver-loaded]: the nvidia kernel module is not loaded (no '$R/sys/module/nvidia')" \
	"driver-loaded: missing: message"
hint_is "install the NVIDIA driver, then modprobe nvidia" "driver-loaded: hint"
check "$(jetson)" driver-loaded skip 0 "Jetson"

# --- device-nodes -------------------------------------------------------------------------
R=$(healthy)
check "$R" device-nodes pass 0 "nvidiactl, nvidia0, nvidia-uvm"
first_line_is "[PASS] '$R/dev' has nvidiactl, nvidia-uvm and 1 GPU node" "device-nodes: message"
rm "${R:?}/dev/nvidia-uvm"
check "$R" device-nodes warn 0 "no nvidia-uvm"
first_line_is "[WARNING device-nodes]: no '$R/dev/nvidia-uvm': CUDA programs will fail" "device-nodes: uvm: message"
hint_is "nvidia-modprobe -u -c0" "device-nodes: uvm: hint"
rm "${R:?}/dev/nvidia0"
check "$R" device-nodes fail 1 "no nvidia0"
first_line_is "[ERROR device-nodes]: missing in '$R/dev': 1 of 1 GPU nodes (nvidiaN)" "device-nodes: nvidia0: message"
rm "${R:?}/dev/nvidiactl"
check "$R" device-nodes fail 1 "no nvidiactl, no nvidia0"
first_line_is "[ERROR device-nodes]: missing in '$R/dev': nvidiactl and 1 of 1 GPU nodes (nvidiaN)" \
	"device-nodes: both: message"
check "$(jetson)" device-nodes skip 0 "Jetson"

# --- nvml and driver-version-match --------------------------------------------------------
# Under --root both skip: NVML and nvidia-smi talk to the running kernel. To check them for real, the node's
# /sys and /proc/driver are mounted over the machine's in a private mount namespace, and the
# stand-in libnvidia-ml.so.1 (tests/fakes/nvml.c: 535.129.03, two GPUs) is loaded.
R=$(healthy)
check "$R" nvml skip 0 "under --root"
first_line_is "[SKIP nvml]: not checked under --root: NVML and nvidia-smi talk to the running kernel's driver, not the image's" \
	"nvml: --root: message"
check "$R" driver-version-match skip 0 "under --root"
check "$(jetson)" nvml skip 0 "Jetson under --root"

# as_node ROOT CMD...: run CMD with ROOT's /sys and /proc/driver in place of the machine's,
# and ROOT's nvidia-smi (when it has one) as the machine's /usr/local/bin/nvidia-smi.
as_node() {
	local r=$1
	shift
	unshare -m --propagation private /bin/bash -c '
		r=$1; shift
		mount --bind "${r:?}/sys" /sys || exit 99
		mount -t tmpfs tmpfs /proc/driver || exit 99
		[ -d "${r:?}/proc/driver" ] && cp -a "${r:?}/proc/driver/." /proc/driver/
		mount -t tmpfs tmpfs /usr/local/bin || exit 99
		[ -e "${r:?}/usr/bin/nvidia-smi" ] && cp -a "${r:?}/usr/bin/nvidia-smi" /usr/local/bin/
		exec "$@"' as_node "$r" "$@"
}
# nvml_check ROOT ID STATUS RC NAME [ENV...]: check ID on ROOT's kernel state, without --root.
nvml_check() {
	local r=$1 id=$2 want=$3 want_rc=$4 name=$5
	shift 5
	run as_node "$r" env "$@" "$GPUPREP" --json preflight --checks "$id"
	local got
	got=$(statuses "$T/out")
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "$id=$want" ]; then
		ok "$id: $name: $want (exit $want_rc)"
	else
		not_ok "$id: $name: $want (exit $want_rc)" "got exit $rc, '$got'" \
			"stdout: $(head -c 1500 "$T/out")" "stderr: $(head -c 500 "$T/err")"
	fi
	sed -n 's/^      "message": "\(.*\)",$/\1/p' "$T/out" >"$T/msg"
}
msg_is() {
	local got
	got=$(cat "$T/msg")
	if [ "$got" = "$1" ]; then ok "$2"; else not_ok "$2" "got:  $got" "want: $1"; fi
}
nvml_reason=""
[ "$GPUPREP_STATIC" = 1 ] && nvml_reason="a static gpuprep cannot dlopen libnvidia-ml.so.1"
[ "$(id -u)" -eq 0 ] || nvml_reason="needs root to mount a node's /sys in a mount namespace"
[ -z "$nvml_reason" ] && ! unshare -m --propagation private true 2>/dev/null && nvml_reason="mount namespaces are not allowed here"
[ -z "$nvml_reason" ] && [ ! -e "${FAKE_NVML_DIR:-}/libnvidia-ml.so.1" ] && nvml_reason="no stand-in NVML in FAKE_NVML_DIR"
if [ -z "$nvml_reason" ]; then
	A=$(fixture_root t4-a100)
	run as_node "$A" true
	[ "$rc" -eq 99 ] && nvml_reason="cannot mount over /sys and /proc/driver here"
fi
if [ -z "$nvml_reason" ]; then
	L="LD_LIBRARY_PATH=$FAKE_NVML_DIR"
	nvml_check "$A" nvml pass 0 "two GPUs, NVML sees two" "$L"
	msg_is "NVML 535.129.03 sees 2 GPUs" "nvml: message"
	nvml_check "$A" driver-version-match pass 0 "535.129.03 on both sides" "$L"
	msg_is "the kernel module and NVML are both 535.129.03" "driver-version-match: message"
	nvml_check "$A" nvml fail 1 "NVML init fails" "$L" FAKE_NVML_INIT_ERROR=9
	msg_is "NVML fails: nvmlInit_v2: Driver Not Loaded" "nvml: init fails: message"
	nvml_check "$A" driver-version-match skip 0 "NVML fails" "$L" FAKE_NVML_INIT_ERROR=9
	msg_is "no NVML version to compare (see nvml)" "driver-version-match: no NVML: message"
	# A loadable NVML wins over the node's nvidia-smi (which as_node puts in place).
	nvml_check "$A" nvml pass 0 "NVML and nvidia-smi: NVML answers" "$L"
	msg_is "NVML 535.129.03 sees 2 GPUs" "nvml: NVML first: message"
	sed -i 's/535\.129\.03/550.54.14/' "${A:?}/proc/driver/nvidia/version"
	nvml_check "$A" driver-version-match fail 1 "module 550.54.14, library 535.129.03" "$L"
	msg_is "the kernel module is 550.54.14 but the NVML library is 535.129.03" "driver-version-match: message"
	nvml_check "$(fixture_root sample)" nvml warn 0 "one GPU on PCI, NVML sees two" "$L"
	msg_is "NVML 535.129.03 sees 2 GPUs, PCI has 1" "nvml: count differs: message"
	nvml_check "$(jetson)" nvml skip 0 "Jetson, not under --root" "$L"
	msg_is "Jetson: there is no NVML on Tegra" "nvml: Jetson: message"
	nvml_check "$(jetson)" driver-version-match skip 0 "Jetson, not under --root" "$L"
else
	for t in "nvml: pass" "nvml: message" "driver-version-match: pass" "driver-version-match: message" \
		"nvml: init fails" "nvml: init fails: message" "driver-version-match: NVML fails" \
		"driver-version-match: no NVML: message" "nvml: NVML and nvidia-smi" "nvml: NVML first: message" \
		"driver-version-match: fail" "driver-version-match: message" "nvml: count differs" \
		"nvml: count differs: message" "nvml: Jetson" "nvml: Jetson: message" "driver-version-match: Jetson"; do
		skip "$t" "$nvml_reason"
	done
fi

# Without libnvidia-ml.so.1 (the static gpuprep cannot load it at all; LD_LIBRARY_PATH points
# nowhere for the dynamic one), the node's nvidia-smi answers
# (tests/fixtures/nodes/t4-a100/usr/bin/nvidia-smi, in place through as_node), and the message
# says so. These need no stand-in NVML, and run on the static binary too.
smi_reason=""
[ "$(id -u)" -eq 0 ] || smi_reason="needs root to mount a node's /sys in a mount namespace"
[ -z "$smi_reason" ] && ! unshare -m --propagation private true 2>/dev/null && smi_reason="mount namespaces are not allowed here"
[ -z "$smi_reason" ] && [ -e /usr/bin/nvidia-smi ] && smi_reason="this machine has its own /usr/bin/nvidia-smi"
A=$(fixture_root t4-a100)
N="LD_LIBRARY_PATH=$T/nowhere"
if [ -z "$smi_reason" ]; then
	run as_node "$A" true
	[ "$rc" -eq 99 ] && smi_reason="cannot mount over /sys, /proc/driver and /usr/local/bin here"
fi
if [ -z "$smi_reason" ]; then
	nvml_check "$A" nvml pass 0 "no libnvidia-ml.so.1: the node's nvidia-smi" "$N"
	[ "$rc" -eq 0 ] || smi_reason="this machine has its own libnvidia-ml.so.1"
fi
if [ -z "$smi_reason" ]; then
	msg_is "nvidia-smi 535.129.03 sees 2 GPUs (libnvidia-ml.so.1 cannot be loaded)" "nvml: nvidia-smi: message"
	nvml_check "$A" driver-version-match pass 0 "nvidia-smi: 535.129.03 on both sides" "$N"
	msg_is "the kernel module and nvidia-smi are both 535.129.03" "driver-version-match: nvidia-smi: message"
	nvml_check "$(fixture_root sample)" nvml fail 1 "nvidia-smi: a node without one" "$N"
	# nvidia-smi without the driver: exit 9, and its own words.
	mkdir -p "$T/nodrv"
	cp -a "$A/." "$T/nodrv/"
	rm -r "${T:?}/nodrv/proc/driver/nvidia"
	nvml_check "$T/nodrv" nvml fail 1 "nvidia-smi: no driver" "$N"
	msg_is "nvidia-smi fails (libnvidia-ml.so.1 cannot be loaded): '/usr/local/bin/nvidia-smi' exited with 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running." \
		"nvml: nvidia-smi exit 9: message"
	# Neither source: a failure that names both and where nvidia-smi was looked for.
	rm "${T:?}/nodrv/usr/bin/nvidia-smi"
	cp -a "$A/proc" "$T/nodrv/"
	nvml_check "$T/nodrv" nvml fail 1 "neither NVML nor nvidia-smi" "$N"
	expect_contains "$T/msg" "cannot load libnvidia-ml.so.1 (" "nvml: neither: NVML's error"
	expect_contains "$T/msg" "and there is no nvidia-smi in /usr/bin, /usr/local/bin, /usr/sbin, /bin, /sbin, /usr/local/sbin" \
		"nvml: neither: the directories"
	expect_contains "$T/out" "nvidia-utils-VERSION), then run ldconfig" "nvml: neither: a hint"
	nvml_check "$T/nodrv" driver-version-match skip 0 "neither NVML nor nvidia-smi" "$N"
	msg_is "no NVML version to compare (see nvml)" "driver-version-match: neither: message"
	# A module of another version than nvidia-smi's library: nvidia-smi's exit 18.
	sed -i 's/535\.129\.03/550.54.14/' "${A:?}/proc/driver/nvidia/version"
	nvml_check "$A" nvml fail 1 "nvidia-smi: module 550.54.14, library 535.129.03" "$N"
	msg_is "nvidia-smi fails (libnvidia-ml.so.1 cannot be loaded): '/usr/local/bin/nvidia-smi' exited with 18: Failed to initialize NVML: Driver/library version mismatch" \
		"nvml: nvidia-smi: version mismatch: message"
else
	for t in "nvml: nvidia-smi" "nvml: nvidia-smi: message" "driver-version-match: nvidia-smi" \
		"driver-version-match: nvidia-smi: message" "nvml: nvidia-smi: a node without one" \
		"nvml: nvidia-smi: no driver" "nvml: nvidia-smi exit 9: message" "nvml: neither" \
		"nvml: neither: NVML's error" "nvml: neither: the directories" "nvml: neither: a hint" \
		"driver-version-match: neither" "driver-version-match: neither: message" \
		"nvml: nvidia-smi: version mismatch" "nvml: nvidia-smi: version mismatch: message"; do
		skip "$t" "$smi_reason"
	done
fi

# A real node's GPU side: tests/fixtures/nodes/h200-ubuntu2404 (an H200, the open module
# 580.159.04; SOURCES-h200.md), its /sys, /proc/driver and nvidia-smi's answers as the machine's.
h200_tests=("gpu-present: h200" "gpu-present: h200: message" "driver-loaded: h200" "driver-loaded: h200: message"
	"nvml: h200" "nvml: h200: message" "driver-version-match: h200" "driver-version-match: h200: message"
	"mig: h200" "mig: h200: message")
if [ -z "$smi_reason" ]; then
	H=$(fixture_root h200-ubuntu2404)
	nvml_check "$H" gpu-present pass 0 "h200" "$N"
	# pci.ids (this machine's, and the built-in list made from it at build time) is older than
	# the H200 where it has no 10de:2335 (Debian 12's is from April 2023): the driver names it.
	if cat /usr/share/misc/pci.ids /usr/share/hwdata/pci.ids 2>/dev/null |
		awk '/^[0-9a-f]{4} /{v=$1} v=="10de" && /^\t2335 /{f=1} END{exit !f}'; then
		skip "gpu-present: h200: message" "this machine's pci.ids names 10de:2335, so the driver's name is not needed"
	else
		# Named so where NVML is asked anyway (with the nvml check, as in a whole preflight);
		# gpu-present alone does not run nvidia-smi for a name.
		run as_node "$H" env "$N" "$GPUPREP" preflight --checks gpu-present,nvml
		expect_contains "$T/out" "[PASS] 1 NVIDIA GPU: NVIDIA H200 at 0000:00:06.0" "gpu-present: h200: message"
	fi
	nvml_check "$H" driver-loaded pass 0 "h200" "$N"
	msg_is "the nvidia kernel module 580.159.04 (open) is loaded" "driver-loaded: h200: message"
	nvml_check "$H" nvml pass 0 "h200" "$N"
	msg_is "nvidia-smi 580.159.04 sees 1 GPU (libnvidia-ml.so.1 cannot be loaded)" "nvml: h200: message"
	nvml_check "$H" driver-version-match pass 0 "h200" "$N"
	msg_is "the kernel module and nvidia-smi are both 580.159.04" "driver-version-match: h200: message"
	nvml_check "$H" mig pass 0 "h200" "$N"
	msg_is "MIG is off on every GPU" "mig: h200: message"
else
	for t in "${h200_tests[@]}"; do skip "$t" "$smi_reason"; done
fi

# --- mig ----------------------------------------------------------------------------------
# MIG on a GPU needs a device plugin with a MIG strategy (single or mixed), or the GPU is not
# advertised. The modes come from NVML (the stand-in's A100: FAKE_NVML_MIG) or the node's
# nvidia-smi (FAKE_SMI_MIG); the strategy from --mig-strategy or the manifest (--device-plugin).
check "$(healthy)" mig skip 0 "under --root"
run "$GPUPREP" --root "$(healthy)" preflight --checks mig --mig-strategy all
expect_rc 2 "mig: --mig-strategy all: usage error"
expect_contains "$T/err" "--mig-strategy: unknown strategy 'all' (none, single or mixed)" "mig: --mig-strategy all: message"
run "$GPUPREP" --root "$(healthy)" preflight --checks mig --device-plugin "$T/no-such.yaml"
expect_rc 1 "mig: --device-plugin that cannot be read"
expect_contains "$T/err" "--device-plugin: cannot read '$T/no-such.yaml': No such file or directory" \
	"mig: --device-plugin that cannot be read: message"
# mig_check ROOT STATUS RC NAME ENV... -- ARGS...: the mig check on ROOT's kernel state.
mig_check() {
	local r=$1 want=$2 want_rc=$3 name=$4 envs=()
	shift 4
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	run as_node "$r" env "${envs[@]}" "$GPUPREP" --json preflight --checks mig "$@"
	local got
	got=$(statuses "$T/out")
	if [ "$rc" -eq "$want_rc" ] && [ "$got" = "mig=$want" ]; then ok "mig: $name: $want (exit $want_rc)"; else
		not_ok "mig: $name: $want (exit $want_rc)" "got exit $rc, '$got'" "$(head -c 1500 "$T/out")" "$(head -c 500 "$T/err")"
	fi
	sed -n 's/^      "message": "\(.*\)",$/\1/p' "$T/out" >"$T/msg"
	sed -n 's/^      "hint": "\(.*\)",\{0,1\}$/\1/p' "$T/out" >"$T/hint"
}
"$GPUPREP" manifest device-plugin >"$T/dp-none.yaml"
"$GPUPREP" manifest device-plugin --mig-strategy mixed >"$T/dp-mixed.yaml"
mixed_line=$(($(grep -n 'name: MIG_STRATEGY' "$T/dp-mixed.yaml" | cut -d: -f1) + 1))
if [ -z "$nvml_reason" ]; then
	A=$(fixture_root t4-a100)
	L="LD_LIBRARY_PATH=$FAKE_NVML_DIR"
	mig_check "$A" pass 0 "the A100's MIG off, the T4 has none" "$L"
	msg_is "MIG is off on every GPU" "mig: off: message"
	mig_check "$A" warn 0 "MIG on, no strategy given" "$L" FAKE_NVML_MIG=1/1
	msg_is "MIG is on for 0000:86:00.0, and the device plugin's MIG strategy is not known (pass --device-plugin FILE or --mig-strategy): without one it advertises no GPU in MIG mode" \
		"mig: on, no strategy: message"
	expect_contains "$T/hint" "gpuprep manifest device-plugin --mig-strategy single|mixed" "mig: on, no strategy: the hint"
	mig_check "$A" warn 0 "MIG on, a manifest without a strategy" "$L" FAKE_NVML_MIG=1/1 -- --device-plugin "$T/dp-none.yaml"
	msg_is "MIG is on for 0000:86:00.0, but the device plugin manifest '$T/dp-none.yaml' has no MIG strategy: it advertises no GPU in MIG mode" \
		"mig: on, a manifest without a strategy: message"
	mig_check "$A" pass 0 "MIG on, the manifest's strategy mixed" "$L" FAKE_NVML_MIG=1/1 -- --device-plugin "$T/dp-mixed.yaml"
	msg_is "MIG is on for 0000:86:00.0; the device plugin's MIG strategy is mixed, '$T/dp-mixed.yaml':$mixed_line" \
		"mig: on, mixed: message names the manifest's line"
	mig_check "$A" pass 0 "MIG on, --mig-strategy single" "$L" FAKE_NVML_MIG=1/1 -- --mig-strategy single
	mig_check "$A" warn 0 "MIG on, --mig-strategy none" "$L" FAKE_NVML_MIG=1/1 -- --mig-strategy none
	mig_check "$A" warn 0 "MIG on after the next reset" "$L" FAKE_NVML_MIG=0/1
	msg_is "MIG is on for 0000:86:00.0 (after the next GPU reset), and the device plugin's MIG strategy is not known (pass --device-plugin FILE or --mig-strategy): without one it advertises no GPU in MIG mode" \
		"mig: pending: message"
	mig_check "$A" skip 0 "NVML fails" "$L" FAKE_NVML_INIT_ERROR=9
	mig_check "$(jetson)" skip 0 "Jetson" "$L"
else
	for t in "off" "off: message" "on, no strategy" "on, no strategy: message" "on, no strategy: the hint" \
		"a manifest without a strategy" "a manifest without a strategy: message" "mixed" "mixed: message" \
		"--mig-strategy single" "--mig-strategy none" "pending" "pending: message" "NVML fails" "Jetson"; do
		skip "mig: $t" "$nvml_reason"
	done
fi
if [ -z "$smi_reason" ]; then
	A=$(fixture_root t4-a100)
	mig_check "$A" warn 0 "nvidia-smi says MIG is on" "LD_LIBRARY_PATH=$T/nowhere" "FAKE_SMI_MIG=Enabled, Enabled"
	msg_is "MIG is on for 0000:86:00.0, and the device plugin's MIG strategy is not known (pass --device-plugin FILE or --mig-strategy): without one it advertises no GPU in MIG mode" \
		"mig: nvidia-smi: message"
	mig_check "$A" skip 0 "nvidia-smi's MIG answer unreadable" "LD_LIBRARY_PATH=$T/nowhere" "FAKE_SMI_MIG=Enabled"
else
	skip "mig: nvidia-smi" "$smi_reason"
	skip "mig: nvidia-smi: message" "$smi_reason"
	skip "mig: nvidia-smi's MIG answer unreadable" "$smi_reason"
fi

# --- toolkit ------------------------------------------------------------------------------
ST=var/lib/dpkg/status
PKGS="libnvidia-container1 libnvidia-container-tools nvidia-container-toolkit-base nvidia-container-toolkit"
# drop_pkg ROOT NAME: remove NAME's stanza from ROOT's dpkg status.
drop_pkg() {
	awk -v p="Package: $2" 'BEGIN { RS = ""; ORS = "\n\n" } $1 " " $2 != p' "$1/$ST" >"$T/status.new"
	mv "$T/status.new" "$1/$ST"
}
# set_pkg ROOT NAME FIELD VALUE: set a field of NAME's stanza in ROOT's dpkg status.
set_pkg() {
	awk -v p="Package: $2" -v f="$3: " -v v="$4" 'BEGIN { RS = ""; ORS = "\n\n"; FS = "\n"; OFS = "\n" }
		$1 == p { for (i = 1; i <= NF; i++) if (index($i, f) == 1) $i = f v } { print }' "$1/$ST" >"$T/status.new"
	mv "$T/status.new" "$1/$ST"
}
R=$(healthy)
check "$R" toolkit pass 0 "1.17.8-1, all four packages and the programs in /usr/bin"
first_line_is "[PASS] NVIDIA Container Toolkit 1.17.8-1: the four packages, and nvidia-container-runtime, nvidia-ctk and nvidia-container-cli in /usr/bin" \
	"toolkit: message"
mkdir -p "${R:?}/usr/local/bin"
mv "${R:?}/usr/bin/nvidia-ctk" "$R/usr/local/bin/"
check "$R" toolkit pass 0 "nvidia-ctk in /usr/local/bin"
first_line_is "[PASS] NVIDIA Container Toolkit 1.17.8-1: the four packages, and /usr/bin/nvidia-container-runtime, /usr/local/bin/nvidia-ctk and /usr/bin/nvidia-container-cli" \
	"toolkit: programs in two dirs: message"
rm "${R:?}/usr/local/bin/nvidia-ctk"
check "$R" toolkit fail 1 "nvidia-ctk missing"
first_line_is "[ERROR toolkit]: not in any bin dir: nvidia-ctk" "toolkit: program missing: message"
hint_is "the packages are installed but a program is gone: reinstall them (apt-get install --reinstall $PKGS)" \
	"toolkit: program missing: hint"
chmod -x "${R:?}/usr/bin/nvidia-container-cli"
check "$R" toolkit fail 1 "nvidia-container-cli not executable"
first_line_is "[ERROR toolkit]: not in any bin dir: nvidia-ctk, nvidia-container-cli" \
	"toolkit: two programs missing: message"

R=$(healthy)
drop_pkg "$R" nvidia-container-toolkit-base
check "$R" toolkit fail 1 "nvidia-container-toolkit-base not installed"
first_line_is "[ERROR toolkit]: not installed: nvidia-container-toolkit-base" "toolkit: package missing: message"
hint_is "gpuprep install --version 1.17.8-1 puts all four packages at one version" "toolkit: package missing: hint"
R=$(healthy)
set_pkg "$R" libnvidia-container1 Status "deinstall ok config-files"
check "$R" toolkit fail 1 "libnvidia-container1 removed, its config files left"
first_line_is "[ERROR toolkit]: not installed: libnvidia-container1" "toolkit: config-files only: message"
R=$(healthy)
set_pkg "$R" nvidia-container-toolkit Status "hold ok installed"
check "$R" toolkit pass 0 "a held package is installed"
for p in $PKGS; do drop_pkg "$R" "$p"; done
check "$R" toolkit fail 1 "no toolkit package at all"
first_line_is "[ERROR toolkit]: none of the four packages is installed" "toolkit: no package: message"
hint_is "gpuprep install" "toolkit: no package: hint"

R=$(healthy)
set_pkg "$R" libnvidia-container1 Version 1.17.7-1
set_pkg "$R" libnvidia-container-tools Version 1.17.7-1
check "$R" toolkit fail 1 "1.17.8-1 and 1.17.7-1 mixed"
first_line_is "[ERROR toolkit]: the packages are not at one version: libnvidia-container1 1.17.7-1, libnvidia-container-tools 1.17.7-1, nvidia-container-toolkit-base 1.17.8-1, nvidia-container-toolkit 1.17.8-1" \
	"toolkit: mixed versions: message"
hint_is "gpuprep install --version 1.17.8-1 puts all four packages at one version" "toolkit: mixed versions: hint"
# dpkg's journal: an update not yet folded into status counts, as dpkg-query would have it.
R=$(healthy)
mkdir -p "${R:?}/var/lib/dpkg/updates"
printf 'Package: nvidia-container-toolkit-base\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.18.0-1\n' \
	>"$R/var/lib/dpkg/updates/0000"
check "$R" toolkit fail 1 "dpkg's journal upgraded one package"
first_line_is "[ERROR toolkit]: the packages are not at one version: libnvidia-container1 1.17.8-1, libnvidia-container-tools 1.17.8-1, nvidia-container-toolkit-base 1.18.0-1, nvidia-container-toolkit 1.17.8-1" \
	"toolkit: journal: message"
hint_is "gpuprep install --version 1.18.0-1 puts all four packages at one version" "toolkit: journal: hint (the newest)"
if command -v dpkg-query >/dev/null; then
	got=$(dpkg-query --admindir="$R/var/lib/dpkg" -W -f='${Version}' nvidia-container-toolkit-base 2>/dev/null)
	if [ "$got" = 1.18.0-1 ]; then ok "toolkit: dpkg-query reads the journal the same way"; else not_ok "toolkit: dpkg-query reads the journal the same way" "got $got"; fi
else
	skip "toolkit: dpkg-query reads the journal the same way" "no dpkg-query"
fi

R=$(healthy)
sed -i 's/^Version: 1.17.8-1$/Version 1.17.8-1/' "${R:?}/$ST"
check "$R" toolkit fail 1 "a broken stanza in dpkg's status"
first_line_is "[ERROR toolkit]: cannot read the package database: '$R/$ST': 22:1: expected 'Field: value'" \
	"toolkit: broken status: message (the file and line)"
R=$(healthy)
rm -r "${R:?}/var/lib/dpkg"
check "$R" toolkit warn 0 "no package database"
first_line_is "[WARNING toolkit]: nvidia-container-runtime, nvidia-ctk and nvidia-container-cli in /usr/bin, but no package database (no '$R/$ST', and not an rpm system) to tell the toolkit's version" \
	"toolkit: no package database: message"

# An rpm system: the versions come from rpm -q --root, here Debian's rpm with a database of its
# own under the root, holding the four packages (built empty, recorded with --justdb).
if command -v rpm >/dev/null && command -v rpmbuild >/dev/null; then
	printf '%s\n' 'Name: %{pkgname}' 'Version: %{pkgver}' 'Release: 1' 'Summary: gpuprep test fixture' \
		'License: GPL-2.0-or-later' 'BuildArch: noarch' '%description' 'A gpuprep test fixture.' '%files' >"$T/f.spec"
	for p in $PKGS; do
		for v in 1.17.7 1.17.8; do
			rpmbuild -bb --quiet --define "_topdir $T/rpmbuild" --define "pkgname $p" --define "pkgver $v" \
				--define "_binary_payload w1.gzdio" --define "__os_install_post %{nil}" "$T/f.spec" 2>/dev/null
		done
	done
	R=$(healthy)
	rm -r "${R:?}/var/lib/dpkg"
	printf 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nID_LIKE="rhel centos fedora"\n' >"$R/etc/os-release"
	rpm --root "$R" --dbpath /var/lib/rpm --initdb
	rpm --root "$R" --dbpath /var/lib/rpm -i --justdb --nodeps --quiet "$T"/rpmbuild/RPMS/noarch/*-1.17.8-1.noarch.rpm 2>/dev/null
	check "$R" toolkit pass 0 "rpm: all four at 1.17.8-1"
	first_line_is "[PASS] NVIDIA Container Toolkit 1.17.8-1: the four packages, and nvidia-container-runtime, nvidia-ctk and nvidia-container-cli in /usr/bin" \
		"toolkit: rpm: message"
	rpm --root "$R" --dbpath /var/lib/rpm -U --oldpackage --justdb --nodeps --quiet "$T"/rpmbuild/RPMS/noarch/libnvidia-container1-1.17.7-1.noarch.rpm 2>/dev/null
	rpm --root "$R" --dbpath /var/lib/rpm -e --justdb --nodeps nvidia-container-toolkit-base 2>/dev/null
	check "$R" toolkit fail 1 "rpm: one package older, one missing"
	first_line_is "[ERROR toolkit]: not installed: nvidia-container-toolkit-base; the packages are not at one version: libnvidia-container1 1.17.7-1, libnvidia-container-tools 1.17.8-1, nvidia-container-toolkit 1.17.8-1" \
		"toolkit: rpm: mixed: message"
	rm "${R:?}/usr/bin/nvidia-ctk"
	check "$R" toolkit fail 1 "rpm: nvidia-ctk missing too"
	hint_is "gpuprep install --version 1.17.8-1 puts all four packages at one version" "toolkit: rpm: hint"
	# Without nvidia-container-toolkit the newest installed version names the toolkit, in rpm's
	# order: 1.1 is newer than 1.a there (dpkg's order says the opposite).
	for p in libnvidia-container1 libnvidia-container-tools; do
		for v in 1.a 1.1; do
			rpmbuild -bb --quiet --define "_topdir $T/rpmbuild" --define "pkgname $p" --define "pkgver $v" \
				--define "_binary_payload w1.gzdio" --define "__os_install_post %{nil}" "$T/f.spec" 2>/dev/null
		done
	done
	rpm --root "$R" --dbpath /var/lib/rpm -e --justdb --nodeps nvidia-container-toolkit libnvidia-container1 \
		libnvidia-container-tools 2>/dev/null
	rpm --root "$R" --dbpath /var/lib/rpm -i --justdb --nodeps --quiet \
		"$T"/rpmbuild/RPMS/noarch/libnvidia-container1-1.a-1.noarch.rpm \
		"$T"/rpmbuild/RPMS/noarch/libnvidia-container-tools-1.1-1.noarch.rpm 2>/dev/null
	check "$R" toolkit fail 1 "rpm: newest in rpm's order"
	hint_is "gpuprep install --version 1.1-1 puts all four packages at one version" "toolkit: rpm: newest: hint"
else
	for t in "toolkit: rpm: pass" "toolkit: rpm: pass: human" "toolkit: rpm: message" "toolkit: rpm: mixed" \
		"toolkit: rpm: mixed: human" "toolkit: rpm: mixed: message" "toolkit: rpm: nvidia-ctk" \
		"toolkit: rpm: nvidia-ctk: human" "toolkit: rpm: hint" "toolkit: rpm: newest" \
		"toolkit: rpm: newest: human" "toolkit: rpm: newest: hint"; do
		skip "$t" "rpm and rpmbuild are not installed (Debian package 'rpm')"
	done
fi

# Jetson: 1.10 is too old for CSV mode (and has no nvidia-ctk or toolkit-base yet).
R=$(jetson)
check "$R" toolkit fail 1 "Jetson with toolkit 1.10"
first_line_is "[ERROR toolkit]: toolkit 1.10.0-1 is older than 1.11, which a Jetson board needs (CSV mode); not in any bin dir: nvidia-ctk; not installed: nvidia-container-toolkit-base" \
	"toolkit: Jetson 1.10: message"
hint_is "gpuprep install (the newest toolkit; a Jetson board needs 1.11 or newer)" "toolkit: Jetson 1.10: hint"
sed -i 's/1\.10\.0-1/1.11.0-1/g' "${R:?}/$ST"
printf '\nPackage: nvidia-container-toolkit-base\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1.11.0-1\n' >>"$R/$ST"
cp "$R/usr/bin/nvidia-container-cli" "$R/usr/bin/nvidia-ctk"
check "$R" toolkit pass 0 "Jetson with toolkit 1.11"
first_line_is "[PASS] NVIDIA Container Toolkit 1.11.0-1: the four packages, and nvidia-container-runtime, nvidia-ctk and nvidia-container-cli in /usr/bin (1.11 or newer, as a Jetson board needs)" \
	"toolkit: Jetson 1.11: message"
sed -i 's/1\.11\.0-1/1.11.0~rc.1-1/g' "${R:?}/$ST"
check "$R" toolkit pass 0 "Jetson with toolkit 1.11.0~rc.1"
sed -i 's/1\.11\.0~rc\.1-1/1:1.10.0-1/g' "${R:?}/$ST"
check "$R" toolkit fail 1 "Jetson with toolkit 1:1.10.0 (the epoch does not make it newer)"

# --- runtime-config -----------------------------------------------------------------------
CT=etc/containerd/config.toml
R=$(healthy)
check "$R" runtime-config pass 0 "containerd with nvidia as the default"
first_line_is "[PASS] '$R/$CT' makes 'nvidia' (/usr/bin/nvidia-container-runtime) the default runtime" \
	"runtime-config: message"
sed -i 's/default_runtime_name = "nvidia"/default_runtime_name = "runc"/' "${R:?}/$CT"
check "$R" runtime-config fail 1 "runc as the default"
first_line_is "[ERROR runtime-config]: the default runtime in '$R/$CT' is 'runc' (runc), not NVIDIA's" \
	"runtime-config: runc: message"
hint_is "gpuprep configure --runtime containerd" "runtime-config: runc: hint"
sed -i 's/default_runtime_name = "runc"/default_runtime_name = "nvidia-cdi"/' "${R:?}/$CT"
check "$R" runtime-config fail 1 "a default runtime with no table"
first_line_is "[ERROR runtime-config]: '$R/$CT' makes 'nvidia-cdi' the default runtime, but defines no such runtime" \
	"runtime-config: undefined default: message"
R=$(healthy)
sed -i 's|BinaryName = "/usr/bin/nvidia-container-runtime"|BinaryName = "/usr/local/nvidia/toolkit/nvidia-container-runtime"|' "${R:?}/$CT"
check "$R" runtime-config fail 1 "a BinaryName that is not installed"
first_line_is "[ERROR runtime-config]: the default runtime 'nvidia' in '$R/$CT' runs '/usr/local/nvidia/toolkit/nvidia-container-runtime', which is not installed" \
	"runtime-config: missing binary: message"
printf 'version = 2\n[plugins\n' >"${R:?}/$CT"
check "$R" runtime-config fail 1 "malformed TOML"
expect_contains "$T/out" "[ERROR runtime-config]: cannot read containerd's config: $R/$CT:2:9: expected ']' to close the table header" \
	"runtime-config: malformed: names the file, line and column"
# A key of the wrong type is refused at its line and column, with a hint (issue 11, item 14).
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = 5\n' >"${R:?}/$CT"
check "$R" runtime-config fail 1 "default_runtime_name of the wrong type"
expect_contains "$T/out" "$R/$CT:3:3: 'plugins.\"io.containerd.grpc.v1.cri\".containerd.default_runtime_name' is an integer, not a string" \
	"runtime-config: a wrong type: the key's line and column"
rm "${R:?}/$CT"
check "$R" runtime-config fail 1 "no config.toml"
first_line_is "[ERROR runtime-config]: no '$R/$CT': containerd has no NVIDIA runtime" \
	"runtime-config: no file: message"
# The nvidia runtime in a drop-in that the main file imports, as configure --drop-in writes it.
mkdir -p "${R:?}/etc/containerd/conf.d"
printf 'version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n' >"${R:?}/$CT"
sed -n '/^version/,$p' "$FIXTURES/nodes/preflight-healthy/$CT" >"${R:?}/etc/containerd/conf.d/99-nvidia.toml"
check "$R" runtime-config pass 0 "nvidia in an imported drop-in"
# Config versions 1 (no version key: plugins.cri) and 3 (io.containerd.cri.v1.runtime).
R=$(healthy)
printf '[plugins.cri.containerd]\n  default_runtime_name = "nvidia"\n[plugins.cri.containerd.runtimes.nvidia]\n  runtime_type = "io.containerd.runc.v1"\n[plugins.cri.containerd.runtimes.nvidia.options]\n  Runtime = "/usr/bin/nvidia-container-runtime"\n  SystemdCgroup = true\n' >"${R:?}/$CT"
check "$R" runtime-config pass 0 "a version 1 config (plugins.cri, options.Runtime)"
check "$R" cgroup-driver pass 0 "a version 1 config's SystemdCgroup" --cgroup-driver systemd
sed -n '/^version/,$p' "$FIXTURES/nodes/preflight-healthy/$CT" |
	sed -e 's/^version = 2/version = 3/' -e 's/io\.containerd\.grpc\.v1\.cri/io.containerd.cri.v1.runtime/' >"${R:?}/$CT"
check "$R" runtime-config pass 0 "a version 3 config (io.containerd.cri.v1.runtime)"
sed -i 's/^version = 3/version = 2/' "${R:?}/$CT"
check "$R" runtime-config fail 1 "version 2 with version 3's table: no nvidia default"
sed -i 's/^version = 2/version = 4/' "${R:?}/$CT"
check "$R" runtime-config pass 0 "a version 4 config (containerd 2.3: version 3's CRI layout)"
sed -i 's/^version = 4/version = 5/' "${R:?}/$CT"
check "$R" runtime-config fail 1 "an unknown config version"
first_line_is "[ERROR runtime-config]: cannot read containerd's config: $R/$CT:1:1: unknown config version 5" \
	"runtime-config: version 5: message with the line"
# docker: daemon.json through the same reader configure uses.
R=$(healthy)
check "$R" runtime-config fail 1 "docker without daemon.json" --runtime docker
first_line_is "[ERROR runtime-config]: no '$R/etc/docker/daemon.json': docker has no NVIDIA runtime" \
	"runtime-config: docker: no file: message"
mkdir -p "${R:?}/etc/docker"
printf '{\n    "default-runtime": "nvidia",\n    "runtimes": {\n        "nvidia": {\n            "path": "nvidia-container-runtime",\n            "runtimeArgs": []\n        }\n    }\n}\n' >"${R:?}/etc/docker/daemon.json"
check "$R" runtime-config pass 0 "docker with nvidia as the default" --runtime docker
first_line_is "[PASS] '$R/etc/docker/daemon.json' makes 'nvidia' (nvidia-container-runtime) the default runtime" \
	"runtime-config: docker: message"
sed -i 's/"default-runtime": "nvidia"/"default-runtime": "runc"/' "${R:?}/etc/docker/daemon.json"
check "$R" runtime-config fail 1 "docker with runc as the default" --runtime docker
rm "${R:?}/usr/bin/nvidia-container-runtime"
sed -i 's/"default-runtime": "runc"/"default-runtime": "nvidia"/' "${R:?}/etc/docker/daemon.json"
check "$R" runtime-config fail 1 "docker: nvidia-container-runtime not in the bin dirs" --runtime docker

# --- runtime-live (the live daemon itself: tests/daemons/preflight-live.sh) ---------------
R=$(healthy)
rm "${R:?}/run/containerd/containerd.sock"
check "$R" runtime-live skip 0 "no socket"
first_line_is "[SKIP runtime-live]: no containerd socket '$R/run/containerd/containerd.sock': the daemon is not running here" \
	"runtime-live: no socket: message"
mksock "${R:?}/run/containerd/containerd.sock"
check "$R" runtime-live fail 1 "a socket nobody listens on"
expect_contains "$T/out" "[ERROR runtime-live]: cannot ask the running containerd: " "runtime-live: dead socket: message"
check "$R" runtime-live skip 0 "docker, no socket" --runtime docker

# --- cri-plugin ---------------------------------------------------------------------------
R=$(healthy)
check "$R" cri-plugin pass 0 "CRI enabled"
first_line_is "[PASS] the CRI plugin is enabled in '$R/$CT'" "cri-plugin: message"
sed -i '1a disabled_plugins = ["cri"]' "${R:?}/$CT"
check "$R" cri-plugin fail 1 "disabled_plugins = [\"cri\"], as docker.io's containerd ships it"
first_line_is "[ERROR cri-plugin]: '$R/$CT' disables the CRI plugin: disabled_plugins holds \"cri\"" \
	"cri-plugin: message"
hint_is 'remove "cri" from disabled_plugins and restart containerd: without it, edgecore fails with "unknown service runtime.v1.RuntimeService"' \
	"cri-plugin: hint"
sed -i 's/disabled_plugins = \["cri"\]/disabled_plugins = ["io.containerd.grpc.v1.cri"]/' "${R:?}/$CT"
check "$R" cri-plugin fail 1 "the CRI plugin disabled by its full id"
check "$R" cri-plugin skip 0 "docker" --runtime docker

# --- cgroup-driver ------------------------------------------------------------------------
R=$(healthy)
check "$R" cgroup-driver pass 0 "systemd on both sides" --cgroup-driver systemd
first_line_is "[PASS] keadm and containerd both use the systemd cgroup driver" "cgroup-driver: message"
check "$R" cgroup-driver fail 1 "keadm's default cgroupfs against SystemdCgroup = true"
first_line_is "[ERROR cgroup-driver]: keadm join will use --cgroupdriver=cgroupfs, but containerd uses systemd (SystemdCgroup = true for runtime 'nvidia' in '$R/$CT')" \
	"cgroup-driver: mismatch: shows both values"
hint_is "keadm join --cgroupdriver=systemd (and gpuprep preflight --cgroup-driver systemd), or change the runtime: gpuprep configure --runtime containerd --cgroup-driver cgroupfs" \
	"cgroup-driver: mismatch: the exact flag"
check "$R" cgroup-driver warn 0 "the mismatch ignored" --ignore-preflight-errors cgroup-driver
sed -i '/SystemdCgroup/d' "${R:?}/$CT"
check "$R" cgroup-driver fail 1 "no SystemdCgroup against keadm's systemd" --cgroup-driver systemd
first_line_is "[ERROR cgroup-driver]: keadm join will use --cgroupdriver=systemd, but containerd uses cgroupfs (runtime 'nvidia' has no SystemdCgroup: containerd's default is false)" \
	"cgroup-driver: containerd default: message"
check "$R" cgroup-driver pass 0 "no SystemdCgroup and keadm's cgroupfs"
mkdir -p "${R:?}/etc/docker"
printf '{"exec-opts": ["native.cgroupdriver=systemd"]}\n' >"${R:?}/etc/docker/daemon.json"
check "$R" cgroup-driver fail 1 "docker: exec-opts systemd against keadm's cgroupfs" --runtime docker
first_line_is "[ERROR cgroup-driver]: keadm join will use --cgroupdriver=cgroupfs, but docker uses systemd (exec-opts native.cgroupdriver=systemd in '$R/etc/docker/daemon.json')" \
	"cgroup-driver: docker: message"
printf '{"log-driver": "json-file"}\n' >"${R:?}/etc/docker/daemon.json"
check "$R" cgroup-driver pass 0 "docker's default without systemd: cgroupfs" --runtime docker
mkdir -p "${R:?}/run/systemd/system"
check "$R" cgroup-driver pass 0 "docker's default on cgroup v2 with systemd: systemd" --runtime docker --cgroup-driver systemd
first_line_is "[PASS] keadm and docker both use the systemd cgroup driver" "cgroup-driver: docker default: message"

# --- cri-socket ---------------------------------------------------------------------------
R=$(healthy)
check "$R" cri-socket pass 0 "containerd's socket"
first_line_is "[PASS] CRI socket '$R/run/containerd/containerd.sock' is there" "cri-socket: message"
check "$R" cri-socket pass 0 "a plain path" --cri-socket /run/containerd/containerd.sock
check "$R" cri-socket pass 0 "/var/run spelling" --cri-socket unix:///var/run/containerd/containerd.sock
rm "${R:?}/run/containerd/containerd.sock"
check "$R" cri-socket fail 1 "no socket"
first_line_is "[ERROR cri-socket]: no CRI socket '$R/run/containerd/containerd.sock' (No such file or directory)" \
	"cri-socket: no socket: message"
hint_is "start containerd, or pass the socket it listens on with --cri-socket (keadm join --remote-runtime-endpoint)" \
	"cri-socket: no socket: hint"
: >"${R:?}/run/containerd/containerd.sock"
check "$R" cri-socket fail 1 "a regular file"
first_line_is "[ERROR cri-socket]: '$R/run/containerd/containerd.sock' is not a socket" \
	"cri-socket: a regular file: message"

R=$(healthy)
mksock "${R:?}/run/docker.sock"
check "$R" cri-socket fail 1 "docker without cri-dockerd" --runtime docker
first_line_is "[ERROR cri-socket]: no cri-dockerd socket '$R/run/cri-dockerd.sock' (No such file or directory): docker needs cri-dockerd since KubeEdge 1.14" \
	"cri-socket: docker without cri-dockerd: message"
hint_is "install and start cri-dockerd, then pass --remote-runtime-endpoint=unix:///var/run/cri-dockerd.sock to keadm join" \
	"cri-socket: docker without cri-dockerd: hint"
check "$R" cri-socket fail 1 "docker.sock as the endpoint" --cri-socket unix:///var/run/docker.sock --runtime docker
first_line_is "[ERROR cri-socket]: 'unix:///var/run/docker.sock' is Docker Engine's API, not a CRI endpoint: KubeEdge >= 1.14 removed dockershim" \
	"cri-socket: docker.sock: message"
mksock "${R:?}/run/cri-dockerd.sock"
check "$R" cri-socket warn 0 "docker with cri-dockerd, and containerd's socket too" --runtime docker
first_line_is "[WARNING cri-socket]: several CRI sockets: unix:///run/containerd/containerd.sock, unix:///run/cri-dockerd.sock; keadm join uses unix:///run/containerd/containerd.sock unless told" \
	"cri-socket: several sockets: message"
hint_is "pass --remote-runtime-endpoint=unix:///run/cri-dockerd.sock to keadm join (and --cri-socket to gpuprep preflight)" \
	"cri-socket: several sockets: hint"
check "$R" cri-socket pass 0 "several sockets, one chosen" --cri-socket unix:///var/run/cri-dockerd.sock
rm "${R:?}/run/containerd/containerd.sock"
check "$R" cri-socket pass 0 "docker with cri-dockerd" --runtime docker
first_line_is "[PASS] cri-dockerd socket '$R/run/cri-dockerd.sock' is there: pass --remote-runtime-endpoint=unix:///run/cri-dockerd.sock to keadm join" \
	"cri-socket: docker with cri-dockerd: message"

# --- cgroups ------------------------------------------------------------------------------
R=$(healthy)
check "$R" cgroups pass 0 "v2 with every controller"
first_line_is "[PASS] cgroup v2 with the cpu, cpuset, memory and pids controllers" "cgroups: v2: message"
echo "cpu io hugetlb" >"${R:?}/sys/fs/cgroup/cgroup.controllers"
check "$R" cgroups fail 1 "v2 without cpuset, memory, pids"
first_line_is "[ERROR cgroups]: cgroup v2 controllers missing: cpuset, memory, pids (not in '$R/sys/fs/cgroup/cgroup.controllers')" \
	"cgroups: v2 missing: message"
rm "${R:?}/sys/fs/cgroup/cgroup.controllers"
cat >"${R:?}/proc/cgroups" <<'EOF'
#subsys_name	hierarchy	num_cgroups	enabled
cpuset	2	1	1
cpu	3	60	1
cpuacct	3	60	1
blkio	4	60	1
memory	5	97	1
devices	6	60	1
freezer	7	1	1
net_cls	8	1	1
pids	9	66	1
EOF
check "$R" cgroups warn 0 "v1 with every controller"
hint_is "boot with systemd.unified_cgroup_hierarchy=1 on the kernel command line to move to cgroup v2" \
	"cgroups: v1: hint"
sed -i 's/^memory\t5\t97\t1/memory\t0\t1\t0/; /^devices/d' "${R:?}/proc/cgroups"
check "$R" cgroups fail 1 "v1 with memory disabled and no devices"
first_line_is "[ERROR cgroups]: cgroup v1 controllers missing or disabled: memory, devices (in '$R/proc/cgroups')" \
	"cgroups: v1 missing: message"
rm "${R:?}/proc/cgroups"
check "$R" cgroups fail 1 "neither v1 nor v2"
rm -rf "${R:?}/proc" "${R:?}/sys"
check "$R" cgroups skip 0 "an image with no /proc or /sys"

# --- dev-char-links -----------------------------------------------------------------------
R=$(healthy)
check "$R" dev-char-links pass 0 "links for nvidia0 and nvidiactl" --cgroup-driver systemd
first_line_is "[PASS] '$R/dev/char' links for all 2 NVIDIA device nodes" "dev-char-links: message"
check "$R" dev-char-links skip 0 "cgroupfs does not need them"
# A link that does not lead to its node: a plain file, a link elsewhere, a dangling link;
# with one missing too, both said.
rm "${R:?}/dev/char/195:0" && printf 'x\n' >"$R/dev/char/195:0"
check "$R" dev-char-links warn 0 "nvidia0's link a plain file" --cgroup-driver systemd
first_line_is "[WARNING dev-char-links]: '$R/dev/char' links that do not lead to their NVIDIA device nodes: nvidia0 (195:0 is not a link)" \
	"dev-char-links: a plain file: message"
hint_is "remove those, then run nvidia-ctk system create-dev-char-symlinks --create-all: systemd allows a container the device a link leads to, so with these it gets another device or none after systemctl daemon-reload" \
	"dev-char-links: a plain file: hint"
rm "$R/dev/char/195:0" && ln -s ../nvidiactl "$R/dev/char/195:0"
check "$R" dev-char-links warn 0 "nvidia0's link leads to nvidiactl" --cgroup-driver systemd
first_line_is "[WARNING dev-char-links]: '$R/dev/char' links that do not lead to their NVIDIA device nodes: nvidia0 (195:0 leads to /dev/nvidiactl)" \
	"dev-char-links: a link elsewhere: message"
rm "$R/dev/char/195:0" && ln -s /dev/nvidia7 "$R/dev/char/195:0" && rm "$R/dev/char/195:255"
check "$R" dev-char-links warn 0 "nvidia0's link dangling, nvidiactl's missing" --cgroup-driver systemd
first_line_is "[WARNING dev-char-links]: '$R/dev/char' links that do not lead to their NVIDIA device nodes: nvidia0 (195:0 leads to /dev/nvidia7, which is not there); no links for nvidiactl (195:255)" \
	"dev-char-links: dangling and missing: message"
rm "$R/dev/char/195:0" && ln -s /dev/nvidia0 "$R/dev/char/195:0" && ln -s ../nvidiactl "$R/dev/char/195:255"
check "$R" dev-char-links pass 0 "an absolute link to the node passes as a relative one does" --cgroup-driver systemd
rm "${R:?}/dev/char/195:0"
check "$R" dev-char-links warn 0 "nvidia0's link missing" --cgroup-driver systemd
first_line_is "[WARNING dev-char-links]: no '$R/dev/char' links for nvidia0 (195:0)" \
	"dev-char-links: missing: message"
hint_is "nvidia-ctk system create-dev-char-symlinks --create-all: without them, containers lose GPU access after systemctl daemon-reload" \
	"dev-char-links: missing: hint"
rm "${R:?}"/dev/nvidia*
check "$R" dev-char-links skip 0 "no device nodes" --cgroup-driver systemd

# --- cdi ----------------------------------------------------------------------------------
R=$(healthy)
check "$R" cdi pass 0 "a YAML spec in /etc/cdi"
first_line_is "[PASS] CDI spec for nvidia.com/gpu: '$R/etc/cdi/nvidia.yaml'" "cdi: yaml: message"
rm "${R:?}/etc/cdi/nvidia.yaml"
check "$R" cdi skip 0 "no spec, not needed"
mkdir -p "${R:?}/run/cdi"
printf '{"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": []}\n' >"${R:?}/run/cdi/nvidia.json"
check "$R" cdi pass 0 "a JSON spec in /var/run/cdi"
first_line_is "[PASS] CDI spec for nvidia.com/gpu: '$R/run/cdi/nvidia.json'" "cdi: json in /var/run/cdi: message"
printf '{"cdiVersion": "0.5.0", "kind": "example.com/fpga"}\n' >"${R:?}/run/cdi/nvidia.json"
printf 'cdiVersion: "0.5.0"\nkind: "example.com/fpga"\n' >"${R:?}/etc/cdi/other.yaml"
echo "# R36 (release), REVISION: 4.7, GCID: 42132812, BOARD: generic, EABI: aarch64" >"${R:?}/etc/nv_tegra_release"
check "$R" cdi fail 1 "JetPack 6 Jetson with only other kinds of spec"
hint_is "nvidia-ctk cdi generate --mode=csv --output=/etc/cdi/nvidia.yaml" "cdi: Jetson: hint"
printf 'cdiVersion: "0.5.0"\nkind: '"'"'nvidia.com/gpu'"'"'  # quoted\n' >"${R:?}/etc/cdi/other.yaml"
check "$R" cdi pass 0 "Jetson with a quoted kind"
R=$(healthy)
rm "${R:?}/etc/cdi/nvidia.yaml"
sed -i '/^  \[plugins."io.containerd.grpc.v1.cri"\]$/a \    enable_cdi = true' "${R:?}/etc/containerd/config.toml"
check "$R" cdi fail 1 "containerd enables CDI, no spec"
first_line_is "[ERROR cdi]: no CDI spec for nvidia.com/gpu in '$R/etc/cdi' or '$R/run/cdi' (the runtime's config enables CDI)" \
	"cdi: enabled: message"
hint_is "nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml" "cdi: enabled: hint"
mkdir -p "${R:?}/etc/docker"
printf '{"features": {"cdi": true}}\n' >"${R:?}/etc/docker/daemon.json"
check "$R" cdi fail 1 "docker enables CDI, no spec" --runtime docker
printf '{"features": {"cdi": false}}\n' >"${R:?}/etc/docker/daemon.json"
check "$R" cdi skip 0 "docker does not enable CDI" --runtime docker

# --- swap ---------------------------------------------------------------------------------
R=$(healthy)
check "$R" swap pass 0 "no swap"
first_line_is "[PASS] swap is off" "swap: message"
printf '/swapfile                               file\t\t2097148\t\t0\t\t-2\n' >>"${R:?}/proc/swaps"
check "$R" swap warn 0 "a swap file"
first_line_is "[WARNING swap]: swap is on: /swapfile" "swap: on: message"
hint_is "run swapoff -a and remove the swap entries from /etc/fstab: kubelet refuses to start with swap on unless told otherwise" \
	"swap: on: hint"

# --- ip-forward ---------------------------------------------------------------------------
R=$(healthy)
check "$R" ip-forward pass 0 "forwarding on"
echo 0 >"${R:?}/proc/sys/net/ipv4/ip_forward"
check "$R" ip-forward fail 1 "forwarding off"
first_line_is "[ERROR ip-forward]: IPv4 forwarding is off (net.ipv4.ip_forward = 0)" "ip-forward: off: message"
hint_is "sysctl -w net.ipv4.ip_forward=1, and keep it in a file under /etc/sysctl.d/" "ip-forward: off: hint"
rm "${R:?}/proc/sys/net/ipv4/ip_forward"
check "$R" ip-forward fail 1 "no sysctl file"
hint_is "the kernel makes this file when /proc/sys is mounted and it has IPv4 networking: mount /proc/sys (a container may hide it), or run on a kernel with IPv4" "ip-forward: no file: the hint is not sysctl -w"

# --- edgecore-clean -----------------------------------------------------------------------
R=$(healthy)
check "$R" edgecore-clean pass 0 "a fresh node"
mkdir -p "${R:?}/etc/kubeedge"
check "$R" edgecore-clean pass 0 "an empty /etc/kubeedge"
mkdir -p "${R:?}/proc/4242"
echo edgecore >"${R:?}/proc/4242/comm"
check "$R" edgecore-clean fail 1 "edgecore running"
first_line_is "[ERROR edgecore-clean]: edgecore is running (pid 4242)" "edgecore-clean: running: message"
hint_is "run keadm reset first (it stops edgecore and empties /etc/kubeedge)" "edgecore-clean: hint"
mkdir -p "${R:?}/etc/kubeedge/config"
echo "apiVersion: edgecore.config.kubeedge.io/v1alpha2" >"${R:?}/etc/kubeedge/config/edgecore.yaml"
check "$R" edgecore-clean fail 1 "edgecore running and its config left"
rm -r "${R:?}/proc/4242"
check "$R" edgecore-clean fail 1 "a joined node's /etc/kubeedge"
first_line_is "[ERROR edgecore-clean]: '$R/etc/kubeedge' is not empty: this node has joined a cluster before" \
	"edgecore-clean: leftover: message"

# --- ignoring errors ----------------------------------------------------------------------
R=$(healthy)
echo 0 >"${R:?}/proc/sys/net/ipv4/ip_forward"
run "$GPUPREP" --root "$R" preflight --checks ip-forward,swap --ignore-preflight-errors ip-forward
expect_rc 0 "an ignored error"
cat >"$T/want" <<'EOF'
[PASS] swap is off
[WARNING ip-forward]: IPv4 forwarding is off (net.ipv4.ip_forward = 0)
    hint: sysctl -w net.ipv4.ip_forward=1, and keep it in a file under /etc/sysctl.d/
preflight: 1 passed, 1 warning (1 ignored error), 0 errors, 0 skipped
EOF
expect_file_eq "$T/out" "$T/want" "an ignored error: the whole output"
run "$GPUPREP" --root "$R" preflight --checks ip-forward --ignore-preflight-errors ALL
expect_rc 0 "ignoring all (case-insensitive)"
run "$GPUPREP" --root "$R" preflight --checks ip-forward --ignore-preflight-errors swap
expect_rc 1 "ignoring another check's errors does not help"
expect_contains "$T/err" "fix the errors above" "an error ends with advice on stderr"
run "$GPUPREP" --root "$R" --json preflight --checks ip-forward --ignore-preflight-errors ip-forward
expect_rc 0 "an ignored error in --json"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
c = d["checks"][0]
assert c["status"] == "warn" and c["ignored"] is True, c
assert d["summary"] == {"pass": 0, "warn": 1, "fail": 0, "skip": 0, "ignored": 1, "ok": True}, d["summary"]' "$T/out" \
	&& ok "--json: an ignored error is a warning marked ignored" || not_ok "--json: an ignored error is a warning marked ignored"
run "$GPUPREP" -q --root "$R" preflight --checks ip-forward,swap
expect_rc 1 "-q"
cat >"$T/want" <<'EOF'
[ERROR ip-forward]: IPv4 forwarding is off (net.ipv4.ip_forward = 0)
    hint: sysctl -w net.ipv4.ip_forward=1, and keep it in a file under /etc/sysctl.d/
preflight: 1 passed, 0 warnings, 1 error, 0 skipped
EOF
expect_file_eq "$T/out" "$T/want" "-q prints only warnings, errors and the summary"

# --- usage errors -------------------------------------------------------------------------
run "$GPUPREP" preflight --checks swap,no-such-check
expect_rc 2 "--checks with an unknown id"
expect_contains "$T/err" "gpuprep: error: --checks: unknown check id 'no-such-check'" "unknown id: message"
expect_contains "$T/err" "hint: the check ids are: root," "unknown id: the hint lists the ids"
expect_contains "$T/err" "see 'gpuprep preflight --help'" "unknown id: points to --help"
expect_not_contains "$T/err" "usage: gpuprep preflight" "unknown id: not the whole usage"
run "$GPUPREP" preflight --ignore-preflight-errors bogus
expect_rc 2 "--ignore-preflight-errors with an unknown id"
run "$GPUPREP" preflight --ignore-preflight-errors all,swap
expect_rc 2 "all combined with an id"
expect_contains "$T/err" "gpuprep: error: --ignore-preflight-errors: 'all' cannot be combined with check ids" \
	"all combined: message"
run "$GPUPREP" preflight --ignore-preflight-errors all --ignore-preflight-errors swap
expect_rc 2 "all and an id in two options"
run "$GPUPREP" preflight --checks all
expect_rc 2 "--checks takes no 'all'"
run "$GPUPREP" preflight --checks ,
expect_rc 2 "--checks with an empty list"
run "$GPUPREP" preflight --cgroup-driver upstart
expect_rc 2 "an unknown cgroup driver"
expect_contains "$T/err" "--cgroup-driver: unknown driver 'upstart'" "unknown cgroup driver: message"
run "$GPUPREP" preflight --runtime podman
expect_rc 2 "an unknown runtime"
run "$GPUPREP" preflight --runtime cri-dockerd
expect_rc 2 "cri-dockerd is not a runtime to configure"
run "$GPUPREP" preflight --cri-socket tcp://127.0.0.1:2375
expect_rc 2 "a tcp endpoint"
run "$GPUPREP" preflight --cri-socket run/containerd.sock
expect_rc 2 "a relative socket path"
run "$GPUPREP" preflight extra
expect_rc 2 "an extra argument"

# --- --json against the schema ------------------------------------------------------------
R=$(healthy)
echo 0 >"${R:?}/proc/sys/net/ipv4/ip_forward"
run "$GPUPREP" --root "$R" --json preflight --cgroup-driver systemd --ignore-preflight-errors ip-forward
if "$PY" "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/preflight.json" "$T/out" >"$T/schema.log"; then
	ok "--json matches tests/schemas/preflight.json"
else
	not_ok "--json matches tests/schemas/preflight.json" "$(cat "$T/schema.log")"
fi
rm -rf "${R:?}/proc"
run "$GPUPREP" --root "$R" --json preflight
if "$PY" "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/preflight.json" "$T/out" >"$T/schema.log"; then
	ok "--json with errors matches the schema"
else
	not_ok "--json with errors matches the schema" "$(cat "$T/schema.log")"
fi
printf '{"schema_version": 1, "checks": [{"id": "x", "status": "ok"}], "summary": {}}\n' >"$T/bad.json"
if "$PY" "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/preflight.json" "$T/bad.json" >/dev/null; then
	not_ok "the schema check rejects a wrong document"
else
	ok "the schema check rejects a wrong document"
fi

# --- the healthy node ---------------------------------------------------------------------
# Every check on the whole node, against a golden file (the root's path and the GPU's name,
# which comes from the machine's pci.ids, are put back as @ROOT@ and @NAME@). No daemon
# listens here, so runtime-live cannot pass: its error is ignored, and it must be the only one.
# tests/daemons/preflight-live.sh runs the same node with a real containerd, to exit 0 with
# nothing ignored.
golden() {
	sed -e "s|$R|@ROOT@|g" -e 's/^\[PASS\] 1 NVIDIA GPU: .* at /[PASS] 1 NVIDIA GPU: @NAME@ at /' \
		"$T/out" >"$T/out.golden"
	expect_file_eq "$T/out.golden" "$FIXTURES/golden/$1" "$2: the whole output (golden $1)"
}
R=$(healthy)
run "$GPUPREP" --root "$R" preflight --cgroup-driver systemd --ignore-preflight-errors runtime-live
expect_rc 0 "the healthy node passes with --cgroup-driver systemd"
golden preflight-healthy.txt "the healthy node"
run "$GPUPREP" --root "$R" preflight --ignore-preflight-errors runtime-live
expect_rc 1 "the healthy node with keadm's default cgroupfs"
golden preflight-healthy-cgroupfs.txt "keadm's default cgroupfs"
run "$GPUPREP" --root "$R" preflight --ignore-preflight-errors runtime-live,cgroup-driver
expect_rc 0 "keadm's default cgroupfs, cgroup-driver ignored"
expect_contains "$T/out" "[WARNING cgroup-driver]: keadm join will use --cgroupdriver=cgroupfs, but containerd uses systemd" \
	"cgroupfs ignored: a warning"
expect_contains "$T/out" "preflight: 13 passed, 2 warnings (2 ignored errors), 0 errors, 7 skipped" \
	"cgroupfs ignored: the summary"

# --- jetson-mode: CSV on JetPack 4 and 5, CDI on JetPack 6 ----------------------------------
R=$(healthy)
check "$R" jetson-mode skip 0 "not a Jetson board"
for node in jetson-nano-jp46:4:R32.7.1 jetson-agx-xavier-jp51:5:R35.4.1; do
	IFS=: read -r name jp l4t <<<"$node"
	R=$(fixture_root "$name")
	D=$R/etc/nvidia-container-runtime/host-files-for-container.d
	check "$R" cdi skip 0 "JetPack $jp: no spec needed"
	first_line_is "[SKIP cdi]: no CDI spec, and none needed: L4T $l4t (JetPack 4 or 5) runs the NVIDIA runtime in CSV mode (see jetson-mode)" \
		"cdi: JetPack $jp: message"
	check "$R" jetson-mode pass 0 "JetPack $jp: CSV mode"
	case $jp in
	4) files="cuda.csv, l4t.csv" only="cuda.csv, cudnn.csv" ;;
	5) files="devices.csv, drivers.csv" only="cudnn.csv" ;;
	esac
	first_line_is "[PASS] CSV mode (JetPack $jp, L4T $l4t; mode = \"auto\"): $files in '$D'" \
		"jetson-mode: JetPack $jp: message"
	check "$R" gpu-present pass 0 "JetPack $jp: the board"
	run "$GPUPREP" --root "$R" --json detect
	expect_contains "$T/out" '"arch": "arm64"' "detect: JetPack $jp: arm64 from the SoC (no shell, no dpkg database)"
	rm -f "$D"/l4t.csv "$D"/devices.csv "$D"/drivers.csv
	printf 'lib, /usr/lib/aarch64-linux-gnu/libcudnn.so.8\n' >"$D/cudnn.csv"
	check "$R" jetson-mode fail 1 "JetPack $jp: only a csv-* package's file"
	first_line_is "[ERROR jetson-mode]: CSV mode (JetPack $jp, L4T $l4t; mode = \"auto\"): no l4t.csv, devices.csv or drivers.csv in '$D' (only $only), so containers get no GPU files" \
		"jetson-mode: JetPack $jp: missing: message"
done
hint_is "the CSV files come with L4T's packages: apt-get install --reinstall nvidia-l4t-init (from L4T's apt source, '/etc/apt/sources.list.d/nvidia-l4t-apt-source.list')" \
	"jetson-mode: JetPack 5: missing: hint"
rm -rf "${D:?}"
check "$R" jetson-mode fail 1 "JetPack 5: no CSV directory"
first_line_is "[ERROR jetson-mode]: CSV mode (JetPack 5, L4T R35.4.1; mode = \"auto\"): no CSV files in '$D', so containers get no GPU files" \
	"jetson-mode: no CSV directory: message"
sed -i 's/^mode = "auto"/mode = "legacy"/' "$R/etc/nvidia-container-runtime/config.toml"
check "$R" jetson-mode fail 1 "JetPack 5: legacy mode"
hint_is "set mode = \"csv\" under [nvidia-container-runtime] in '/etc/nvidia-container-runtime/config.toml'" \
	"jetson-mode: legacy mode: hint"
printf '[nvidia-container-runtime\n' >"$R/etc/nvidia-container-runtime/config.toml"
check "$R" jetson-mode fail 1 "JetPack 5: a broken config"
rm "$R/etc/nvidia-container-runtime/config.toml"
check "$R" jetson-mode fail 1 "JetPack 5: no config"
first_line_is "[ERROR jetson-mode]: no '$R/etc/nvidia-container-runtime/config.toml' (JetPack 5, L4T R35.4.1): the NVIDIA runtime's config is missing" \
	"jetson-mode: no config: message"
R=$(fixture_root jetson-orin-nano-jp6)
check "$R" jetson-mode pass 0 "JetPack 6: CDI mode"
first_line_is "[PASS] CDI mode (JetPack 6, L4T R36.4.7; mode = \"auto\"): the CDI spec is there" \
	"jetson-mode: JetPack 6: message"
check "$R" cdi pass 0 "JetPack 6: the spec"
rm "${R:?}/etc/cdi/nvidia.yaml"
check "$R" jetson-mode fail 1 "JetPack 6: no spec"
first_line_is "[ERROR jetson-mode]: CDI mode (JetPack 6, L4T R36.4.7; mode = \"auto\"): no CDI spec for nvidia.com/gpu in '/etc/cdi' or '/var/run/cdi'" \
	"jetson-mode: JetPack 6: no spec: message"
hint_is "nvidia-ctk cdi generate --mode=csv --output=/etc/cdi/nvidia.yaml" "jetson-mode: JetPack 6: no spec: hint"
check "$R" cdi fail 1 "JetPack 6: cdi fails too"
# A JetPack 5 board whose runtime is switched to CDI needs the spec as well.
R=$(fixture_root jetson-agx-xavier-jp51)
sed -i 's/^mode = "auto"/mode = "cdi"/' "$R/etc/nvidia-container-runtime/config.toml"
check "$R" jetson-mode fail 1 "JetPack 5 in CDI mode without a spec"

# --- the Jetson node ----------------------------------------------------------------------
# NVML and the driver-module checks skip; its toolkit, 1.10, fails: CSV mode needs 1.11.
R=$(jetson)
run "$GPUPREP" --root "$R" preflight --checks gpu-present,driver-loaded,device-nodes,nvml,driver-version-match,toolkit,cdi
expect_rc 1 "Jetson: the GPU checks fail on the toolkit"
golden preflight-jetson-gpu.txt "Jetson: the GPU checks"

done_testing
