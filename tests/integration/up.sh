#!/bin/bash
# gpuprep up without daemons: the dry run on the bundled sample node (golden output, --json
# against the schema, not a byte of the root changed), the exit codes of a node without a
# GPU (3) and of one that fails the first preflight (1), and usage errors (2). The runs with
# real daemons, apt and dpkg are in tests/daemons/up-*.sh.
. "$TESTS_SRC/lib.sh"
GOLDEN="$TESTS_SRC/golden/up"

# state ROOT: every file and link under ROOT with its mtime and checksum.
state() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%p %T@ %l\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}
norm() { sed -e "s#$1#@ROOT@#g" -e 's/  *[0-9.]* m\?s  /  @TIME@  /' "$2"; }

# --- the dry run on the sample node ------------------------------------------------------------
R=$(fixture_root up-sample)
before=$(state "$R")
run "$GPUPREP" --root "$R" up --dry-run
expect_rc 0 "dry run on up-sample"
norm "$R" "$T/out" >"$T/got"
expect_file_eq "$T/got" "$GOLDEN/dry-run.txt" "dry run: the whole plan (golden)"
expect_file_eq "$T/err" /dev/null "dry run: nothing on stderr"
if [ "$before" = "$(state "$R")" ]; then ok "dry run: the root is unchanged (every file's bytes and mtime)"; else
	not_ok "dry run: the root is unchanged (every file's bytes and mtime)" "$(diff <(echo "$before") <(state "$R") | head)"
fi

run "$GPUPREP" --root "$R" --json up --dry-run
expect_rc 0 "dry run --json"
if python3 "$TESTS_SRC/json-schema.py" "$TESTS_SRC/schemas/up.json" "$T/out" >"$T/schema.log"; then
	ok "dry run --json matches the schema"
else not_ok "dry run --json matches the schema" "$(cat "$T/schema.log")"; fi
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
got=[(s["step"], s["status"]) for s in d["steps"]]
want=[("preflight","already_done"),("install","already_done"),("configure","would_do"),
      ("restart","would_do"),("verify","would_do"),("preflight-full","would_do")]
assert got == want, got
assert d["dry_run"] and d["ok"] and d["runtime"] == "containerd", d
assert d["keadm"]["flags"] == "--remote-runtime-endpoint=unix:///run/containerd/containerd.sock --cgroupdriver=cgroupfs", d["keadm"]
c=d["steps"][2]["detail"]
assert c["diff"].startswith("--- a/etc/containerd/config.toml\n"), c
assert d["steps"][3]["detail"]["mode"] == "service", d["steps"][3]
assert d["changed"] == {"installed": None, "files": [], "restarted": False, "backup_dir": None, "rolled_back": False}, d["changed"]
assert d["toolkit_version"] == "1.17.8-1", d["toolkit_version"]
assert d["undo"] is None and d["error"] is None' "$T/out" 2>"$T/py" && ok "dry run --json: the steps, the diff, the restart mode, the keadm flags" ||
	not_ok "dry run --json: the steps, the diff, the restart mode, the keadm flags" "$(cat "$T/py")"
if [ "$before" = "$(state "$R")" ]; then ok "dry run --json: the root is unchanged"; else not_ok "dry run --json: the root is unchanged"; fi

# The options show in the plan.
run "$GPUPREP" --root "$R" up --dry-run --cgroup-driver systemd --no-set-default --restart-mode none
expect_rc 0 "dry run with --cgroup-driver systemd --no-set-default --restart-mode none"
expect_contains "$T/out" '+  SystemdCgroup = true' "--cgroup-driver systemd: in the diff"
expect_not_contains "$T/out" '+  default_runtime_name = "nvidia"' "--no-set-default: the default runtime stays"
expect_contains "$T/out" "would leave the restart to you (--restart-mode none)" "--restart-mode none: in the plan"
expect_contains "$T/out" "--cgroupdriver=systemd" "--cgroup-driver systemd: the keadm flag"
run "$GPUPREP" --root "$R" up --dry-run --cri-socket unix:///run/k3s/containerd/containerd.sock
expect_contains "$T/out" "  --remote-runtime-endpoint=unix:///run/k3s/containerd/containerd.sock --cgroupdriver=cgroupfs" \
	"--cri-socket: the keadm flag"

# --- no GPU: exit 3, nothing changed ----------------------------------------------------------------
R=$(fixture_root amd-aspeed)
before=$(state "$R")
run "$GPUPREP" --root "$R" up
expect_rc 3 "no NVIDIA GPU"
expect_contains "$T/out" "preflight       failed" "no GPU: the preflight line"
expect_contains "$T/out" "install         not run" "no GPU: install did not run"
expect_contains "$T/err" "gpuprep: error: no NVIDIA GPU: no NVIDIA VGA or 3D controller among 8 PCI functions, and no Jetson/Tegra board; nothing was changed" \
	"no GPU: the error says nothing was changed"
if [ "$before" = "$(state "$R")" ]; then ok "no GPU: the root is unchanged"; else not_ok "no GPU: the root is unchanged"; fi
if grep -n ' $' "$T/out" >"$T/trailing"; then not_ok "no GPU: no line ends in a space" "$(cat "$T/trailing")"; else
	ok "no GPU: no line ends in a space (the \"not run\" rows)"; fi
run "$GPUPREP" --root "$R" --json up
expect_rc 3 "no GPU --json"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert d["no_gpu"] and not d["ok"] and d["failed_step"] == "preflight" and d["error"]["exit_code"] == 3, d' "$T/out" 2>"$T/py" &&
	ok "no GPU --json: no_gpu, failed_step, exit_code" || not_ok "no GPU --json: no_gpu, failed_step, exit_code" "$(cat "$T/py")"

# --- the first preflight fails: exit 1 ---------------------------------------------------------
R=$(fixture_root nouveau)
run "$GPUPREP" --root "$R" up --runtime containerd
expect_rc 1 "nouveau node: the first preflight fails"
expect_contains "$T/err" "gpuprep: error: up stopped at preflight: nouveau: nouveau drives the GPU at 0000:01:00.0" "nouveau: the error names the step and the check"
expect_contains "$T/err" "(or pass --ignore-preflight-errors nouveau,driver-loaded,device-nodes,cgroups)" "nouveau: the ids to ignore, as the option takes them"
expect_contains "$T/err" "nothing was changed" "nouveau: nothing was changed"

# --- usage errors ------------------------------------------------------------------------------
R=$(fixture_root up-sample)
for args in "--runtime foo" "--runtime cri-dockerd" "--offline /x --repo-url http://127.0.0.1/" "--repo-url ftp://x" \
	"--cgroup-driver none" "--restart-mode sometimes" "--ignore-preflight-errors nosuch" \
	"--ignore-preflight-errors all,swap" "--cri-socket run/x.sock" "--smoke=" "extra"; do
	# shellcheck disable=SC2086
	run "$GPUPREP" --root "$R" up --dry-run $args
	expect_rc 2 "usage error: up $args"
done
run "$GPUPREP" --root "$R" up --runtime foo
expect_contains "$T/err" "gpuprep: error: --runtime: gpuprep up configures docker, containerd, crio, k3s or rke2, not 'foo'" "--runtime foo: the message"
expect_file_eq "$T/out" /dev/null "usage error: no step runs"
run "$GPUPREP" --root "$R" up --repo-url ftp://x
expect_contains "$T/err" "gpuprep: error: --repo-url 'ftp://x' is not an http:// or https:// URL" "--repo-url ftp://x: the message install and bundle give"
run "$GPUPREP" --root "$R" up --cgroup-driver none
expect_contains "$T/err" "gpuprep: error: --cgroup-driver takes systemd or cgroupfs, not 'none'" "--cgroup-driver none: the message configure gives"

# --- an unreadable node: exit 1 (not 3: whether it has a GPU is unknown), the cause once, a hint --
mkdir -p "$T/empty-root"
run "$GPUPREP" --root "$T/empty-root" up --dry-run
expect_rc 1 "a node whose PCI devices cannot be read"
n=$(grep -c "cannot read PCI devices" "$T/out")
if [ "$n" = 1 ]; then ok "unreadable node: the cause once on stdout"; else
	not_ok "unreadable node: the cause once on stdout" "$n times:" "$(cat "$T/out")"; fi
n=$(grep -c "cannot read PCI devices" "$T/err")
if [ "$n" = 1 ]; then ok "unreadable node: the cause once on stderr"; else
	not_ok "unreadable node: the cause once on stderr" "$n times:" "$(cat "$T/err")"; fi
expect_contains "$T/err" "hint: gpuprep reads the kernel's view of PCI in /sys" "unreadable node: a hint"
expect_contains "$T/out" "[ERROR gpu-present]: cannot scan the node" "unreadable node: gpu-present says why"
run "$GPUPREP" --root "$T/empty-root" --json up --dry-run
expect_rc 1 "unreadable node --json"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
assert not d["no_gpu"] and d["error"]["exit_code"] == 1 and d["error"]["hint"], d' "$T/out" 2>"$T/py" &&
	ok "unreadable node --json: not no_gpu, exit_code 1" || not_ok "unreadable node --json: not no_gpu, exit_code 1" "$(cat "$T/py")"
run "$GPUPREP" --root "$T/empty-root" preflight
expect_rc 1 "preflight on an unreadable node"
expect_contains "$T/out" "[SKIP nouveau]: the node could not be scanned (see gpu-present)" "preflight: the other checks point to gpu-present"

# JSON durations are rounded: at most 3 decimals.
R=$(fixture_root up-sample)
run "$GPUPREP" --root "$R" --json up --dry-run
python3 -c 'import json,sys,re
text=open(sys.argv[1]).read()
for m in re.finditer(r"\"duration_ms\": ([0-9.eE+-]+)", text):
    v=m.group(1)
    assert "e" not in v.lower() and len(v.split(".")[1] if "." in v else "") <= 3, v' "$T/out" 2>"$T/py" &&
	ok "--json duration_ms has at most 3 decimals" || not_ok "--json duration_ms has at most 3 decimals" "$(cat "$T/py")"

# Two runtimes and no --runtime (as on a Jetson with both): decided before any row is printed.
R=$(fixture_root up-sample)
mkdir -p "$R/usr/bin" "$R/etc/docker"
printf '#!/bin/sh\n' >"$R/usr/bin/dockerd"
chmod +x "$R/usr/bin/dockerd"
printf '{}\n' >"$R/etc/docker/daemon.json"
run "$GPUPREP" --root "$R" up --dry-run
expect_rc 2 "two runtimes, no --runtime"
if [ -s "$T/out" ]; then not_ok "two runtimes: no row printed before the error" "$(cat "$T/out")"; else
	ok "two runtimes: no row printed before the error"; fi
expect_contains "$T/err" "gpuprep: error: found docker and containerd; choose one with --runtime" "two runtimes: the error"
expect_contains "$T/err" "hint: gpuprep up --runtime containerd" "two runtimes: the hint"
expect_not_contains "$T/err" "usage: gpuprep up" "two runtimes: not the whole usage"

done_testing
