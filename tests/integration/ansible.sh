#!/bin/bash
# gpuprep manifest ansible, run by real Ansible (Debian's ansible-core) on an inventory of 8
# hosts. Every host is ansible_connection=local with its own --root fixture node (the host
# variable gpuprep_root) and its own gpuprep_bin, so the playbook's copy, up, gather, diff
# and changed/failed logic all run for real, with forks.
#
# What is and is not exercised here:
#   - no daemon runs: the hosts use gpuprep_restart_mode=none, so up configures the runtime
#     and leaves the restart to the operator; its verify steps are skipped and the report
#     calls the hosts "pending", not "ready" (tests/daemons/up-*.sh run up to "ready" with
#     real containerd and dockerd, one node at a time);
#   - the toolkit is already installed in the fixture nodes, and the hosts use the online
#     path (gpuprep_online=true), so nothing is downloaded and the bundle copy is not run;
#   - all hosts are this machine, so every one gets the x86_64 (this build's) binary, the
#     Jetson's too; no aarch64 binary is copied or run;
#   - no rpm-family node: the one rpm fixture (vf, Rocky 9) has no rpm database with the
#     toolkit, so up would try to install it from the network.
# The nodes: containerd (up-sample x3, t4-a100 with preflight-healthy), docker (up-sample,
# t4-a100 with preflight-healthy), and the Jetson Xavier NX (preflight-jetson over it, its
# dpkg database made JetPack-6-like: the four toolkit packages at one version), docker and
# containerd.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/preflight-lib.sh"

if ! command -v ansible-playbook >/dev/null; then
	skip "the playbook with real Ansible" "ansible-playbook is not installed (Debian: ansible-core, in .ci/packages)"
	done_testing
	exit 0
fi
APY=/usr/bin/python3
export ANSIBLE_HOME="$T/ansible-home" ANSIBLE_LOCAL_TEMP="$T/ansible-tmp" \
	ANSIBLE_REMOTE_TEMP="$T/ansible-tmp" ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 \
	ANSIBLE_PYTHON_INTERPRETER=$APY ANSIBLE_STDOUT_CALLBACK=default \
	ANSIBLE_CALLBACK_RESULT_FORMAT=json ANSIBLE_DEPRECATION_WARNINGS=0 \
	ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_INVENTORY_UNPARSED_WARNING=0

# The playbook, as gpuprep prints it and as a role layout.
P=$T/play
run "$GPUPREP" manifest ansible
expect_rc 0 "manifest ansible prints the playbook"
mkdir -p "$P/files"
cp "$T/out" "$P/playbook.yml"
cp "$GPUPREP" "$P/files/gpuprep-linux-x86_64"
run "$GPUPREP" manifest ansible -o "$T/role"
expect_rc 0 "manifest ansible -o DIR"
for f in site.yml roles/gpuprep/defaults/main.yml roles/gpuprep/tasks/main.yml; do
	[ -s "$T/role/$f" ] && ok "-o DIR wrote $f" || not_ok "-o DIR wrote $f"
done
run ansible-playbook --syntax-check -i localhost, "$T/role/site.yml"
expect_rc 0 "the role layout passes ansible-playbook --syntax-check"
run ansible-playbook --syntax-check -i localhost, "$P/playbook.yml"
expect_rc 0 "the playbook passes ansible-playbook --syntax-check"

jetson_node() {
	local r
	r=$(node jetson-xavier-nx preflight-jetson)
	"$APY" - "$r/var/lib/dpkg/status" <<'PY'
import sys
p = sys.argv[1]
text = open(p).read()
text += ("\nPackage: nvidia-container-toolkit-base\nStatus: install ok installed\n"
         "Priority: optional\nSection: utils\nMaintainer: NVIDIA CORPORATION\n"
         "Architecture: arm64\nVersion: 1.10.0-1\nDescription: NVIDIA Container Toolkit Base\n")
open(p, "w").write(text.replace("\n\n\n", "\n\n"))
PY
	printf '%s\n' "$r"
}

# hosts: NAME ROOT RUNTIME, one a line.
make_nodes() {
	local h r
	rm -rf "$T/nodes"
	mkdir -p "$T/nodes"
	{
		for h in h1 h2 h3; do echo "$h $(fixture_root up-sample) containerd"; done
		# preflight-healthy's containerd already has nvidia: its config goes back to up-sample's.
		r=$(node t4-a100 preflight-healthy)
		cp "$FIXTURES/nodes/up-sample/etc/containerd/config.toml" "$r/etc/containerd/config.toml"
		echo "h4 $r containerd"
		echo "h5 $(fixture_root up-sample) docker"
		echo "h6 $(node t4-a100 preflight-healthy) docker"
		echo "h7 $(jetson_node) docker"
		echo "h8 $(jetson_node) containerd"
	} >"$T/hosts"
	while read -r h r rt; do printf '%s\n' "$h" >"$r/etc/hostname"; done <"$T/hosts"
	{
		echo "[gpu_nodes]"
		while read -r h r rt; do
			echo "$h ansible_connection=local gpuprep_root=$r gpuprep_runtime=$rt gpuprep_bin=$T/bin-$h/gpuprep"
		done <"$T/hosts"
		echo "[gpu_nodes:vars]"
		echo "gpuprep_online=true"
		echo "gpuprep_restart_mode=none"
		echo "gpuprep_report_dir=$T/reports"
	} >"$T/inventory"
}

# play [ARGS...]: ansible-playbook with 4 forks; output in $T/out, status in $rc.
play() { run ansible-playbook -f 4 -i "$T/inventory" "$P/playbook.yml" "$@"; }
# recap HOST KEY: the number in the PLAY RECAP line of HOST.
recap() { sed -n "s/^$1 *: .*$2=\([0-9]*\).*/\1/p" "$T/out"; }
# state: every file under every node with its checksum and mtime.
state() { while read -r h r rt; do (cd "$r" && find . -type f -printf "$h %p %T@\n" | sort); done <"$T/hosts"; }

# --- the first run: every host configured, each changed -----------------------------------
make_nodes
play
expect_rc 0 "first run: ansible-playbook succeeds"
bad=
for h in h1 h2 h3 h4 h5 h6 h7 h8; do
	[ "$(recap $h failed)" = 0 ] && [ "$(recap $h changed)" -ge 1 ] || bad+="$h(changed=$(recap $h changed) failed=$(recap $h failed)) "
done
[ -z "$bad" ] && ok "first run: all 8 hosts ok, each changed" || not_ok "first run: all 8 hosts ok, each changed" "$bad" "$(tail -30 "$T/out")"
n=0
for h in h1 h2 h3 h4 h5 h6 h7 h8; do [ -s "$T/reports/$h.json" ] && n=$((n + 1)); done
[ "$n" = 8 ] && ok "first run: 8 reports gathered on the controller" || not_ok "first run: 8 reports gathered" "$(ls "$T/reports")"
for f in "$T"/reports/*.json; do json_seen "$f" "$GPUPREP" --json up; done
grep -q 'gpuprep up: preflight already_done, install already_done, configure done, restart skipped' "$T/out" &&
	ok "first run: each host's steps in Ansible's output" || not_ok "first run: each host's steps in Ansible's output" "$(grep -m3 'gpuprep up' "$T/out")"
for h in h1 h5 h7; do
	r=$(sed -n "s/^$h \([^ ]*\) .*/\1/p" "$T/hosts")
	case $h in h5 | h7) f=etc/docker/daemon.json ;; *) f=etc/containerd/config.toml ;; esac
	grep -q nvidia "$r/$f" && ok "first run: $h's $f names the nvidia runtime" || not_ok "first run: $h's $f" "$(cat "$r/$f")"
done
cmp -s "$GPUPREP" "$T/bin-h3/gpuprep" && ok "first run: the binary was copied to each host's gpuprep_bin" || not_ok "the binary was copied"

# gpuprep report on the gathered files: the totals match the run.
run "$GPUPREP" --json report "$T"/reports/*.json
expect_rc 0 "report on the gathered files"
"$APY" -c 'import json,sys
t=json.load(open(sys.argv[1]))["totals"]
assert t == {"hosts": 8, "ready": 0, "failed": 0, "changed": 8, "pending": 8, "planned": 0, "passed": 0, "refused": 0}, t' "$T/out" 2>"$T/py" &&
	ok "report: 8 hosts, 8 changed by gpuprep itself (not only the binary copy), 8 pending (restart left to the operator), 0 failed" || not_ok "report: the totals" "$(cat "$T/py")"
run "$GPUPREP" report "$T"/reports/*.json
for h in h5 h6 h7; do
	grep -q "^$h  *pending  *yes  *docker  " "$T/out" && ok "report: $h is docker" || not_ok "report: $h is docker" "$(cat "$T/out")"
done
grep -q "^h7 .* 1.10.0-1 " "$T/out" && ok "report: the Jetson's toolkit version" || not_ok "report: the Jetson's toolkit version" "$(cat "$T/out")"

# --- the second run, with the role layout: nothing to do, changed=0 on every host ----------
before=$(state)
mkdir -p "$T/role/files"
cp "$GPUPREP" "$T/role/files/gpuprep-linux-x86_64"
run ansible-playbook -f 4 -i "$T/inventory" "$T/role/site.yml"
expect_rc 0 "second run: ansible-playbook succeeds"
bad=
for h in h1 h2 h3 h4 h5 h6 h7 h8; do
	[ "$(recap $h changed)" = 0 ] && [ "$(recap $h failed)" = 0 ] || bad+="$h(changed=$(recap $h changed)) "
done
[ -z "$bad" ] && ok "second run: changed=0 on all 8 hosts" || not_ok "second run: changed=0 on all 8 hosts" "$bad" "$(tail -30 "$T/out")"
grep -q 'configure already_done' "$T/out" && ok "second run: configure is already done" || not_ok "second run: configure is already done"
[ "$before" = "$(state)" ] && ok "second run (the role layout -o DIR wrote): no file of any node changed" || not_ok "second run: no file changed" "$(diff <(echo "$before") <(state) | head)"

# --- one broken node: it fails alone, with gpuprep's message; the others finish -------------
r3=$(sed -n 's/^h3 \([^ ]*\) .*/\1/p' "$T/hosts")
printf '[plugins\n' >>"$r3/etc/containerd/config.toml"
cp "$r3/etc/containerd/config.toml" "$T/broken.toml"
play
expect_rc 2 "a broken node: ansible-playbook exits 2 (a host failed)"
[ "$(recap h3 failed)" = 1 ] && ok "h3 failed" || not_ok "h3 failed" "$(grep '^h3 ' "$T/out")"
bad=
for h in h1 h2 h4 h5 h6 h7 h8; do [ "$(recap $h failed)" = 0 ] && [ "$(recap $h ok)" -ge 5 ] || bad+="$h "; done
[ -z "$bad" ] && ok "the other 7 hosts finished" || not_ok "the other 7 hosts finished" "$bad"
expect_contains "$T/out" "gpuprep up failed (exit 1): up stopped at configure: " "h3's message is gpuprep's error"
expect_contains "$T/out" "config.toml:" "h3's message names the file"
expect_contains "$T/out" "hint: fix the TOML syntax at that line and column" "h3's message carries gpuprep's hint"
expect_file_eq "$r3/etc/containerd/config.toml" "$T/broken.toml" "h3's config.toml is left as it was"
run "$GPUPREP" report "$T"/reports/*.json
expect_rc 1 "report after the broken run: exit 1"
expect_contains "$T/out" "8 hosts: 0 ready, 1 failed, 0 changed, 7 pending" "report: 1 failed, the rest pending, none changed"

# --- --check on fresh nodes: nothing changes; --diff shows the config diff ------------------
make_nodes
before=$(state)
play --check --diff
expect_rc 0 "--check --diff on fresh nodes"
[ "$before" = "$(state)" ] && ok "--check: no file of any node changed" || not_ok "--check: no file of any node changed" "$(diff <(echo "$before") <(state) | head)"
bad=
for h in h1 h2 h3 h4 h5 h6 h7 h8; do [ "$(recap $h changed)" = 0 ] || bad+="$h "; done
[ -z "$bad" ] && ok "--check: changed=0 (a dry run changes nothing)" || not_ok "--check: changed=0" "$bad"
expect_contains "$T/out" "gpuprep up --dry-run: preflight already_done, install already_done, configure would_do" "--check runs up --dry-run"
expect_contains "$T/out" '"+  default_runtime_name = \"nvidia\"",' "--diff: the containerd config diff"
expect_contains "$T/out" '"--- a/etc/docker/daemon.json",' "--diff: the docker config diff"
play --check
expect_not_contains "$T/out" "--- a/etc/containerd/config.toml" "--check without --diff: no diff"
done_testing
