#!/bin/bash
# gpuprep configure --runtime containerd on golden config.toml files (the exact bytes after, of
# the drop-in too, idempotence, --dry-run diffs, undo), refused files, the config version of a
# new file, the cgroup driver of a fresh config, k3s/RKE2 configs and usage errors.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/tap-parallel.sh"
configure_use containerd

for exp in "$G"/*.expected; do
	par_run "$(basename "$exp" .expected)" configure_check_case "$exp"
done
par_wait

# Refused files: exact stderr, exit 1, the file untouched, no backup made.
configure_check_refusals

# Plain "cri" in disabled_plugins is refused too, and so is a disabled CRI in the drop-in.
root=$(new_root v2-no-runc)
printf 'disabled_plugins = ["cri"]\n' | cat - "$G/v2-no-runc.toml" >"$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime containerd
expect_rc 1 "disabled_plugins = [\"cri\"]: refused"
expect_contains "$T/err" 'unknown service runtime.v1.RuntimeService' "disabled cri: the hint names kubelet's error"

# A new file: the version from `containerd --version` of the binary under --root (a copy of
# the real one: a symlink to it would point outside the root; no binaries in fixtures), or
# --config-version.
if command -v containerd >/dev/null; then
	root=$(new_root missing)
	mkdir -p "$root/usr/bin"
	ln "$(readlink -f "$(command -v containerd)")" "$root/usr/bin/containerd" 2>/dev/null ||
		cp "$(command -v containerd)" "$root/usr/bin/containerd"
	major=$(containerd --version | awk '{ v = $3; sub(/^v/, "", v); split(v, a, "."); print a[1] }')
	want=2
	[ "$major" -ge 2 ] && want=3
	run "$GPUPREP" --root "$root" configure --runtime containerd
	expect_rc 0 "new file with containerd $major installed"
	expect_not_contains "$T/err" "warning" "containerd --version ran: no warning"
	[ "$(head -1 "$root/$CFG")" = "version = $want" ] && ok "containerd $major.x: a new file is version $want" ||
		not_ok "containerd $major.x: a new file is version $want" "$(head -1 "$root/$CFG")"
else
	skip "a new file gets the version of the installed containerd" "containerd is not installed"
fi
root=$(new_root missing)
run "$GPUPREP" --root "$root" configure --runtime containerd
expect_contains "$T/err" "warning: cannot run 'containerd --version' to pick the config version; writing version 2" \
	"no containerd to run: version 2, with a warning"
root=$(new_root missing)
run "$GPUPREP" --root "$root" configure --runtime containerd --config-version 3
expect_rc 0 "--config-version 3"
expect_not_contains "$T/err" "warning" "--config-version 3: no warning"
expect_contains "$root/$CFG" '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.nvidia.options]' \
	"--config-version 3: the v3 CRI table"
# A fresh v3 file has a blank line before every table, as v2's has (issue 13).
if awk '/^\[/ && prev != "" { bad = 1 } { prev = $0 } END { exit !bad }' "$root/$CFG"; then
	not_ok "--config-version 3: a blank line before every table" "$(cat "$root/$CFG")"
else ok "--config-version 3: a blank line before every table"; fi
root=$(new_root v2-no-runc)
run "$GPUPREP" --root "$root" configure --runtime containerd --config-version 3
expect_rc 2 "--config-version against the file's version"
expect_contains "$T/err" "config.toml is config version 2, not 3" "--config-version conflict: message"

# The cgroup driver of a fresh config: systemd with systemd running and cgroup v2.
root=$(new_root missing)
mkdir -p "$root/run/systemd/system" "$root/sys/fs/cgroup"
: >"$root/sys/fs/cgroup/cgroup.controllers"
run "$GPUPREP" --root "$root" configure --runtime containerd --config-version 2
[ "$(grep -c 'SystemdCgroup = true' "$root/$CFG")" = 2 ] && ok "systemd and cgroup v2: SystemdCgroup = true in nvidia and runc" ||
	not_ok "systemd and cgroup v2: SystemdCgroup = true in nvidia and runc" "$(cat "$root/$CFG")"
rm "$root/sys/fs/cgroup/cgroup.controllers"
rm "$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime containerd --config-version 2
[ "$(grep -c 'SystemdCgroup = false' "$root/$CFG")" = 2 ] && ok "systemd and cgroup v1: cgroupfs" ||
	not_ok "systemd and cgroup v1: cgroupfs" "$(cat "$root/$CFG")"

# k3s and RKE2 rewrite their config at every start.
root=$(new_root missing)
mkdir -p "$root/var/lib/rancher/k3s/agent/etc/containerd"
cp "$G/v2-comments.toml" "$root/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
run "$GPUPREP" --root "$root" configure --runtime containerd --config /var/lib/rancher/k3s/agent/etc/containerd/config.toml
expect_rc 1 "k3s config: refused"
expect_contains "$T/err" "is managed by k3s or RKE2" "k3s config: message"
expect_contains "$T/err" "config.toml.tmpl" "k3s config: the hint names config.toml.tmpl"
expect_contains "$T/err" "--default-runtime nvidia" "k3s config: the hint names --default-runtime"
expect_file_eq "$root/var/lib/rancher/k3s/agent/etc/containerd/config.toml" "$G/v2-comments.toml" "k3s config: untouched"
# ... also through a symlink from /etc/containerd.
root=$(new_root missing)
mkdir -p "$root/var/lib/rancher/rke2/agent/etc/containerd"
cp "$G/v2-comments.toml" "$root/var/lib/rancher/rke2/agent/etc/containerd/config.toml"
ln -s /var/lib/rancher/rke2/agent/etc/containerd/config.toml "$root/$CFG"
run "$GPUPREP" --root "$root" configure --runtime containerd
expect_rc 1 "RKE2 config behind a symlink: refused"

# Usage errors, each leaving the file alone.
root=$(new_root v2-comments)
run "$GPUPREP" --root "$root" configure --runtime containerd --runtime-path nvidia-container-runtime
expect_rc 2 "relative --runtime-path"
expect_contains "$T/err" "--runtime-path must be absolute for containerd" "relative --runtime-path: message"
run "$GPUPREP" --root "$root" configure --runtime containerd --drop-in /etc/containerd/config.toml
expect_rc 2 "--drop-in naming the main config"
expect_file_eq "$root/$CFG" "$G/v2-comments.toml" "usage errors leave the file alone"

# A malformed drop-in is reported with its path, line and column; nothing changes.
root=$(new_root imports)
mkdir -p "$root/etc/containerd/conf.d"
printf 'version = 2\n[plugins\n' >"$root/$DROPIN"
run "$GPUPREP" --root "$root" configure --runtime containerd
expect_rc 1 "malformed drop-in"
expect_contains "$T/err" "$root/$DROPIN:2:9:" "malformed drop-in: path:line:col"
expect_file_eq "$root/$CFG" "$G/imports.toml" "malformed drop-in: the main file untouched"

# --json names both files of a drop-in edit; the backup journals both.
root=$(new_root drop-in-option)
run "$GPUPREP" --root "$root" --json configure --runtime containerd --drop-in /etc/containerd/conf.d/99-nvidia.toml
expect_rc 0 "--json with a drop-in"
if /usr/bin/python3 - "$T/out" "$root" <<'PY'; then ok "--json lists the main file and the drop-in"; else not_ok "--json lists the main file and the drop-in" "$(cat "$T/out")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
root = sys.argv[2]
assert d["runtime"] == "containerd" and d["changed"] is True, d
assert d["files"] == [
    {"path": root + "/etc/containerd/config.toml", "changed": True, "created": False},
    {"path": root + "/etc/containerd/conf.d/99-nvidia.toml", "changed": True, "created": True},
], d
PY
bdir=$(ls -d "$root"/var/lib/gpuprep/backup/*/ | head -1)
expect_contains "$bdir/journal.jsonl" '"runtime":"containerd","path":"/etc/containerd/config.toml","existed":true' \
	"backup: the journal records the main file"
expect_contains "$bdir/journal.jsonl" '"path":"/etc/containerd/conf.d/99-nvidia.toml","existed":false' \
	"backup: the journal records the new drop-in"

done_testing
