#!/bin/bash
# gpuprep detect on fixture nodes and lspci dumps: exact JSON, exit codes, a table row per
# GPU, errors that name the file (and line), and the NVML probe through a stand-in library.
# GPUPREP_UPDATE_GOLDEN=1 rewrites tests/fixtures/golden/detect-*.json from the output.
. "$TESTS_SRC/lib.sh"

IDS="$FIXTURES/pci.ids"
GOLDEN="$FIXTURES/golden"

# golden NAME: compare $T/out with golden/detect-NAME.json (or rewrite it).
# gpuprep_version is @VERSION@ in the golden files, so a release does not rewrite them.
golden() {
	sed 's/^  "gpuprep_version": ".*",$/  "gpuprep_version": "@VERSION@",/' "$T/out" >"$T/out.norm"
	if [ -n "${GPUPREP_UPDATE_GOLDEN:-}" ]; then
		cp "$T/out.norm" "$GOLDEN/detect-$1.json"
	fi
	expect_file_eq "$T/out.norm" "$GOLDEN/detect-$1.json" "$1: JSON is the golden file"
}

# table_rows NAME: the table has exactly one row per GPU address in the golden file.
table_rows() {
	local want got addr missing=""
	want=$(grep -o '"pci_address": "[^"]*"' "$GOLDEN/detect-$1.json" | cut -d'"' -f4)
	got=$(grep -E '^[0-9a-f]{4,5}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]  ' "$T/out" | cut -d' ' -f1)
	for addr in $want; do
		grep -qE "^$addr  10de  " "$T/out" || missing="$missing $addr"
	done
	if [ -z "$missing" ] && [ "$want" = "$got" ]; then
		ok "$1: one table row per GPU"
	else
		not_ok "$1: one table row per GPU" "want: $want" "got: $got" "$(cat "$T/out")"
	fi
}

# node NAME RC: detect on a copy of tests/fixtures/nodes/NAME.
node() {
	local root
	root=$(fixture_root "$1")
	run "$GPUPREP" --json --root "$root" detect --pci-ids "$IDS"
	expect_rc "$2" "$1: detect --json"
	golden "$1"
	run "$GPUPREP" --root "$root" detect --pci-ids "$IDS"
	expect_rc "$2" "$1: detect (table)"
	table_rows "$1"
}

node t4-a100 0
node geforce-audio 0
expect_not_contains "$T/out" "01:00.1" "geforce-audio: the HDMI audio function is not listed"
node nvswitch 0
expect_not_contains "$T/out" "1af1" "nvswitch: the NVSwitches are not listed"
node nouveau 0
expect_contains "$T/err" "0000:01:00.0 is bound to nouveau" "nouveau: a note on stderr"
node vf 0
# A real node: an H200 under Firecracker, Ubuntu 24.04, the open kernel module 580.159.04
# (tests/fixtures/nodes/SOURCES-h200.md). The fixture pci.ids does not know 10de:2335, nor
# does Debian 12's (April 2023): under --root nothing else names it.
node h200-ubuntu2404 0
if grep -qE '^0000:00:06\.0 +10de +2335 +0302 +unknown +nvidia +no +- *$' "$T/out"; then
	ok "h200-ubuntu2404: the table row (unknown to pci.ids, bound to nvidia)"
else not_ok "h200-ubuntu2404: the table row (unknown to pci.ids, bound to nvidia)" "$(cat "$T/out")"; fi
expect_contains "$T/out" "Driver:   nvidia 580.159.04 (open), loaded" "h200-ubuntu2404: the open kernel module"
expect_contains "$T/out" "Devices:  /dev/nvidiactl, /dev/nvidia0, /dev/nvidia-uvm, /dev/nvidia-uvm-tools" \
	"h200-ubuntu2404: the device nodes"
expect_contains "$T/out" "NVML:     skipped (--root); the root's /proc/driver/nvidia has driver 580.159.04, 1 GPU" \
	"h200-ubuntu2404: the driver's /proc"
expect_contains "$T/out" "OS:       ubuntu 24.04 (deb packages" "h200-ubuntu2404: /etc/os-release, a link to ../usr/lib/os-release"
# tests/tools/capture-node.py made that node on the machine; a node it copies from the fixture
# (--from) reads the same, so the tool still copies all that detect reads.
if python3 "$TESTS_SRC/tools/capture-node.py" --from "$(fixture_root h200-ubuntu2404)" "$T/capture" >"$T/cap.out" 2>&1; then
	ok "capture-node.py --from the h200 node"
	run "$GPUPREP" --json --root "$T/capture/node" detect --pci-ids "$IDS"
	sed 's/^  "gpuprep_version": ".*",$/  "gpuprep_version": "@VERSION@",/' "$T/out" >"$T/out.norm"
	expect_file_eq "$T/out.norm" "$GOLDEN/detect-h200-ubuntu2404.json" "capture-node.py: its copy of the h200 node is the same node to detect"
	expect_contains "$T/capture/capture.txt" "link     /sys/devices/pci0000:00/0000:00:06.0/driver  -> ../../../bus/pci/drivers/nvidia" \
		"capture-node.py: capture.txt lists what it copied"
else
	not_ok "capture-node.py --from the h200 node" "$(cat "$T/cap.out")"
fi
node amd-aspeed 3
expect_contains "$T/err" "no NVIDIA GPU found" "amd-aspeed: a note on stderr"
expect_contains "$T/err" "hint: no NVIDIA function is on PCI" "amd-aspeed: a hint"
node jetson-xavier-nx 0
expect_contains "$T/out" "Tegra:    L4T R35.4.1, board t186ref" "jetson: the L4T release"
# What is true for Tegra, as preflight says it: nvgpu, no nvidia module (issue 13).
expect_contains "$T/out" "Driver:   nvgpu, part of L4T's kernel (Jetson has no nvidia module)" "jetson: the driver is nvgpu"
expect_not_contains "$T/out" "nvidia not loaded" "jetson: not 'nvidia not loaded'"
expect_contains "$T/out" "Devices:  Jetson's GPU nodes are /dev/nvhost-* and /dev/nvmap" "jetson: its device nodes"
node sample 0
# The table the README shows, byte for byte.
if [ -n "${GPUPREP_UPDATE_GOLDEN:-}" ]; then cp "$T/out" "$GOLDEN/detect-sample.txt"; fi
expect_file_eq "$T/out" "$GOLDEN/detect-sample.txt" "sample: the table is the golden file"
# The table fits 100 columns (issue 13): the paths of what is there follow it.
if awk 'length > 100 { bad = 1 } END { exit !bad }' "$T/out"; then
	not_ok "sample: every line fits 100 columns" "$(awk 'length > 100' "$T/out")"
else ok "sample: every line fits 100 columns"; fi
# One socket rule with preflight: the sample's containerd.sock is a plain file, not a socket.
expect_contains "$T/out" "containerd socket: '/run/containerd/containerd.sock' (not a socket)" \
	"sample: the socket path that is not a socket says so"
run "$GPUPREP" --root "$FIXTURES/nodes/sample" preflight --checks cri-socket --runtime containerd
expect_contains "$T/out" "is not a socket" "sample: preflight agrees"

# -q keeps stderr quiet; the exit status stays.
run "$GPUPREP" -q --root "$(fixture_root amd-aspeed)" detect --pci-ids "$IDS"
expect_rc 3 "amd-aspeed -q"
if [ -s "$T/err" ]; then not_ok "-q: nothing on stderr" "$(cat "$T/err")"; else ok "-q: nothing on stderr"; fi

# Dumps, on an empty root so only the dump speaks for PCI.
mkdir -p "$T/empty"
dump() {
	run "$GPUPREP" --json --root "$T/empty" detect --pci-ids "$IDS" --pci-dump "$FIXTURES/dumps/$1.lspci"
	expect_rc "$2" "dump $1: detect --json"
	[ "$2" = 1 ] || golden "dump-$1"
}
dump t4-a100 0
dump nvidia-audio-only 3
expect_contains "$T/err" "0000:01:00.1 (10de:1aef, class 0403, audio device) is an NVIDIA function, not a GPU" \
	"audio only: the audio function is explained"
dump empty 3
expect_contains "$T/err" "hint: the dump lists no PCI devices at all" "empty dump: the hint says so"
dump malformed 1
expect_contains "$T/err" "gpuprep: error: parsing PCI dump '$FIXTURES/dumps/malformed.lspci': 28:50: expected a byte (2 hex digits)" \
	"malformed dump: file, line and column"
expect_contains "$T/err" "hint: a dump is the output of 'lspci -x'" "malformed dump: a hint"
# With --json, stdout holds one object even on the failure: the error and its hint (issue 13).
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]; assert d["schema_version"] == 1 and e["exit_code"] == 1 and "28:50: expected a byte" in e["message"] and e["hint"].startswith("a dump is")' "$T/out"; then
	ok "malformed dump: --json prints the error as one object"
else
	not_ok "malformed dump: --json prints the error as one object" "$(cat "$T/out")"
fi

run "$GPUPREP" --root "$T/empty" detect --pci-dump "$T/no-such.lspci"
expect_rc 1 "a missing dump"
expect_contains "$T/err" "cannot read PCI dump '$T/no-such.lspci': No such file or directory" "the missing dump is named"

# Broken sysfs trees.
run "$GPUPREP" --root "$T/empty" detect
expect_rc 1 "a root without /sys"
expect_contains "$T/err" "cannot read PCI devices from '$T/empty/sys/bus/pci/devices': No such file or directory" \
	"the missing sysfs directory is named"
expect_contains "$T/err" "hint:" "a missing sysfs has a hint"

root=$(fixture_root t4-a100)
rm "$root/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/class"
run "$GPUPREP" --root "$root" detect --pci-ids "$IDS"
expect_rc 1 "a device without its class file"
expect_contains "$T/err" "$root/sys/bus/pci/devices/0000:3b:00.0/class" "the missing class file is named"

root=$(fixture_root t4-a100)
mkdir "$root/sys/bus/pci/devices/not-a-device"
run "$GPUPREP" --root "$root" detect --pci-ids "$IDS"
expect_rc 1 "a stray entry in the devices directory"
expect_contains "$T/err" "unexpected entry 'not-a-device'" "the stray entry is named"

root=$(fixture_root t4-a100)
chmod 000 "$root/sys/bus/pci/devices"
if [ -r "$root/sys/bus/pci/devices" ]; then
	skip "an unreadable devices directory" "running as root: permissions do not stop reads"
else
	run "$GPUPREP" --root "$root" detect --pci-ids "$IDS"
	expect_rc 1 "an unreadable devices directory"
	expect_contains "$T/err" "Permission denied" "the reason is given"
fi
chmod 755 "$root/sys/bus/pci/devices"

# An empty machine is not an error: no GPU (3), and no libpci complaint.
root=$(fixture_root amd-aspeed)
rm -f "$root"/sys/bus/pci/devices/*
run "$GPUPREP" --root "$root" detect --pci-ids "$IDS"
expect_rc 3 "no PCI devices at all"
expect_contains "$T/err" "hint: no PCI devices at all were found" "an empty machine gets its hint"

# pci.ids: missing, malformed, and no name for a device it does not list.
run "$GPUPREP" --root "$(fixture_root sample)" detect --pci-ids "$T/no-such.ids"
expect_rc 1 "a missing --pci-ids file"
expect_contains "$T/err" "cannot read PCI ID database '$T/no-such.ids'" "the missing pci.ids is named"
printf '# test\n\n10de  NVIDIA Corporation\n\tzz  not an id\n' >"$T/bad.ids"
run "$GPUPREP" --root "$(fixture_root sample)" detect --pci-ids "$T/bad.ids"
expect_rc 1 "a malformed --pci-ids file"
expect_contains "$T/err" "Parse error at '$T/bad.ids', line 4" "the malformed pci.ids is named, with the line"
expect_contains "$GOLDEN/detect-nouveau.json" '"name": "unknown"' "a device missing from pci.ids is unknown"

# A binary that is an absolute symlink inside the root resolves inside the root.
root=$(fixture_root sample)
mkdir -p "$root/opt/cri/bin"
mv "$root/usr/bin/containerd" "$root/opt/cri/bin/containerd"
ln -s /opt/cri/bin/containerd "$root/usr/bin/containerd"
run "$GPUPREP" --json --root "$root" detect --pci-ids "$IDS"
expect_rc 0 "containerd behind an absolute symlink"
expect_contains "$T/out" '"binary": "/usr/bin/containerd"' "the symlinked binary is found under the root"

run "$GPUPREP" detect stray
expect_rc 2 "an extra argument is a usage error"

# --- GPU names without --pci-ids: the node's pci.ids and the built-in NVIDIA block ---------
# name_of ROOT ADDRESS: the name detect --json gives the GPU at ADDRESS, into $T/name.
name_of() {
	run "$GPUPREP" --json --root "$1" detect
	python3 -c 'import json,sys; print([g["name"] for g in json.load(open(sys.argv[1]))["gpus"] if g["pci_address"] == sys.argv[2]][0])' \
		"$T/out" "$2" >"$T/name" 2>&1
}
name_is() { # WANT NAME
	if [ "$(cat "$T/name")" = "$1" ]; then ok "$2"; else not_ok "$2" "got:  $(cat "$T/name")" "want: $1"; fi
}
# ids_file ROOT PATH VERSION LINES...: write a pci.ids of that version under ROOT.
ids_file() {
	local r=$1 p=$2 v=$3
	shift 3
	mkdir -p "$(dirname "$r$p")"
	{ printf '#\n#\tList of PCI ID'"'"'s\n#\n#\tVersion: %s\n#\n\n' "$v"; printf '%s\n' "$@"; } >"$r$p"
}
T4=0000:3b:00.0 A100=0000:86:00.0
r=$(fixture_root t4-a100)
name_of "$r" "$T4"
expect_rc 0 "no pci.ids on the node: detect works"
name_is "TU104GL [Tesla T4]" "no pci.ids on the node: the built-in name"
if command -v strace >/dev/null; then
	strace -f -e trace=open,openat -o "$T/trace" "$GPUPREP" --root "$r" detect >/dev/null 2>&1
	if grep -E '"/(usr|etc|lib)[^"]*(pci\.ids|hwdb)' "$T/trace" >"$T/outside"; then
		not_ok "no pci.ids on the node: this machine's pci.ids and hwdb are not read" "$(cat "$T/outside")"
	else
		ok "no pci.ids on the node: this machine's pci.ids and hwdb are not read"
	fi
else
	skip "no pci.ids on the node: this machine's pci.ids and hwdb are not read" "no strace"
fi
run "$GPUPREP" -v --root "$r" detect
expect_contains "$T/err" "debug: names: the built-in NVIDIA list (version 20" "-v: the names' source, the built-in list alone"
ids_file "$r" /usr/share/misc/pci.ids 2999.01.01 "10de  NVIDIA Corporation" "	1eb8  Renamed T4 (newer file)"
name_of "$r" "$T4"
run "$GPUPREP" -v --root "$r" detect
expect_contains "$T/err" "debug: names: '$r/usr/share/misc/pci.ids' (version 2999.01.01) and the built-in NVIDIA list" \
	"-v: the node's pci.ids with its version, and the built-in list"
name_is "Renamed T4 (newer file)" "a newer node pci.ids renames a device: its name"
name_of "$r" "$A100"
name_is "GA100 [A100 PCIe 40GB]" "a newer node pci.ids lacking a device: the built-in name"
ids_file "$r" /usr/share/misc/pci.ids 2001.01.01 "10de  NVIDIA Corporation" "	1eb8  Old T4 name" "	2fff  Only the node knows"
name_of "$r" "$T4"
name_is "TU104GL [Tesla T4]" "an older node pci.ids: the built-in name wins"
echo 0x2fff >"$r/sys/bus/pci/devices/$A100/device"
name_of "$r" "$A100"
name_is "Only the node knows" "an older node pci.ids still names a device the built-in block lacks"
rm "$r/usr/share/misc/pci.ids"
name_of "$r" "$A100"
name_is "unknown" "a device nobody names: unknown"
ids_file "$r" /usr/share/hwdata/pci.ids 2999.01.01 "10de  NVIDIA Corporation" "	1eb8  RHEL's T4"
name_of "$r" "$T4"
name_is "RHEL's T4" "RHEL's /usr/share/hwdata/pci.ids is the node's"
printf '10de  NVIDIA Corporation\n\t1eb8  no version line\n' >"$r/usr/share/hwdata/pci.ids"
name_of "$r" "$T4"
name_is "TU104GL [Tesla T4]" "a node pci.ids without a version line counts as older"
printf '10de  NVIDIA Corporation\n\tzz\n' >"$r/usr/share/hwdata/pci.ids"
run "$GPUPREP" --root "$r" detect
expect_rc 1 "a broken node pci.ids: an error"
expect_contains "$T/err" "$r/usr/share/hwdata/pci.ids" "a broken node pci.ids: the error names the root's file"
expect_contains "$T/err" "pci.ids', line 2" "a broken node pci.ids: and its line"
expect_contains "$T/err" "hint: repair the node's pci.ids" "a broken node pci.ids: a hint"
run "$GPUPREP" --root "$r" detect --pci-ids "$IDS"
expect_rc 0 "--pci-ids: the named file alone, the node's is not read"

# The running machine, without --root: it works, whatever it has.
if [ -d /sys/bus/pci/devices ]; then
	run "$GPUPREP" --json detect
	if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then ok "detect on this machine (exit $rc)"; else
		not_ok "detect on this machine" "exit $rc" "$(cat "$T/err")"
	fi
	if python3 -m json.tool "$T/out" >/dev/null 2>&1; then ok "this machine: valid JSON"; else
		not_ok "this machine: valid JSON" "$(head -c 2000 "$T/out")"
	fi
	expect_not_contains "$T/out" '"status": "skipped"' "this machine: NVML is probed, not skipped"
else
	skip "detect on this machine" "it has no /sys/bus/pci/devices (a container without /sys?)"
fi

# NVML through a stand-in libnvidia-ml.so.1 (tests/fakes/nvml.c), loaded with dlopen.
# gpu_names FILE: each GPU of a detect --json as ADDRESS=NAME/NAME_SOURCE.
gpu_names() {
	python3 -c 'import json,sys; print(" ".join("%s=%s/%s" % (g["pci_address"], g["name"], g["name_source"]) for g in json.load(open(sys.argv[1]))["gpus"]))' "$1"
}
if [ "$GPUPREP_STATIC" = 1 ]; then
	skip "NVML through a stand-in library" "a static gpuprep cannot dlopen libnvidia-ml.so.1"
elif [ -e "${FAKE_NVML_DIR:-}/libnvidia-ml.so.1" ]; then
	# The dump keeps this independent of the machine's own PCI devices.
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" --json detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["driver"]["nvml"], sort_keys=True))' \
		"$T/out" >"$T/nvml" 2>&1
	echo '{"device_count": 2, "driver_version": "535.129.03", "error": null, "mig_error": null, "nvidia_smi": null, "nvml_error": null, "source": "nvml", "status": "ok"}' >"$T/nvml.want"
	expect_file_eq "$T/nvml" "$T/nvml.want" "NVML: driver version and device count"
	# Each GPU's MIG mode (nvmlDeviceGetMigMode): the T4 has none, the A100's is off.
	mig_modes() {
		python3 -c 'import json,sys; print(" ".join("%s=%s/%s" % (g["pci_address"], g["mig_mode"], g["mig_mode_pending"]) for g in json.load(open(sys.argv[1]))["gpus"]))' "$1"
	}
	got=$(mig_modes "$T/out")
	[ "$got" = "0000:3b:00.0=unsupported/unsupported 0000:86:00.0=disabled/disabled" ] &&
		ok "NVML: each GPU's MIG mode in JSON" || not_ok "NVML: each GPU's MIG mode in JSON" "$got"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" FAKE_NVML_MIG=1/1 run "$GPUPREP" --json detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	got=$(mig_modes "$T/out")
	[ "$got" = "0000:3b:00.0=unsupported/unsupported 0000:86:00.0=enabled/enabled" ] &&
		ok "NVML: MIG on" || not_ok "NVML: MIG on" "$got"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" FAKE_NVML_MIG=0/1 run "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	expect_contains "$T/out" "MIG:      0000:86:00.0: disabled, enabled after the next GPU reset or reboot" \
		"NVML: a pending MIG mode is said"
	if grep -qE '^0000:86:00\.0 .* disabled *$' "$T/out" && grep -qE '^0000:3b:00\.0 .* unsupported *$' "$T/out" &&
		grep -qE '^ADDRESS .* MIG *$' "$T/out"; then
		ok "NVML: the table's MIG column"
	else not_ok "NVML: the table's MIG column" "$(cat "$T/out")"; fi
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" FAKE_NVML_MIG=x run "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	expect_contains "$T/out" "MIG:      unknown: nvmlDeviceGetMigMode: Unknown Error" "NVML: a failing MIG call is said"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" FAKE_NVML_INIT_ERROR=9 run "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	expect_contains "$T/out" "NVML:     failed: nvmlInit_v2: Driver Not Loaded" "NVML: a failing init is reported"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" --root "$(fixture_root sample)" --json detect --pci-ids "$IDS"
	expect_contains "$T/out" '"status": "skipped"' "NVML: skipped under --root even when loadable"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	expect_contains "$T/out" "NVML:     driver 535.129.03, 2 devices, from libnvidia-ml.so.1" \
		"NVML: the table names the source"
	# A GPU that pci.ids does not know (a pci.ids older than the GPU) is named by the driver.
	grep -v '^	20f1 ' "$IDS" >"$T/ids-no-a100"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" --json detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci" --pci-ids "$T/ids-no-a100"
	got=$(gpu_names "$T/out")
	[ "$got" = "0000:3b:00.0=TU104GL [Tesla T4]/pci.ids 0000:86:00.0=NVIDIA A100-PCIE-40GB/nvml" ] &&
		ok "NVML: names a GPU pci.ids does not know, and says so" ||
		not_ok "NVML: names a GPU pci.ids does not know, and says so" "$got"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci" --pci-ids "$T/ids-no-a100"
	if grep -qE '^0000:86:00\.0 +10de +20f1 +0302 +NVIDIA A100-PCIE-40GB ' "$T/out"; then
		ok "NVML: the table shows the driver's name"
	else not_ok "NVML: the table shows the driver's name" "$(cat "$T/out")"; fi
	run "$GPUPREP" --json detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci" --pci-ids "$T/ids-no-a100"
	got=$(gpu_names "$T/out")
	case "$got" in
	*"0000:86:00.0=unknown/None"*) ok "no NVML: a GPU pci.ids does not know stays unknown, with no source" ;;
	*) not_ok "no NVML: a GPU pci.ids does not know stays unknown, with no source" "$got" ;;
	esac
else
	skip "NVML through a stand-in library" "FAKE_NVML_DIR has no libnvidia-ml.so.1"
fi

# Under --root neither NVML nor nvidia-smi is asked; the root's /proc/driver/nvidia is read.
run "$GPUPREP" --root "$(fixture_root sample)" detect --pci-ids "$IDS"
expect_contains "$T/out" "NVML:     skipped (--root); the root's /proc/driver/nvidia has driver 535.129.03, 1 GPU" \
	"--root: the root's /proc/driver/nvidia, said so"
root=$(fixture_root t4-a100)
printf '#!/bin/sh\ntouch %s/ran\n' "$T" >"$root/usr/bin/nvidia-smi"
run "$GPUPREP" --root "$root" detect --pci-ids "$IDS"
expect_contains "$T/out" "NVML:     skipped (--root); the root's /proc/driver/nvidia has driver 535.129.03" \
	"--root: no gpus/ directory, no count"
if [ -e "$T/ran" ]; then not_ok "--root: the root's nvidia-smi is never run"; else
	ok "--root: the root's nvidia-smi is never run"
fi
run "$GPUPREP" --root "$(fixture_root amd-aspeed)" detect --pci-ids "$IDS"
expect_contains "$T/out" "NVML:     skipped (--root); the root has no /proc/driver/nvidia/version" \
	"--root: no driver in the root, said so"

# Without NVML (a static gpuprep has no dlopen), the node's nvidia-smi answers; in a mount
# namespace, tests/fixtures/nodes/t4-a100's nvidia-smi and /proc/driver stand for the machine's.
# smi_node ROOT CMD...: run CMD with ROOT's /proc/driver and nvidia-smi as the machine's.
smi_node() {
	local r=$1
	shift
	unshare -m --propagation private /bin/bash -c '
		r=$1; shift
		mount -t tmpfs tmpfs /proc/driver || exit 99
		[ -d "${r:?}/proc/driver" ] && cp -a "${r:?}/proc/driver/." /proc/driver/
		mount -t tmpfs tmpfs /usr/local/bin || exit 99
		[ -e "${r:?}/usr/bin/nvidia-smi" ] && cp -a "${r:?}/usr/bin/nvidia-smi" /usr/local/bin/
		exec "$@"' smi_node "$r" "$@"
}
smi_reason=""
[ "$(id -u)" -eq 0 ] || smi_reason="needs root for a mount namespace"
[ -z "$smi_reason" ] && ! unshare -m --propagation private true 2>/dev/null && smi_reason="mount namespaces are not allowed here"
[ -z "$smi_reason" ] && [ -e /usr/bin/nvidia-smi ] && smi_reason="this machine has its own /usr/bin/nvidia-smi"
A=$(fixture_root t4-a100)
if [ -z "$smi_reason" ]; then
	run smi_node "$A" true
	[ "$rc" -eq 99 ] && smi_reason="cannot mount over /proc/driver and /usr/local/bin here"
fi
D="$FIXTURES/dumps/t4-a100.lspci"
if [ -z "$smi_reason" ]; then
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" --json detect --pci-dump "$D"
	expect_rc 0 "nvidia-smi: detect --json"
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["driver"]["nvml"], sort_keys=True))' \
		"$T/out" >"$T/nvml" 2>&1
	sed -i 's/"nvml_error": "[^"]*"/"nvml_error": "..."/' "$T/nvml"
	echo '{"device_count": 2, "driver_version": "535.129.03", "error": null, "mig_error": null, "nvidia_smi": "/usr/local/bin/nvidia-smi", "nvml_error": "...", "source": "nvidia-smi", "status": "ok"}' >"$T/nvml.want"
	expect_file_eq "$T/nvml" "$T/nvml.want" "nvidia-smi: driver version, count and the source in JSON"
	python3 -c 'import json,sys; print(" ".join("%s=%s/%s" % (g["pci_address"], g["mig_mode"], g["mig_mode_pending"]) for g in json.load(open(sys.argv[1]))["gpus"]))' "$T/out" >"$T/mig"
	echo "0000:3b:00.0=unsupported/unsupported 0000:86:00.0=disabled/disabled" >"$T/mig.want"
	expect_file_eq "$T/mig" "$T/mig.want" "nvidia-smi: each GPU's MIG mode (mig.mode.current, mig.mode.pending)"
	# One nvidia-smi run for all of it (each run starts the driver's NVML: about 25 ms on a real
	# H200); a driver before R450 knows no MIG field, and the two queries of old are made.
	rm -f "$T/smi.log"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" FAKE_SMI_LOG="$T/smi.log" "$GPUPREP" detect --pci-dump "$D"
	got=$(cat "$T/smi.log" 2>&1)
	[ "$got" = "--query-gpu=driver_version,count,pci.bus_id,mig.mode.current,mig.mode.pending,name --format=csv,noheader" ] &&
		ok "nvidia-smi: one run for version, count, MIG modes and names" ||
		not_ok "nvidia-smi: one run for version, count, MIG modes and names" "$got"
	rm -f "$T/smi.log"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" FAKE_SMI_LOG="$T/smi.log" FAKE_SMI_OLD=1 "$GPUPREP" --json detect --pci-dump "$D"
	python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["driver"]["nvml"]; print(n["status"], n["driver_version"], n["device_count"], n["mig_error"])' \
		"$T/out" >"$T/old" 2>&1
	echo "ok 535.129.03 2 '/usr/local/bin/nvidia-smi' cannot tell the MIG mode (exit 2): Field \"mig.mode.current\" is not a valid field to query." >"$T/old.want"
	expect_file_eq "$T/old" "$T/old.want" "nvidia-smi before R450: version and count, and why there is no MIG mode"
	[ "$(wc -l <"$T/smi.log")" -eq 3 ] && ok "nvidia-smi before R450: the two queries of old after the one" ||
		not_ok "nvidia-smi before R450: the two queries of old after the one" "$(cat "$T/smi.log")"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" FAKE_SMI_MIG="Enabled, Enabled" "$GPUPREP" --json detect --pci-dump "$D"
	expect_contains "$T/out" '"mig_mode": "enabled"' "nvidia-smi: MIG on"
	grep -v '^	20f1 ' "$IDS" >"$T/ids-no-a100"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" --json detect --pci-dump "$D" --pci-ids "$T/ids-no-a100"
	got=$(gpu_names "$T/out")
	[ "$got" = "0000:3b:00.0=TU104GL [Tesla T4]/pci.ids 0000:86:00.0=NVIDIA A100-PCIE-40GB/nvidia-smi" ] &&
		ok "nvidia-smi: names a GPU pci.ids does not know, and says so" ||
		not_ok "nvidia-smi: names a GPU pci.ids does not know, and says so" "$got"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" FAKE_SMI_MIG="Enabled" "$GPUPREP" detect --pci-dump "$D"
	expect_contains "$T/out" "MIG:      unknown: cannot read the MIG modes '/usr/local/bin/nvidia-smi' printed: line 2: expected 'BUS_ID, MIG MODE, PENDING MIG MODE, NAME', got '00000000:86:00.0, Enabled, NVIDIA A100-PCIE-40GB'" \
		"nvidia-smi: MIG output it cannot read: the line is named"
	expect_contains "$T/out" "NVML:     driver 535.129.03, 2 devices" "nvidia-smi: MIG output it cannot read: the rest stands"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" detect --pci-dump "$D"
	expect_contains "$T/out" "NVML:     driver 535.129.03, 2 devices, from '/usr/local/bin/nvidia-smi' (no NVML: " \
		"nvidia-smi: the table names the source"
	# The H200 node: its real lspci -x dump and what its nvidia-smi printed. pci.ids has no
	# name for 10de:2335; the driver's is taken, and said to be the driver's.
	H=$(fixture_root h200-ubuntu2404)
	run smi_node "$H" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" --json detect --pci-dump "$FIXTURES/dumps/h200.lspci" --pci-ids "$IDS"
	expect_rc 0 "h200 nvidia-smi: detect --json"
	got=$(gpu_names "$T/out")
	[ "$got" = "0000:00:06.0=NVIDIA H200/nvidia-smi" ] && ok "h200 nvidia-smi: the H200 is named by the driver" ||
		not_ok "h200 nvidia-smi: the H200 is named by the driver" "$got"
	expect_contains "$T/out" '"mig_mode": "disabled"' "h200 nvidia-smi: MIG off"
	expect_contains "$T/out" '"driver_version": "580.159.04"' "h200 nvidia-smi: the driver version"
	run smi_node "$H" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/h200.lspci" --pci-ids "$IDS"
	if grep -qE '^0000:00:06\.0 +10de +2335 +0302 +NVIDIA H200 +- +no +disabled *$' "$T/out"; then
		ok "h200 nvidia-smi: the table row"
	else not_ok "h200 nvidia-smi: the table row" "$(cat "$T/out")"; fi
	rm -r "${A:?}/proc"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" detect --pci-dump "$D"
	expect_rc 0 "nvidia-smi fails: detect still succeeds"
	expect_contains "$T/out" "NVML:     failed: '/usr/local/bin/nvidia-smi' exited with 9: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." \
		"nvidia-smi fails: its exit status and first line"
	rm "${A:?}/usr/bin/nvidia-smi"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" --json detect --pci-dump "$D"
	expect_contains "$T/out" '"status": "unavailable"' "neither NVML nor nvidia-smi: unavailable"
	expect_contains "$T/out" "and there is no nvidia-smi in /usr/bin, /usr/local/bin, /usr/sbin, /bin, /sbin, /usr/local/sbin" \
		"neither NVML nor nvidia-smi: the directories looked in"
	expect_contains "$T/out" '"source": null' "neither: no source"
	# Bad output from a node's nvidia-smi: an error naming the line, never a guess.
	printf '#!/bin/sh\necho "[N/A], 1"\n' >"$A/usr/bin/nvidia-smi"
	chmod 755 "$A/usr/bin/nvidia-smi"
	run smi_node "$A" env LD_LIBRARY_PATH="$T/nowhere" "$GPUPREP" detect --pci-dump "$D"
	expect_contains "$T/out" "NVML:     failed: cannot read the output of '/usr/local/bin/nvidia-smi': line 1: expected 'VERSION, COUNT', got '[N/A], 1'" \
		"nvidia-smi prints nonsense: the line is named"
else
	for t in "nvidia-smi: detect --json" "nvidia-smi: JSON" "nvidia-smi: table" "nvidia-smi fails" \
		"nvidia-smi fails: message" "neither: unavailable" "neither: directories" "neither: no source" \
		"nvidia-smi: names a GPU pci.ids does not know, and says so" \
		"nvidia-smi: one run for version, count, MIG modes and names" \
		"nvidia-smi before R450: version and count, and why there is no MIG mode" \
		"nvidia-smi before R450: the two queries of old after the one" \
		"h200 nvidia-smi: detect --json" "h200 nvidia-smi: the H200 is named by the driver" \
		"h200 nvidia-smi: MIG off" "h200 nvidia-smi: the driver version" "h200 nvidia-smi: the table row" \
		"nvidia-smi prints nonsense"; do
		skip "$t" "$smi_reason"
	done
fi

# k3s and RKE2 are listed with the config.toml they render and k3s's CRI socket.
K=$(mktemp -d "$T/k3s-node-XXXXXX")
cp -a "$FIXTURES/nodes/up-sample/." "$K/"
mkdir -p "$K/usr/local/bin" "$K/var/lib/rancher/k3s/agent/etc/containerd" "$K/run/k3s/containerd"
printf '#!/bin/sh\n' >"$K/usr/local/bin/k3s"
chmod +x "$K/usr/local/bin/k3s"
printf 'version = 3\n' >"$K/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
run "$GPUPREP" --root "$K" --json detect
expect_rc 0 "k3s node: detect"
got=$(python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["runtimes"]:
    if r["name"] in ("k3s", "rke2"):
        print(r["name"], r["binary"], r["config_path"], r["config_exists"], r["socket_path"])' "$T/out")
want="k3s /usr/local/bin/k3s /var/lib/rancher/k3s/agent/etc/containerd/config.toml True /run/k3s/containerd/containerd.sock
rke2 None /var/lib/rancher/rke2/agent/etc/containerd/config.toml False /run/k3s/containerd/containerd.sock"
if [ "$got" = "$want" ]; then ok "k3s node: detect lists k3s and rke2 with their config and socket"; else
	not_ok "k3s node: detect lists k3s and rke2 with their config and socket" "$got"; fi
run "$GPUPREP" --root "$K" detect
expect_contains "$T/out" "k3s          /usr/local/bin/k3s   yes     absent" "k3s node: the table row"

done_testing
