#!/bin/bash
# Benchmark, not a test: `gpuprep detect` against `lspci -n -d 10de:` on the same input,
# side by side in one hyperfine run each, then gpuprep's peak RSS and stripped size.
#
#   tests/bench/detect.sh [BUILD_DIR]        (default: build)
#
# Inputs: the t4-a100 fixture node (with binary `config` files added in a scratch copy, so
# lspci can read config space as it does on a real /sys), a larger synthetic node (8 GPUs,
# 4 NVSwitches, 200 other functions), and the t4-a100 lspci dump.
# Targets: time ratio gpuprep/lspci <= 1.2, peak RSS < 4 MB, stripped binary < 400 KB.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${1:-$src/build}
gpuprep=$build/cmd/gpuprep
[ -x "$gpuprep" ] || { echo "no gpuprep at $gpuprep; build first (meson compile -C build)" >&2; exit 1; }
for tool in hyperfine lspci python3 strip; do
	command -v "$tool" >/dev/null || { echo "bench: '$tool' is needed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gpuprep-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A node's sysfs as lspci reads it: add a 64-byte `config` to every device from its
# vendor/device/class files. big=1 makes the synthetic large node first.
python3 - "$src/tests/fixtures/nodes/t4-a100" "$work/t4-a100" "$work/big" <<'EOF'
import os, shutil, struct, sys
fixture, small, big = sys.argv[1:]
shutil.copytree(fixture, small, symlinks=True)

def add_device(root, addr, vendor, device, cls, driver=None):
    d = os.path.join(root, "sys/devices/pci%s" % addr[:7], addr)
    os.makedirs(d, exist_ok=True)
    for name, v in (("vendor", "0x%04x" % vendor), ("device", "0x%04x" % device), ("class", "0x%06x" % cls)):
        with open(os.path.join(d, name), "w") as f:
            f.write(v + "\n")
    link = os.path.join(root, "sys/bus/pci/devices", addr)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(os.path.relpath(d, os.path.dirname(link)), link)
    if driver:
        os.symlink("../../../../bus/pci/drivers/" + driver, os.path.join(d, "driver"))

os.makedirs(os.path.join(big, "etc"))
shutil.copy(os.path.join(fixture, "etc/os-release"), os.path.join(big, "etc/os-release"))
n = 0
for i in range(8):
    add_device(big, "0000:%02x:00.0" % (0x10 + i * 0x10), 0x10de, 0x20b0, 0x030200, "nvidia")
for i in range(4):
    add_device(big, "0000:%02x:00.0" % (0x18 + i * 0x10), 0x10de, 0x1af1, 0x068000, "nvidia-nvswitch")
for bus in range(0x90, 0xff):
    for fn in range(3):
        if n < 200:
            add_device(big, "0000:%02x:00.%d" % (bus, fn), 0x8086, 0x2030, 0x060400, "pcieport")
            n += 1

for root in (small, big):
    devs = os.path.join(root, "sys/bus/pci/devices")
    for addr in os.listdir(devs):
        d = os.path.realpath(os.path.join(devs, addr))
        val = lambda name: int(open(os.path.join(d, name)).read(), 16)
        cls = val("class")
        cfg = bytearray(64)
        struct.pack_into("<HHHHI", cfg, 0, val("vendor"), val("device"), 0x0407, 0x0010,
                         0xa1 | cls << 8)
        cfg[0x0e] = 1 if cls >> 8 == 0x0604 else 0
        with open(os.path.join(d, "config"), "wb") as f:
            f.write(cfg)
EOF
mkdir -p "$work/empty"
dump=$src/tests/fixtures/dumps/t4-a100.lspci

# Make sure both sides see the same GPUs before timing them.
check() {
	local name=$1 gp_cmd=$2 lspci_cmd=$3 a b
	a=$(eval "${gp_cmd/ -q / -q --json }" 2>/dev/null | grep -c '"pci_address"' || true)
	b=$(eval "$lspci_cmd" 2>/dev/null | grep -cE ' 03(00|02): ' || true)
	echo "$name: gpuprep finds $a GPU(s), lspci lists $b VGA/3D function(s) of vendor 10de"
}

ratios=()
bench() {
	local name=$1 gp_cmd=$2 lspci_cmd=$3
	check "$name" "$gp_cmd" "$lspci_cmd"
	hyperfine -N --warmup 20 --min-runs 200 --export-json "$work/$name.json" \
		-n "gpuprep ($name)" "$gp_cmd" -n "lspci ($name)" "$lspci_cmd"
	# Medians resist the outliers of a busy machine; user+system CPU time, even more.
	ratios+=("$(python3 -c 'import json,sys
g, l = json.load(open(sys.argv[1]))["results"]
cpu = lambda r: r["user"] + r["system"]
print("%s %.2f %.2f %.2f %.2f %.2f %.2f" % (sys.argv[2], g["median"] * 1e3, l["median"] * 1e3,
      g["median"] / l["median"], cpu(g) * 1e3, cpu(l) * 1e3, cpu(g) / cpu(l)))' \
		"$work/$name.json" "$name")")
}

gp="$gpuprep -q"
bench sysfs-t4-a100 "$gp --root $work/t4-a100 detect" \
	"lspci -n -d 10de: -A linux-sysfs -O sysfs.path=$work/t4-a100/sys/bus/pci"
bench sysfs-big "$gp --root $work/big detect" \
	"lspci -n -d 10de: -A linux-sysfs -O sysfs.path=$work/big/sys/bus/pci"
bench dump-t4-a100 "$gp --root $work/empty detect --pci-dump $dump" "lspci -n -d 10de: -F $dump"

rss() {
	/usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1
}
rss_gp=$(rss "$gpuprep" -q --root "$work/big" detect)
rss_gp_dump=$(rss "$gpuprep" -q --root "$work/empty" detect --pci-dump "$dump")
rss_lspci=$(rss lspci -n -d 10de: -A linux-sysfs -O sysfs.path="$work/big/sys/bus/pci")
strip -o "$work/gpuprep.stripped" "$gpuprep"
size=$(stat -c %s "$work/gpuprep.stripped")

echo
echo "== gpuprep detect vs lspci -n -d 10de: (hyperfine medians, and mean user+system CPU)"
printf '%-14s %9s %9s %6s %9s %9s %6s  %s\n' input "gpuprep" "lspci" ratio "gp cpu" "ls cpu" ratio \
	"target: median ratio <= 1.2"
for r in "${ratios[@]}"; do
	set -- $r
	verdict=$(python3 -c "print('ok' if $4 <= 1.2 else 'MISSED')")
	printf '%-14s %7sms %7sms %6s %7sms %7sms %6s  %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$verdict"
done
echo
echo "== peak RSS (/usr/bin/time, KB)"
printf '%-34s %8s %s\n' "gpuprep detect (big sysfs node)" "$rss_gp" \
	"$([ "$rss_gp" -lt 4096 ] && echo "ok (< 4096)" || echo "MISSED (>= 4096)")"
printf '%-34s %8s %s\n' "gpuprep detect --pci-dump" "$rss_gp_dump" \
	"$([ "$rss_gp_dump" -lt 4096 ] && echo "ok (< 4096)" || echo "MISSED (>= 4096)")"
printf '%-34s %8s %s\n' "lspci -n (big sysfs node)" "$rss_lspci" "(for reference)"
echo
echo "== stripped binary"
printf '%-34s %8s %s\n' "gpuprep" "$((size / 1024)) KB" \
	"$([ "$size" -lt 409600 ] && echo "ok (< 400 KB)" || echo "MISSED (>= 400 KB)")"
