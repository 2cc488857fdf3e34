#!/bin/bash
# configure and up with the systemd cgroup driver: the /dev/char links to the NVIDIA device nodes
# from the node's own nvidia-ctk (`system create-dev-char-symlinks --create-all`, the fixture
# program in tests/fixtures/cdi, and the real nvidia-ctk 1.17.9 from ../shared/bin in a private
# mount namespace when it can run), NVIDIA's udev rule, preflight's dev-char-links check
# afterwards, and undo removing exactly what gpuprep made.
. "$TESTS_SRC/lib.sh"

CTK="$FIXTURES/cdi/nvidia-ctk"
RULE=lib/udev/rules.d/71-nvidia-dev-char.rules
export FAKE_CTK_LOG="$T/ctk.log"
: >"$FAKE_CTK_LOG"

# The links the fixture node (one GPU, nvidia-frontend 195, nvidia-uvm 510) gets, as
# `ls -l` would list NAME -> TARGET.
want_links() {
	printf '%s\n' '195:0 -> /dev/nvidia0' '195:254 -> /dev/nvidia-modeset' \
		'195:255 -> /dev/nvidiactl' '510:0 -> /dev/nvidia-uvm' '510:1 -> /dev/nvidia-uvm-tools'
}
links_of() {
	local l
	for l in "$1"/dev/char/*; do
		[ -L "$l" ] && printf '%s -> %s\n' "${l##*/}" "$(readlink "$l")"
	done
}
cat >"$T/rule" <<'EOF'
# Written by gpuprep: recreate the /dev/char links to the NVIDIA device nodes when the
# driver binds, so that containers keep their GPUs with the systemd cgroup driver (see
# NVIDIA/nvidia-container-toolkit#48). 'gpuprep undo' removes it.
ACTION=="add", DEVPATH=="/bus/pci/drivers/nvidia", RUN+="/usr/bin/nvidia-ctk system create-dev-char-symlinks --create-all"
EOF

R=$(fixture_root sample)
export FAKE_CTK_ROOT=$R
cp "$FIXTURES/cdi/proc-devices" "$R/proc/devices"
cp "$R/etc/containerd/config.toml" "$T/config0"

# No nvidia-ctk on the node: the runtime is configured, the links are left to up, said why.
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "no nvidia-ctk: configure still configures the runtime"
expect_contains "$T/err" "'/dev/char' links not created: the node has no nvidia-ctk" "no nvidia-ctk: says so"
expect_contains "$T/err" "'up' creates them after its install step" "no nvidia-ctk: leaves it to up"
[ ! -e "$R/dev/char" ] && [ ! -e "$R/$RULE" ] && ok "no nvidia-ctk: no links, no rule" ||
	not_ok "no nvidia-ctk: no links, no rule"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo it"

mkdir -p "$R/usr/bin" && cp "$CTK" "$R/usr/bin/nvidia-ctk"

# Under --root, the root's program is not run unless asked.
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd
expect_rc 0 "without --exec-root-tools: exit 0"
expect_contains "$T/err" "'/dev/char' links not created: not running the root's '/usr/bin/nvidia-ctk' on this machine: pass --exec-root-tools" \
	"without --exec-root-tools: says what it refused and how to allow it"
[ ! -s "$FAKE_CTK_LOG" ] && ok "without --exec-root-tools: nvidia-ctk did not run" ||
	not_ok "without --exec-root-tools: nvidia-ctk did not run" "$(cat "$FAKE_CTK_LOG")"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo it"

# The cgroupfs driver does not need the links; --no-dev-char-links turns them off.
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver cgroupfs --exec-root-tools
expect_rc 0 "cgroupfs: configure"
expect_not_contains "$T/err" "/dev/char" "cgroupfs: nothing said about /dev/char"
[ ! -s "$FAKE_CTK_LOG" ] && [ ! -e "$R/dev/char" ] && ok "cgroupfs: nvidia-ctk not run, no links" ||
	not_ok "cgroupfs: nvidia-ctk not run, no links"
run "$GPUPREP" --root "$R" undo
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools --no-dev-char-links
expect_rc 0 "--no-dev-char-links: configure"
[ ! -s "$FAKE_CTK_LOG" ] && [ ! -e "$R/dev/char" ] && ok "--no-dev-char-links: nvidia-ctk not run, no links" ||
	not_ok "--no-dev-char-links: nvidia-ctk not run, no links"
run "$GPUPREP" --root "$R" undo
run "$GPUPREP" --root "$R" configure --runtime containerd --exec-root-tools --dev-char-links --no-dev-char-links
expect_rc 0 "--dev-char-links --no-dev-char-links: configure"
[ ! -s "$FAKE_CTK_LOG" ] && [ ! -e "$R/dev/char" ] && ok "the last of --dev-char-links and --no-dev-char-links wins" ||
	not_ok "the last of --dev-char-links and --no-dev-char-links wins"
run "$GPUPREP" --root "$R" undo

# A dry run runs nothing, says what it would run, and shows the rule.
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools --dry-run
expect_rc 0 "dry run"
expect_contains "$T/err" "would run 'nvidia-ctk system create-dev-char-symlinks --create-all' and add the links it makes that '/dev/char' lacks" \
	"dry run: says what it would run"
expect_contains "$T/out" '+ACTION=="add", DEVPATH=="/bus/pci/drivers/nvidia", RUN+="/usr/bin/nvidia-ctk system create-dev-char-symlinks --create-all"' \
	"dry run: the diff shows the udev rule"
[ ! -s "$FAKE_CTK_LOG" ] && [ ! -e "$R/dev/char" ] && [ ! -e "$R/$RULE" ] &&
	ok "dry run: nvidia-ctk did not run, nothing written" || not_ok "dry run: nvidia-ctk did not run, nothing written"

# Without --cgroup-driver, the driver the runtime's config has decides: the file given with
# --config, not the default one (which sets no driver here).
cat >"$R/etc/containerd/custom.toml" <<'EOF'
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    SystemdCgroup = true
EOF
run "$GPUPREP" --root "$R" configure --runtime containerd --config /etc/containerd/custom.toml --exec-root-tools --dry-run
expect_rc 0 "--config, its runc on systemd: dry run"
expect_contains "$T/err" "and add the links it makes that '/dev/char' lacks" \
	"--config, its runc on systemd: the links are planned from that file's driver"
run "$GPUPREP" --root "$R" configure --runtime containerd --exec-root-tools --dry-run
expect_rc 0 "the default config, no driver set: dry run"
expect_not_contains "$T/err" "/dev/char" "the default config, no driver set: no links planned"
rm "$R/etc/containerd/custom.toml"

# The driver is not loaded (no NVIDIA majors in /proc/devices): nvidia-ctk fails. Asked for by
# name (--dev-char-links), that is an error and nothing changes; by default (the cgroup driver)
# configure goes on without the links, and says why.
mv "$R/proc/devices" "$T/devices"
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools --dev-char-links
expect_rc 1 "--dev-char-links, nvidia-ctk fails: exit 1"
expect_contains "$T/err" "failed reading device majors: no NVIDIA devices found" "--dev-char-links, nvidia-ctk fails: its last lines"
expect_contains "$T/err" "hint: is the NVIDIA driver loaded?" "--dev-char-links, nvidia-ctk fails: hint"
expect_file_eq "$R/etc/containerd/config.toml" "$T/config0" "--dev-char-links, nvidia-ctk fails: the config is unchanged"
[ ! -e "$R/dev/char" ] && [ ! -e "$R/$RULE" ] && ok "--dev-char-links, nvidia-ctk fails: no links, no rule" ||
	not_ok "--dev-char-links, nvidia-ctk fails: no links, no rule"
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "by default, nvidia-ctk fails: configure goes on"
expect_contains "$T/err" "warning: '/dev/char' links not created: 'nvidia-ctk system create-dev-char-symlinks --create-all' exited with status 1" \
	"by default, nvidia-ctk fails: a warning with its exit status"
expect_contains "$T/err" "failed reading device majors: no NVIDIA devices found\"; is the NVIDIA driver loaded?" \
	"by default, nvidia-ctk fails: its last lines, and what to look at"
expect_contains "$R/etc/containerd/config.toml" "SystemdCgroup = true" "by default, nvidia-ctk fails: the runtime is configured"
[ ! -e "$R/dev/char" ] && [ ! -e "$R/$RULE" ] && ok "by default, nvidia-ctk fails: no links, no rule" ||
	not_ok "by default, nvidia-ctk fails: no links, no rule"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo it"
mv "$T/devices" "$R/proc/devices"

# A Jetson board: its GPU nodes are not /dev/nvidia*, so no links by default, and a reason when
# asked for them.
J=$(fixture_root jetson-orin-nano-jp6)
mkdir -p "$J/usr/bin" && cp "$CTK" "$J/usr/bin/nvidia-ctk"
: >"$FAKE_CTK_LOG"
run "$GPUPREP" --root "$J" configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "Jetson, systemd: configure"
expect_not_contains "$T/err" "/dev/char" "Jetson, systemd: no links by default, nothing said"
run "$GPUPREP" --root "$J" configure --runtime containerd --cgroup-driver systemd --exec-root-tools --dev-char-links
expect_contains "$T/err" "'/dev/char' links not created: a Jetson board: its GPU nodes (/dev/nvhost-*, /dev/nvmap) are not /dev/nvidia*" \
	"Jetson, --dev-char-links: says why not"
[ ! -s "$FAKE_CTK_LOG" ] && [ ! -e "$J/dev/char" ] && ok "Jetson: nvidia-ctk not run, no links" ||
	not_ok "Jetson: nvidia-ctk not run, no links" "$(cat "$FAKE_CTK_LOG")"

# One link the node already has stays the node's: gpuprep adds the others.
mkdir -p "$R/dev/char" && ln -s ../nvidiactl "$R/dev/char/195:255"
: >"$FAKE_CTK_LOG"
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "--exec-root-tools: configure makes the links"
if grep -qE '^system create-dev-char-symlinks --create-all --dev-char-path=/.*/char$' "$FAKE_CTK_LOG" &&
	! grep -q "$R" "$FAKE_CTK_LOG" && [ "$(wc -l <"$FAKE_CTK_LOG")" = 1 ]; then
	ok "nvidia-ctk ran once, into a private directory"
else not_ok "nvidia-ctk ran once, into a private directory" "$(cat "$FAKE_CTK_LOG")"; fi
want_links | sed 's|^195:255 -> .*|195:255 -> ../nvidiactl|' >"$T/want"
links_of "$R" >"$T/got"
expect_file_eq "$T/got" "$T/want" "the links nvidia-ctk makes, the node's own one kept"
expect_file_eq "$R/$RULE" "$T/rule" "NVIDIA's udev rule, running the node's nvidia-ctk"
[ "$(stat -c %a "$R/$RULE")" = 644 ] && ok "the rule is mode 0644" || not_ok "the rule is mode 0644"
expect_contains "$T/out" "'$R/dev/char/195:0'" "the links are among the files configured"
expect_not_contains "$T/out" "'$R/dev/char/195:255'" "the node's own link is not"
expect_not_contains "$T/err" "left as it is" "the node's own link, relative where nvidia-ctk's is absolute, leads to the same node: no warning"
expect_contains "$T/out" "'$R/$RULE'" "the rule is among the files configured"
run "$GPUPREP" --root "$R" preflight --checks dev-char-links --cgroup-driver systemd
expect_rc 0 "preflight dev-char-links afterwards"
expect_contains "$T/out" "[PASS] '$R/dev/char' links for all 2 NVIDIA device nodes" "preflight dev-char-links passes"

# Again: nothing to add, nothing written.
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "again"
expect_contains "$T/out" "already configured" "again: already configured"

# A link gone since (a driver reload without the rule): the next configure adds it back, and
# --json lists it. (A dry run runs no nvidia-ctk, so it cannot list the links.)
rm "$R/dev/char/510:1"
run "$GPUPREP" --root "$R" --json configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "--json: a link gone since"
python3 - "$T/out" "$R" <<'EOF' && ok "--json: the missing link is created" || not_ok "--json: the missing link is created" "$(cat "$T/out")"
import json, sys
doc = json.load(open(sys.argv[1]))
files = {f["path"]: f for f in doc["files"]}
f = files.get(sys.argv[2] + "/dev/char/510:1")
assert f and f["changed"] and f["created"], files
assert [p for p in files if files[p]["changed"]] == [sys.argv[2] + "/dev/char/510:1"], files
EOF
[ "$(readlink "$R/dev/char/510:1")" = /dev/nvidia-uvm-tools ] && ok "the link is back" || not_ok "the link is back"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo the link's return"
[ ! -e "$R/dev/char/510:1" ] && [ -L "$R/dev/char/195:0" ] && ok "that undo removes only that link" ||
	not_ok "that undo removes only that link" "$(links_of "$R")"

# Undo: the links gpuprep made and the rule go; the node's own link, and a link changed since
# (no longer gpuprep's), stay.
rm "$R/dev/char/195:254" && ln -s /dev/null "$R/dev/char/195:254"
run "$GPUPREP" --root "$R" --json undo --dry-run
expect_rc 0 "undo --json --dry-run"
expect_contains "$T/out" "\"$R/dev/char/195:0\"" "undo --json --dry-run: lists the link it would remove"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo"
expect_contains "$T/err" "'$R/dev/char/195:254' links to '/dev/null' since gpuprep made it: leaving it" \
	"undo: warns about the link changed since"
printf '%s\n' '195:254 -> /dev/null' '195:255 -> ../nvidiactl' >"$T/want"
links_of "$R" >"$T/got"
expect_file_eq "$T/got" "$T/want" "undo: removes exactly the links gpuprep made and still points"
[ ! -e "$R/$RULE" ] && ok "undo: the rule is removed" || not_ok "undo: the rule is removed"
expect_file_eq "$R/etc/containerd/config.toml" "$T/config0" "undo: the runtime's config is back"
rm -f "$R/dev/char/195:254" "$R/dev/char/195:255"

# An entry at a link's path that does not lead where nvidia-ctk's link does (here a plain
# file): the node's, left as it is, and said; preflight then warns about it.
mkdir -p "$R/dev/char" && printf 'not a link\n' >"$R/dev/char/195:0"
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools
expect_rc 0 "a plain file at a link's path: configure"
expect_contains "$T/err" "warning: '$R/dev/char/195:0' is not a link, where nvidia-ctk's link leads to /dev/nvidia0: left as it is; remove it and run again to have the link made" \
	"a plain file at a link's path: configure says so"
[ -f "$R/dev/char/195:0" ] && [ ! -L "$R/dev/char/195:0" ] && [ -L "$R/dev/char/195:255" ] &&
	ok "a plain file at a link's path: left as it is, the other links made" ||
	not_ok "a plain file at a link's path: left as it is, the other links made" "$(ls -l "$R/dev/char")"
run "$GPUPREP" --root "$R" preflight --checks dev-char-links --cgroup-driver systemd
expect_contains "$T/out" "[WARNING dev-char-links]: '$R/dev/char' links that do not lead to their NVIDIA device nodes: nvidia0 (195:0 is not a link)" \
	"a plain file at a link's path: preflight warns"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "a plain file at a link's path: undo"
[ -f "$R/dev/char/195:0" ] && [ ! -e "$R/dev/char/195:255" ] && ok "a plain file at a link's path: undo leaves it" ||
	not_ok "a plain file at a link's path: undo leaves it" "$(ls -l "$R/dev/char")"
rm -f "$R/dev/char/195:0"

# The containerd config that uses the systemd driver already: auto without --cgroup-driver.
run "$GPUPREP" --root "$R" configure --runtime containerd --cgroup-driver systemd --exec-root-tools --no-dev-char-links
: >"$FAKE_CTK_LOG"
run "$GPUPREP" --root "$R" configure --runtime containerd --exec-root-tools
expect_rc 0 "the config's SystemdCgroup = true: configure"
want_links >"$T/want"
links_of "$R" >"$T/got"
expect_file_eq "$T/got" "$T/want" "the config's SystemdCgroup = true: the links come without --cgroup-driver"
run "$GPUPREP" --root "$R" undo
run "$GPUPREP" --root "$R" undo
[ -z "$(links_of "$R")" ] && ok "both undone" || not_ok "both undone" "$(links_of "$R")"

# The real nvidia-ctk makes the same links: it reads this machine's /proc/devices and /sys,
# so it runs in a private mount namespace with the fixture's files bound over them.
REAL="${SHARED_DIR:-}/bin/nvidia-ctk-1.17.9"
if [ ! -x "$REAL" ]; then
	skip "the real nvidia-ctk makes the same links" "no ../shared/bin/nvidia-ctk-1.17.9 (a plain clone has no ../shared)"
elif ! unshare --mount true 2>/dev/null; then
	skip "the real nvidia-ctk makes the same links" "cannot make a private mount namespace here (unshare --mount)"
else
	cp "$REAL" "$R/usr/bin/nvidia-ctk"
	# /sys/bus/pci/devices with the fixture's GPU, as nvidia-ctk's PCI walk reads it; its
	# resource file (which the walk parses and the links do not use) is a zeroed stand-in.
	gpu=$(readlink -f "$R/sys/bus/pci/devices/0000:00:04.0")
	mkdir -p "$T/pci/0000:00:04.0"
	cp "$gpu"/{vendor,class,device,numa_node} "$T/pci/0000:00:04.0/"
	for _ in $(seq 13); do echo "0x0000000000000000 0x0000000000000000 0x0000000000000000"; done \
		>"$T/pci/0000:00:04.0/resource"
	set +e
	unshare --mount bash -c 'mount --bind "$1/proc/devices" /proc/devices &&
		mount --bind "$2" /sys/bus/pci/devices &&
		exec "$3" --root "$1" configure --runtime containerd --cgroup-driver systemd --exec-root-tools' \
		_ "$R" "$T/pci" "$GPUPREP" >"$T/out" 2>"$T/err"
	rc=$?
	set -e 2>/dev/null || true
	set +e
	expect_rc 0 "the real nvidia-ctk: configure"
	want_links >"$T/want"
	links_of "$R" >"$T/got"
	expect_file_eq "$T/got" "$T/want" "the real nvidia-ctk makes the same links"
	run "$GPUPREP" --root "$R" undo
	[ -z "$(links_of "$R")" ] && ok "the real nvidia-ctk's links undone" || not_ok "the real nvidia-ctk's links undone"
	cp "$CTK" "$R/usr/bin/nvidia-ctk"
fi

# up: the links in its configure step; said why not before its install step.
U=$(fixture_root up-sample)
rm -f "$U/usr/bin/nvidia-ctk"
run "$GPUPREP" --root "$U" up --dry-run --cgroup-driver systemd --exec-root-tools
expect_contains "$T/out" "'/dev/char' links not created: the node has no nvidia-ctk" \
	"up --dry-run without nvidia-ctk: says so in its configure step"
cp "$CTK" "$U/usr/bin/nvidia-ctk"
cp "$FIXTURES/cdi/proc-devices" "$U/proc/devices" 2>/dev/null || { mkdir -p "$U/proc" && cp "$FIXTURES/cdi/proc-devices" "$U/proc/devices"; }
run "$GPUPREP" --root "$U" up --dry-run --cgroup-driver systemd --exec-root-tools
expect_contains "$T/out" "would run 'nvidia-ctk system create-dev-char-symlinks --create-all'" \
	"up --dry-run --exec-root-tools: says what it would run"
[ ! -e "$U/dev/char" ] && ok "up --dry-run: no links" || not_ok "up --dry-run: no links"

done_testing
