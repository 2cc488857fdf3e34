#!/bin/bash
# The static x86_64 gpuprep (.ci/portable) in an empty chroot: nothing in it but the binary, a
# pci.ids and a fixture node, so no libc, no ld.so and no library of the build machine can help
# it. --version names the static build and its libraries; detect, configure, preflight and
# undo on the node give what the dynamic build (meson's $GPUPREP) gives on a copy of the same
# node: the same output, the same exit status, the same bytes written; detect and preflight
# name the GPU without any pci.ids.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/portable/portable-lib.sh"
portable_bin x86_64
if [ "$(id -u)" -ne 0 ]; then
	skip "the static gpuprep in an empty chroot" "chroot needs root"
	done_testing
	exit 0
fi

C="$T/chroot"
mkdir -p "$C/node" "$C/tmp"
cp "$bin" "$C/gpuprep"
# --pci-ids takes a path outside --root: the same path in the chroot as here.
mkdir -p "$C$FIXTURES"
cp "$FIXTURES/pci.ids" "$C$FIXTURES/pci.ids"
cp -a "$FIXTURES/nodes/sample/." "$C/node/"
# preflight names GPUs from libpci's pci.ids (/usr/share/misc/pci.ids), the build machine's
# for the dynamic build: the chroot gets the same file.
if [ -f /usr/share/misc/pci.ids ]; then
	mkdir -p "$C/usr/share/misc"
	cp /usr/share/misc/pci.ids "$C/usr/share/misc/pci.ids"
fi
D=$(fixture_root sample) # the dynamic build's copy
if [ -n "$(find "$C" -name 'ld-*.so*' -o -name 'lib*.so*' | head -1)" ]; then
	not_ok "the chroot holds no shared library" "$(find "$C" -name '*.so*')"
else ok "the chroot holds no shared library"; fi

# in_chroot ARGS...: run the static gpuprep in the chroot (stdout/stderr/rc as run does).
in_chroot() { run chroot "$C" /gpuprep "$@"; }
# both NAME RC ARGS...: ARGS on the chroot's node (--root /node) and on the dynamic build's
# copy; the same exit status (RC) and the same stdout and stderr, root paths aside.
both() {
	local name=$1 want=$2
	shift 2
	run "$GPUPREP" --root "$D" "$@"
	cp "$T/out" "$T/dyn.out"
	cp "$T/err" "$T/dyn.err"
	local drc=$rc
	in_chroot --root /node "$@"
	expect_rc "$want" "$name: static, in the chroot"
	if [ "$drc" -eq "$rc" ]; then ok "$name: the same exit status as the dynamic build"; else
		not_ok "$name: the same exit status as the dynamic build" "static $rc, dynamic $drc"
	fi
	same_output "$name: the same stdout as the dynamic build" "$T/out" "$T/dyn.out" /node "$D"
	same_output "$name: the same stderr as the dynamic build" "$T/err" "$T/dyn.err" /node "$D"
}

in_chroot --version
expect_rc 0 "--version"
expect_contains "$T/out" ", static build for x86_64" "--version: a static build for x86_64"
for lib in "libpci 3.9" "jansson 2." "libarchive 3." "libcurl 7." "libnghttp2 1." "nettle 3." "libxml2 2." "libyaml 0."; do
	expect_contains "$T/out" "$lib" "--version: names $lib"
done
expect_contains "$T/out" "(mbedTLS/" "--version: libcurl with mbedTLS"
expect_contains "$T/out" "nghttp2/" "--version: libcurl with nghttp2"
expect_contains "$T/out" "liblzma/" "--version: libarchive with xz"
expect_not_contains "$T/out" "loaded on use" "--version: nothing is loaded on use"
in_chroot --json --version
expect_contains "$T/out" '"build": "static"' "--json --version: build static"

both "detect" 0 detect --pci-ids "$FIXTURES/pci.ids"
expect_contains "$T/out" "TU104GL [Tesla T4]" "detect: the GPU's name"
both "detect --json" 0 --json detect --pci-ids "$FIXTURES/pci.ids"

# Nothing of pciutils anywhere (no pci.ids in the chroot or the node, no --pci-ids): the GPU's
# name comes from NVIDIA's part of pci.ids built into gpuprep.
mv "$C/usr/share/misc/pci.ids" "$T/pci.ids.away" 2>/dev/null || true
in_chroot --root /node detect
expect_rc 0 "detect with no pci.ids anywhere"
expect_contains "$T/out" "TU104GL [Tesla T4]" "detect with no pci.ids anywhere: the name from the built-in block"
in_chroot --root /node preflight --checks gpu-present
expect_contains "$T/out" "[PASS] 1 NVIDIA GPU: TU104GL [Tesla T4] at 0000:00:04.0" \
	"preflight with no pci.ids anywhere: the name from the built-in block"
[ ! -f "$T/pci.ids.away" ] || mv "$T/pci.ids.away" "$C/usr/share/misc/pci.ids"

both "configure --dry-run" 0 configure --runtime containerd --dry-run
both "configure" 0 configure --runtime containerd
expect_file_eq "$C/node/etc/containerd/config.toml" "$D/etc/containerd/config.toml" \
	"configure: the same config.toml as the dynamic build"
expect_contains "$C/node/etc/containerd/config.toml" "nvidia" "configure: the nvidia runtime is in"

both "preflight" 1 preflight
both "preflight --json" 1 --json preflight

in_chroot --root /node undo
expect_rc 0 "undo"
expect_file_eq "$C/node/etc/containerd/config.toml" "$FIXTURES/nodes/sample/etc/containerd/config.toml" \
	"undo: config.toml is back to the fixture's bytes"

done_testing
