#!/bin/bash
# The static aarch64 gpuprep (.ci/portable) under qemu-user on fixture nodes: the Jetson node
# and the up-sample server node. detect, configure, preflight and `up --dry-run` give what the
# dynamic x86_64 build (meson's $GPUPREP) gives on copies of the same nodes, byte for byte.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/portable/portable-lib.sh"
portable_bin aarch64
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
if [ -z "$qemu" ]; then
	skip "the static aarch64 gpuprep under qemu-user" "no qemu-aarch64-static (apt-get install qemu-user-static)"
	done_testing
	exit 0
fi

run "$qemu" "$bin" --version
expect_rc 0 "--version under $(basename "$qemu")"
expect_contains "$T/out" ", static build for aarch64" "--version: a static build for aarch64"
expect_contains "$T/out" "(mbedTLS/" "--version: libcurl with mbedTLS"

# both NODE NAME RC ARGS...: ARGS on two copies of fixture NODE, the aarch64 binary on one and
# the dynamic build on the other: the exit status RC for both, the same stdout and stderr
# (root paths aside) and the same files written.
both() {
	local node=$1 name=$2 want=$3 A D drc
	shift 3
	A=$(fixture_root "$node")
	D=$(fixture_root "$node")
	run "$GPUPREP" --root "$D" "$@"
	cp "$T/out" "$T/dyn.out"
	cp "$T/err" "$T/dyn.err"
	drc=$rc
	run "$qemu" "$bin" --root "$A" "$@"
	expect_rc "$want" "$node: $name: aarch64"
	if [ "$drc" -eq "$rc" ]; then ok "$node: $name: the same exit status as x86_64"; else
		not_ok "$node: $name: the same exit status as x86_64" "aarch64 $rc, x86_64 $drc"
	fi
	same_output "$node: $name: the same stdout as x86_64" "$T/out" "$T/dyn.out" "$A" "$D"
	same_output "$node: $name: the same stderr as x86_64" "$T/err" "$T/dyn.err" "$A" "$D"
	if diff -r --no-dereference "$A" "$D" >"$T/diff" 2>&1; then ok "$node: $name: the same files as x86_64"; else
		# backups are named by time; compare the trees without them
		if diff -r --no-dereference -x backup -x 'gpuprep' "$A" "$D" >"$T/diff" 2>&1; then
			ok "$node: $name: the same files as x86_64"
		else not_ok "$node: $name: the same files as x86_64" "$(head -40 "$T/diff")"; fi
	fi
}

IDS="$FIXTURES/pci.ids"
for node in jetson-xavier-nx up-sample; do
	both "$node" detect 0 detect --pci-ids "$IDS"
	both "$node" "detect --json" 0 --json detect --pci-ids "$IDS"
done
both up-sample "configure" 0 configure --runtime containerd
# Both nodes as the fixtures have them fail preflight (no toolkit on the Jetson, runc the
# default on up-sample): exit 1, the same report.
both jetson-xavier-nx "preflight" 1 preflight
both up-sample "preflight" 1 preflight
both up-sample "up --dry-run" 0 up --dry-run
both up-sample "up --dry-run --json" 0 --json up --dry-run

done_testing
