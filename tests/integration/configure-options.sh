#!/bin/bash
# gpuprep configure --runtime docker: refused files (exact errors, nothing changed), warnings,
# --json, the backup journal, usage errors, --config, and picking the runtime without --runtime.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"

# Refused files: exact stderr, exit 1, the file untouched, no backup made.
configure_check_refusals

# Warnings go to stderr and do not stop the edit.
root=$(new_root unknown-key)
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "unknown key: configure"
expect_contains "$T/err" "warning: $root/$CFG: dockerd does not know the key 'cgroup-driver'" \
	"unknown key: warned"
# Keys are dockerd 28.1's (checked with dockerd-28.1.1 --validate): bip6 (28.0) is known;
# on a node whose dockerd is older (Debian's 20.10, hard-linked into the root) it needs 28.0.
root=$(new_root bip6)
run "$GPUPREP" --root "$root" configure --runtime docker
expect_rc 0 "bip6: configure"
expect_not_contains "$T/err" "warning" "bip6: no warning without a dockerd on the node"
root=$(new_root bip6)
if [ -x /usr/sbin/dockerd ] && mkdir -p "$root/usr/sbin" &&
	{ ln /usr/sbin/dockerd "$root/usr/sbin/dockerd" 2>/dev/null ||
		cp /usr/sbin/dockerd "$root/usr/sbin/dockerd"; }; then
	node_v=$(/usr/sbin/dockerd --version | sed -n 's/^Docker version \([0-9]*\.[0-9]*\).*/\1/p')
	run "$GPUPREP" --root "$root" configure --runtime docker
	if [ "${node_v%%.*}" -lt 28 ]; then
		expect_contains "$T/err" "warning: $root/$CFG: the key 'bip6' needs Docker >= 28.0, and this node's dockerd is $node_v" \
			"bip6: 'needs Docker >= 28.0' on a node with dockerd $node_v"
	else
		expect_not_contains "$T/err" "bip6" "bip6: no warning with dockerd $node_v"
	fi
else
	skip "bip6 on a node with an older dockerd" "no /usr/sbin/dockerd here (Debian's docker.io)"
fi
# A byte order mark is kept; on a node with a dockerd older than 23.0 that refuses it, a warning.
root=$(new_root bom)
if [ -x /usr/sbin/dockerd ] && mkdir -p "$root/usr/sbin" &&
	{ ln /usr/sbin/dockerd "$root/usr/sbin/dockerd" 2>/dev/null ||
		cp /usr/sbin/dockerd "$root/usr/sbin/dockerd"; }; then
	node_v=$(/usr/sbin/dockerd --version | sed -n 's/^Docker version \([0-9]*\.[0-9]*\).*/\1/p')
	run "$GPUPREP" --root "$root" configure --runtime docker
	if [ "${node_v%%.*}" -lt 23 ]; then
		expect_contains "$T/err" "warning: $root/$CFG: the file starts with a UTF-8 byte order mark, which needs Docker >= 23.0, and this node's dockerd is $node_v" \
			"bom: 'needs Docker >= 23.0' on a node with dockerd $node_v"
	else
		expect_not_contains "$T/err" "byte order mark" "bom: no warning with dockerd $node_v"
	fi
else
	skip "bom on a node with an older dockerd" "no /usr/sbin/dockerd here (Debian's docker.io)"
fi
root=$(new_root nvidia-old-args)
run "$GPUPREP" --root "$root" configure --runtime docker
expect_contains "$T/err" "dockerd ignores 'runtimes.nvidia.args'" "runtime args: 'args' warned"

# --json
root=$(new_root two-space)
run "$GPUPREP" --root "$root" --json configure --runtime docker --cdi
expect_rc 0 "--json configure"
if /usr/bin/python3 - "$T/out" "$root" <<'EOF'; then ok "--json document"; else not_ok "--json document" "$(cat "$T/out")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
root = sys.argv[2]
assert d["schema_version"] == 1, d
assert d["runtime"] == "docker" and d["runtime_name"] == "nvidia", d
assert d["changed"] is True and d["dry_run"] is False, d
assert d["files"] == [{"path": root + "/etc/docker/daemon.json", "changed": True, "created": False}], d
assert d["backup_dir"].startswith(root + "/var/lib/gpuprep/backup/"), d
assert d["warnings"] == [], d
assert d["diff"].startswith("--- a/etc/docker/daemon.json\n+++ b/etc/docker/daemon.json\n@@"), d
EOF
run "$GPUPREP" --root "$root" --json configure --runtime docker --cdi --dry-run
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False and d["diff"] == "" and d["backup_dir"] is None, d' "$T/out"; then
	ok "--json --dry-run when configured"
else
	not_ok "--json --dry-run when configured" "$(cat "$T/out")"
fi

# Text: what changed, as a count, and with -v the diff itself (issue 13).
r2=$(new_root two-space)
run "$GPUPREP" --root "$r2" configure --runtime docker
expect_rc 0 "configure: text"
expect_contains "$T/out" "docker: configured '$r2/etc/docker/daemon.json' (+" "configure: says what changed"
expect_contains "$T/out" "lines changed; -v shows the diff)" "configure: the count points to -v"
expect_not_contains "$T/out" "+++ b/etc/docker/daemon.json" "configure: no diff without -v"
r2=$(new_root two-space)
run "$GPUPREP" --root "$r2" configure --runtime docker -v
expect_contains "$T/out" "+++ b/etc/docker/daemon.json" "configure -v: the diff"
cp "$T/out" "$T/v-out"
r2=$(new_root two-space)
run "$GPUPREP" --root "$r2" configure --runtime docker --dry-run
sed -n '/^--- a/,$p' "$T/v-out" >"$T/v-diff"
expect_file_eq "$T/v-diff" "$T/out" "configure -v: the same diff as --dry-run"

# The backup holds the original at its absolute path, and the journal says so.
root=$(new_root tab)
run "$GPUPREP" --root "$root" configure --runtime docker
bdir=$(ls -d "$root"/var/lib/gpuprep/backup/*/ | head -1)
expect_file_eq "$bdir/$CFG" "$G/tab.json" "backup: the original is copied to <backup>/$CFG"
expect_contains "$bdir/journal.jsonl" '"op":"configure","runtime":"docker","path":"/etc/docker/daemon.json","existed":true' \
	"backup: the journal records the file"

# Options that belong to containerd, and bad values, are usage errors.
root=$(new_root empty)
run "$GPUPREP" --root "$root" configure --runtime docker --drop-in /etc/x.toml
expect_rc 2 "--drop-in with docker"
expect_contains "$T/err" "--drop-in applies to containerd only" "--drop-in with docker: message"
run "$GPUPREP" --root "$root" configure --runtime docker --cgroup-driver upstart
expect_rc 2 "bad --cgroup-driver"
run "$GPUPREP" --root "$root" configure --runtime podman
expect_rc 2 "unknown --runtime"
run "$GPUPREP" --root "$root" configure --runtime docker --config relative.json
expect_rc 2 "relative --config"
expect_file_eq "$root/$CFG" "$G/empty.json" "usage errors leave the file alone"

# --config: another file, under --root.
root=$(new_root empty)
cp "$G/tab.json" "$root/etc/docker/other.json"
run "$GPUPREP" --root "$root" configure --runtime docker --config /etc/docker/other.json --cgroup-driver systemd
expect_rc 0 "--config"
expect_file_eq "$root/etc/docker/other.json" "$G/tab.expected" "--config edits that file"
expect_file_eq "$root/$CFG" "$G/empty.json" "--config leaves daemon.json alone"

# Without --runtime: the one runtime installed under --root (an executable dockerd/containerd
# in the usual bin dirs; empty files made here, no binaries in fixtures).
root=$(new_root two-space)
run "$GPUPREP" --root "$root" configure --dry-run
expect_rc 2 "no runtime installed: --runtime is required"
expect_contains "$T/err" "no container runtime found; choose one with --runtime" "no runtime installed: message"
mkdir -p "$root/usr/sbin" "$root/usr/bin"
touch "$root/usr/sbin/dockerd"
chmod +x "$root/usr/sbin/dockerd"
run "$GPUPREP" --root "$root" configure
expect_rc 0 "only dockerd installed: configures docker"
expect_file_eq "$root/$CFG" "$G/two-space.expected" "only dockerd installed: the docker file"
touch "$root/usr/bin/containerd"
chmod +x "$root/usr/bin/containerd"
run "$GPUPREP" --root "$root" configure
expect_rc 2 "docker and containerd installed: --runtime is required"
expect_contains "$T/err" "found docker and containerd; choose one with --runtime" "both installed: names both"
rm "$root/usr/sbin/dockerd"
run "$GPUPREP" --root "$root" configure
expect_rc 0 "only containerd installed: configures containerd"
expect_file_eq "$root/etc/containerd/config.toml" "$FIXTURES/configure/containerd/missing.expected" \
	"only containerd installed: the containerd file"

done_testing
