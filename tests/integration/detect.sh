#!/bin/bash
# gpuprep detect on fixture nodes and lspci dumps: exact JSON, exit codes, a table row per
# GPU, errors that name the file (and line), and the NVML probe through a stand-in library.
# GPUPREP_UPDATE_GOLDEN=1 rewrites tests/fixtures/golden/detect-*.json from the output.
. "$TESTS_SRC/lib.sh"

IDS="$FIXTURES/pci.ids"
GOLDEN="$FIXTURES/golden"

# golden NAME: compare $T/out with golden/detect-NAME.json (or rewrite it).
golden() {
	if [ -n "${GPUPREP_UPDATE_GOLDEN:-}" ]; then
		cp "$T/out" "$GOLDEN/detect-$1.json"
	fi
	expect_file_eq "$T/out" "$GOLDEN/detect-$1.json" "$1: JSON is the golden file"
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
node amd-aspeed 3
expect_contains "$T/err" "no NVIDIA GPU found" "amd-aspeed: a note on stderr"
expect_contains "$T/err" "hint: no NVIDIA function is on PCI" "amd-aspeed: a hint"
node jetson-xavier-nx 0
expect_contains "$T/out" "Tegra:    L4T R35.4.1, board t186ref" "jetson: the L4T release"
node sample 0
# The table the README shows, byte for byte.
if [ -n "${GPUPREP_UPDATE_GOLDEN:-}" ]; then cp "$T/out" "$GOLDEN/detect-sample.txt"; fi
expect_file_eq "$T/out" "$GOLDEN/detect-sample.txt" "sample: the table is the golden file"

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
if [ -e "${FAKE_NVML_DIR:-}/libnvidia-ml.so.1" ]; then
	# The dump keeps this independent of the machine's own PCI devices.
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" --json detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["driver"]["nvml"], sort_keys=True))' \
		"$T/out" >"$T/nvml" 2>&1
	echo '{"device_count": 2, "driver_version": "535.129.03", "error": null, "status": "ok"}' >"$T/nvml.want"
	expect_file_eq "$T/nvml" "$T/nvml.want" "NVML: driver version and device count"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" FAKE_NVML_INIT_ERROR=9 run "$GPUPREP" detect --pci-dump "$FIXTURES/dumps/t4-a100.lspci"
	expect_contains "$T/out" "NVML:     failed: nvmlInit_v2: Driver Not Loaded" "NVML: a failing init is reported"
	LD_LIBRARY_PATH="$FAKE_NVML_DIR" run "$GPUPREP" --root "$(fixture_root sample)" --json detect --pci-ids "$IDS"
	expect_contains "$T/out" '"status": "skipped"' "NVML: skipped under --root even when loadable"
else
	skip "NVML through a stand-in library" "FAKE_NVML_DIR has no libnvidia-ml.so.1"
fi

done_testing
