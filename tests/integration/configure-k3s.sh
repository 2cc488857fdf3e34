#!/bin/bash
# configure --runtime k3s and rke2: default-runtime in config.yaml, every other byte kept,
# on real-world config.yaml files (tests/fixtures/k3s-config, sources in its SOURCES);
# the refusals; and configure --runtime containerd on a node that only has k3s or RKE2.
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/lib.sh"
. "$TESTS_SRC/daemons/live-lib.sh"
SRC=$FIXTURES/k3s-config

# node FLAVOUR: a root with FLAVOUR's binary (and the toolkit's runtime, which k3s looks for).
node() {
	local r
	r=$(mktemp -d "$T/node-XXXXXX")
	mkdir -p "$r/usr/local/bin" "$r/usr/bin" "$r/etc/rancher/$1"
	printf '#!/bin/sh\n' >"$r/usr/local/bin/$1"
	printf '#!/bin/sh\n' >"$r/usr/bin/nvidia-container-runtime"
	chmod +x "$r/usr/local/bin/$1" "$r/usr/bin/nvidia-container-runtime"
	printf '%s\n' "$r"
}

# The YAML k3s would read, as JSON, with python3-yaml (an independent parser).
as_json() { python3 -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])) or {}, sort_keys=True))' "$1"; }
with_key() { python3 -c 'import json,sys,yaml; d=yaml.safe_load(open(sys.argv[1])) or {}; d["default-runtime"]=sys.argv[2]; print(json.dumps(d, sort_keys=True))' "$1" "$2"; }

for f in "$SRC"/*.yaml; do
	name=$(basename "$f" .yaml)
	case $name in rke2-*) fl=rke2 ;; *) fl=k3s ;; esac
	case $name in *weird*) continue ;; esac
	root=$(node $fl)
	cfg=$root/etc/rancher/$fl/config.yaml
	cp "$f" "$cfg"
	run "$GPUPREP" --root "$root" configure --runtime $fl
	expect_rc 0 "$name: configure --runtime $fl"
	# Only a line appended: the file as it was, then the key.
	{ cat "$f"; echo "default-runtime: nvidia"; } >"$T/want"
	expect_file_eq "$cfg" "$T/want" "$name: every byte kept, default-runtime appended"
	if [ "$(as_json "$cfg")" = "$(with_key "$f" nvidia)" ]; then ok "$name: python3-yaml reads the same keys plus default-runtime"; else
		not_ok "$name: python3-yaml reads the same keys plus default-runtime" "$(as_json "$cfg")"; fi
	cp "$cfg" "$T/once"
	run "$GPUPREP" --root "$root" configure --runtime $fl
	expect_contains "$T/out" "already configured" "$name: a second run changes nothing"
	expect_file_eq "$cfg" "$T/once" "$name: the file is as the first run left it"
	run "$GPUPREP" --root "$root" undo
	expect_file_eq "$cfg" "$f" "$name: undo puts the original back"
done

# A value already there is replaced in place, its quoting and comment kept around it.
root=$(node k3s)
cfg=$root/etc/rancher/k3s/config.yaml
printf '# k3s\ndefault-runtime: "runc"   # the old one\nnode-label:\n  - a=b\n' >"$cfg"
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 0 "replace: configure"
printf '# k3s\ndefault-runtime: nvidia   # the old one\nnode-label:\n  - a=b\n' >"$T/want"
expect_file_eq "$cfg" "$T/want" "replace: only the value's bytes changed"
printf 'default-runtime:\nselinux: true\n' >"$cfg"
run "$GPUPREP" --root "$root" configure --runtime k3s
printf 'default-runtime: nvidia\nselinux: true\n' >"$T/want"
expect_file_eq "$cfg" "$T/want" "an empty value gets the runtime after its colon"
printf 'default-runtime: >-\n  runc\nselinux: true\n' >"$cfg"
run "$GPUPREP" --root "$root" configure --runtime k3s
printf 'default-runtime: nvidia\nselinux: true\n' >"$T/want"
expect_file_eq "$cfg" "$T/want" "a folded block value is replaced with its line break kept"
printf 'selinux: true' >"$cfg"
run "$GPUPREP" --root "$root" configure --runtime k3s
printf 'selinux: true\ndefault-runtime: nvidia\n' >"$T/want"
expect_file_eq "$cfg" "$T/want" "a file without a final newline gets one before the new line"
rm -f "$cfg"
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 0 "no config.yaml yet: configure creates it"
printf 'default-runtime: nvidia\n' >"$T/want"
expect_file_eq "$cfg" "$T/want" "a new config.yaml holds the one key"
printf -- '---\n# comments only\n...\n' >"$cfg"
run "$GPUPREP" --root "$root" configure --runtime k3s
printf -- '---\n# comments only\ndefault-runtime: nvidia\n...\n' >"$T/want"
expect_file_eq "$cfg" "$T/want" "an explicit document end: the key goes before '...'"

# Refused, with the file unchanged.
refuse() {
	local text=$1 want=$2 what=$3
	printf '%s' "$text" >"$cfg"
	cp "$cfg" "$T/before"
	run "$GPUPREP" --root "$root" configure --runtime k3s
	expect_rc 1 "$what: refused"
	expect_contains "$T/err" "$want" "$what: the message"
	expect_file_eq "$cfg" "$T/before" "$what: the file is unchanged"
}
refuse $'default-runtime: runc\ndefault-runtime: crun\n' "config.yaml: 2:1: the key is there twice" "a duplicate key"
refuse $'default-runtime: &rt runc\nother: *rt\n' "1:18: the key's value has an anchor" "an anchored value"
refuse $'- a\n- b\n' "1:1: the top level is a list" "a list at the top"
refuse $'{a: 1}\n' "1:1: the top level is a flow mapping" "a flow mapping"
refuse $'default-runtime:\n  - nvidia\n' "2:3: the key's value is not a single value" "a list as the value"
cp "$SRC/rke2-gist-weeix-weird.yaml" "$T/weird"
refuse "$(cat "$T/weird")" "config.yaml: 8:1: " "the weird gist (not YAML): line and column"

run "$GPUPREP" --root "$root" configure --runtime k3s --runtime-path /x/nvidia
expect_rc 2 "--runtime-path is a usage error for k3s"
expect_contains "$T/err" "finds nvidia-container-runtime itself" "--runtime-path: why"
run "$GPUPREP" --root "$root" configure --runtime rke2 --cgroup-driver systemd
expect_rc 2 "--cgroup-driver is a usage error for rke2"

# containerd's config.toml on a k3s-only node is a file nothing reads: refused.
for fl in k3s rke2; do
	root=$(node $fl)
	run "$GPUPREP" --root "$root" configure --runtime containerd
	expect_rc 1 "$fl only: configure --runtime containerd is refused"
	expect_contains "$T/err" "only $fl is installed here: its own containerd never reads" "$fl only: says why"
	expect_contains "$T/err" "hint: run 'gpuprep configure --runtime $fl'" "$fl only: says what to run"
	if [ ! -e "$root/etc/containerd" ]; then ok "$fl only: nothing written"; else not_ok "$fl only: nothing written"; fi
done
# config.yaml.d: k3s reads the drop-ins after config.yaml, in name order, the last value
# winning (the docs' example, tests/fixtures/k3s-config/dropins-docs). configure changes
# default-runtime where k3s takes it from, and config.yaml only when no file sets it.
# k3s's view of the files, merged as its config file parser does (the last value wins).
effective() {
	python3 - "$1" <<'PY'
import os, sys, yaml
base = sys.argv[1]
files = [base] if os.path.exists(base) else []
d = base + ".d"
if os.path.isdir(d):
	files += [os.path.join(d, f) for f in sorted(os.listdir(d))
		if f.lower().endswith((".yaml", ".yml")) and not os.path.isdir(os.path.join(d, f))]
v = None
for f in files:
	for k, val in (yaml.safe_load(open(f)) or {}).items():
		if k.rstrip("+") == "default-runtime":
			v = val
print(v)
PY
}
dropins() {
	root=$(node k3s)
	cfg=$root/etc/rancher/k3s/config.yaml
	cp -r "$SRC/dropins-docs/." "$root/etc/rancher/k3s/"
	rm -rf "$T/k3s-before"
	cp -r "$root/etc/rancher/k3s" "$T/k3s-before"
}
dropins
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 0 "drop-ins, none sets it: configure"
{ cat "$SRC/dropins-docs/config.yaml"; echo "default-runtime: nvidia"; } >"$T/want"
expect_file_eq "$cfg" "$T/want" "drop-ins, none sets it: config.yaml gets the key"
for f in test1 test2; do
	expect_file_eq "$cfg.d/$f.yaml" "$SRC/dropins-docs/config.yaml.d/$f.yaml" "drop-ins, none sets it: $f.yaml untouched"
done
expect_same "drop-ins, none sets it: k3s would run nvidia" "$(effective "$cfg")" nvidia

dropins
printf 'default-runtime: runc\n' >>"$cfg"
printf '# GPU nodes\ndefault-runtime: "crun"\n' >>"$cfg.d/test1.yaml"
cp "$cfg.d/test1.yaml" "$T/t1"
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 0 "a drop-in sets it: configure"
expect_contains "$T/err" "config.yaml.d/test1.yaml:5: default-runtime is set in this drop-in" "a drop-in sets it: the warning names the file and line"
sed 's/"crun"/nvidia/' "$T/t1" >"$T/want"
expect_file_eq "$cfg.d/test1.yaml" "$T/want" "a drop-in sets it: its value is replaced there"
expect_contains "$cfg" "default-runtime: runc" "a drop-in sets it: config.yaml (overridden) is left as it was"
expect_same "a drop-in sets it: k3s would run nvidia" "$(effective "$cfg")" nvidia
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_contains "$T/out" "already configured" "a drop-in sets it: a second run changes nothing"
expect_not_contains "$T/err" "warning" "a drop-in sets it: no warning once it holds nvidia"
run "$GPUPREP" --root "$root" undo
expect_file_eq "$cfg.d/test1.yaml" "$T/t1" "a drop-in sets it: undo puts it back"

# The last one wins: .yml and any case count, other names and directories do not.
dropins
printf 'default-runtime: runc\n' >"$cfg.d/50-a.yaml"
printf 'default-runtime: runc\n' >"$cfg.d/60-b.YML"
printf 'default-runtime: runc\n' >"$cfg.d/70-c.yaml.bak"
mkdir "$cfg.d/80-dir.yaml"
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 0 "several drop-ins: configure"
expect_file_eq "$cfg.d/60-b.YML" <(echo "default-runtime: nvidia") "several drop-ins: the last one that sets it (60-b.YML) is changed"
expect_file_eq "$cfg.d/50-a.yaml" <(echo "default-runtime: runc") "several drop-ins: an earlier one is left alone"
expect_file_eq "$cfg.d/70-c.yaml.bak" <(echo "default-runtime: runc") "several drop-ins: a .bak file is not k3s's"
expect_same "several drop-ins: k3s would run nvidia" "$(effective "$cfg")" nvidia

# --config names config.yaml: changed there, with a warning that a drop-in wins.
dropins
printf 'default-runtime: runc\n' >"$cfg.d/test2.yaml"
run "$GPUPREP" --root "$root" configure --runtime k3s --config /etc/rancher/k3s/config.yaml
expect_rc 0 "--config config.yaml with a drop-in that wins: configure"
expect_contains "$T/err" "config.yaml.d/test2.yaml:1: default-runtime: runc is read after '/etc/rancher/k3s/config.yaml' and wins over it" \
	"--config: the warning names the drop-in that wins"

# Refused, naming the file, line and column: an append, a drop-in that is not YAML.
dropins
printf 'default-runtime+: nvidia\n' >"$cfg.d/test2.yaml"
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 1 "default-runtime+ in a drop-in: refused"
expect_contains "$T/err" "config.yaml.d/test2.yaml:1:19: default-runtime+ appends" "default-runtime+: file, line and column"
printf 'a: [\n' >"$cfg.d/test2.yaml"
run "$GPUPREP" --root "$root" configure --runtime k3s
expect_rc 1 "a drop-in that is not YAML: refused"
expect_contains "$T/err" "config.yaml.d/test2.yaml: 2:1: " "a drop-in that is not YAML: its name, line and column"
if diff "$T/k3s-before/config.yaml.d/test1.yaml" "$cfg.d/test1.yaml" >/dev/null && diff "$T/k3s-before/config.yaml" "$cfg" >/dev/null; then
	ok "refused: the other files are as they were"
else not_ok "refused: the other files are as they were"; fi
done_testing
