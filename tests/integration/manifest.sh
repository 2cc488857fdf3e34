#!/bin/bash
# gpuprep manifest: every variant parses as YAML (python3-yaml) and holds what the seeds rely on
# (tests/check-manifest.py); values with YAML's special characters come back exact; golden
# files pin the default outputs; bad values are usage errors (exit 2).
. "$TESTS_SRC/lib.sh"

GOLDEN="$TESTS_SRC/golden/manifest"
CHECK="$TESTS_SRC/check-manifest.py"
have_yaml=1
python3 -c 'import yaml' 2>/dev/null || have_yaml=0

# check NAME ARGS...: run gpuprep manifest ARGS, which must exit 0, and queue its output for
# check-manifest.py, which check_all runs once (Python starts slowly) on every case queued,
# given the same ARGS.
mkdir -p "$T/cases"
names=()
check() {
	local n=$((${#names[@]} + 1)) name=$1
	shift
	names+=("$name")
	printf '%s\0' "$@" >"$T/cases/$n.args"
	"$GPUPREP" manifest "$@" >"$T/cases/$n.yaml" 2>"$T/err"
	rc=$?
	expect_rc 0 "$name: gpuprep manifest"
}
check_all() {
	local -A result=()
	local n r
	if [ "$have_yaml" -eq 0 ]; then
		for n in "${!names[@]}"; do skip "${names[$n]}" "python3-yaml is not installed"; done
		return
	fi
	python3 "$CHECK" --batch "$T/cases" >"$T/check" 2>&1
	while IFS=$'\t' read -r n r; do result[$n]=$r; done <"$T/check"
	for ((n = 1; n <= ${#names[@]}; n++)); do
		if [ "${result[$n]-}" = ok ]; then ok "${names[$n - 1]}"; else
			not_ok "${names[$n - 1]}" "${result[$n]-$(cat "$T/check")}" "output:" \
				"$(head -c 3000 "$T/cases/$n.yaml")"
		fi
	done
}

# Golden outputs: the exact bytes.
run "$GPUPREP" manifest device-plugin
expect_rc 0 "device-plugin"
expect_file_eq "$T/out" "$GOLDEN/device-plugin.yaml" "device-plugin: golden output"
run "$GPUPREP" manifest device-plugin --edge --time-slicing 4
expect_file_eq "$T/out" "$GOLDEN/device-plugin-edge-time-slicing-4.yaml" \
	"device-plugin --edge --time-slicing 4: golden output"
run "$GPUPREP" manifest test-pod --node gpu-node-1
expect_file_eq "$T/out" "$GOLDEN/test-pod-node.yaml" "test-pod --node: golden output"
run "$GPUPREP" manifest runtimeclass
expect_rc 0 "runtimeclass"
expect_file_eq "$T/out" "$GOLDEN/runtimeclass.yaml" "runtimeclass: golden output"
run "$GPUPREP" manifest device-plugin --runtime-class nvidia --mig-strategy mixed
expect_file_eq "$T/out" "$GOLDEN/device-plugin-runtime-class-mig-mixed.yaml" \
	"device-plugin --runtime-class nvidia --mig-strategy mixed: golden output"
if [ -s "$T/err" ]; then not_ok "nothing on stderr" "$(cat "$T/err")"; else ok "nothing on stderr"; fi

# The templates are inside the binary: a copy of it alone, run elsewhere, prints the same.
mkdir -p "$T/alone" && cp "$GPUPREP" "$T/alone/gpuprep"
(cd "$T/alone" && env -i ./gpuprep manifest device-plugin >"$T/out" 2>"$T/err")
expect_file_eq "$T/out" "$GOLDEN/device-plugin.yaml" "the binary alone prints the manifest"

# Every variant parses, and holds what it must.
variant() { check "manifest $*: parses, and holds what it must" "$@"; }
variant device-plugin
variant device-plugin --edge
variant device-plugin --time-slicing 2
variant device-plugin --time-slicing 4 --edge
variant device-plugin --time-slicing 2147483647
variant device-plugin --image registry.local:5000/nvidia/k8s-device-plugin:v0.20.1 \
	--namespace gpu-system --edge --time-slicing=8
variant --edge device-plugin
variant device-plugin --runtime-class nvidia
variant device-plugin --mig-strategy single
variant device-plugin --mig-strategy=mixed --runtime-class=nvidia --time-slicing 2 --edge
variant runtimeclass
variant test-pod --runtime-class nvidia
variant test-pod
variant test-pod --node edge-node-1
variant test-pod --image=nvcr.io/nvidia/cuda:12.5.0-base-ubuntu22.04 --namespace=gpu-test \
	--node edge-node-1

# Values with YAML's special characters come back exact. Each value goes once into a
# device-plugin and once into a test-pod, in turn in each field (few runs: sanitizer builds
# start slowly).
values=(
	'a: b' '#x' 'x #y' '"q"' "'s'" '\' 'a\nb' '- x' '-x' '*alias' '&anchor' '!tag' '{}' '[]'
	'{a: 1}' 'a=b' '? x' '|' '>' '%x' '@x' '`x' ',x' ' lead' 'trail ' '  ' $'two\nlines' $'\ttab'
	$'cr\r' $'\x01\x1f\x7f' $'nel\u0085' $'ls\u2028ps\u2029' $'\ufeffbom' 'null' '~' 'true'
	'no' '0x1F' '1e3' '010' '.inf' '---' '...' 'caf\u00e9' $'caf\u00e9 \u65e5\u672c \U0001F600'
)
nv=${#values[@]}
for ((i = 0; i < nv; i += 2)); do
	a=${values[$i]} b=${values[$(((i + 1) % nv))]}
	check "device-plugin: ${a@Q} and ${b@Q} stay exact" device-plugin --edge --time-slicing 3 \
		--namespace "$a" --image "$b"
done
for ((i = 0; i < nv; i += 3)); do
	a=${values[$i]} b=${values[$(((i + 1) % nv))]} c=${values[$(((i + 2) % nv))]}
	check "test-pod: ${a@Q}, ${b@Q} and ${c@Q} stay exact" test-pod --node "$a" \
		--namespace "$b" --image "$c"
done
for ((i = 0; i < nv; i += 4)); do
	a=${values[$i]}
	check "--runtime-class ${a@Q} stays exact" device-plugin --runtime-class "$a"
done
check_all

# Usage errors: exit 2, a message, and a line pointing to --help on stderr; nothing on stdout.
# usage_error NAME MESSAGE ARGS...
usage_error() {
	local name=$1 msg=$2
	shift 2
	run "$GPUPREP" "$@"
	expect_rc 2 "$name"
	expect_contains "$T/err" "$msg" "$name: says why"
	expect_contains "$T/err" "see 'gpuprep manifest --help'" "$name: points to --help"
	if [ -s "$T/out" ]; then not_ok "$name: nothing on stdout" "$(head -c 500 "$T/out")"; else
		ok "$name: nothing on stdout"
	fi
}
for n in 0 1 -2 abc 2x 4.0 ' 4' +4 '' 2147483648 99999999999999999999; do
	usage_error "--time-slicing '$n'" "--time-slicing takes a whole number from 2 to" \
		manifest device-plugin --time-slicing "$n"
done
usage_error "--time-slicing without a value" "'--time-slicing'" \
	manifest device-plugin --time-slicing
usage_error "no manifest named" \
	"no manifest given: name device-plugin, test-pod, runtimeclass or ansible" manifest
usage_error "an unknown manifest" "unknown manifest 'daemonset'" manifest daemonset
usage_error "two manifests" "unexpected argument 'test-pod'" manifest device-plugin test-pod
usage_error "--node with device-plugin" "--node applies to test-pod only" \
	manifest device-plugin --node n1
usage_error "--edge with test-pod" "--edge applies to device-plugin only" manifest test-pod --edge
usage_error "--time-slicing with test-pod" "--time-slicing applies to device-plugin only" \
	manifest test-pod --time-slicing 2
usage_error "--mig-strategy with test-pod" "--mig-strategy applies to device-plugin only" \
	manifest test-pod --mig-strategy single
for m in none '' Single mixed, all; do
	usage_error "--mig-strategy '$m'" "--mig-strategy takes single or mixed, not '$m'" \
		manifest device-plugin --mig-strategy "$m"
done
usage_error "runtimeclass with an option" "runtimeclass takes no options" \
	manifest runtimeclass --image x
usage_error "an empty --runtime-class" "--runtime-class needs a non-empty value" \
	manifest test-pod --runtime-class ''
# --json: the usage error, and (as with every command) one JSON object on stdout that carries it.
run "$GPUPREP" --json manifest device-plugin
expect_rc 2 "--json"
expect_contains "$T/err" "--json is not supported" "--json: says why"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); e=d["error"]; assert d["schema_version"] == 1 and e["exit_code"] == 2 and "--json is not supported" in e["message"] and e["hint"]' "$T/out"; then
	ok "--json: the error as one JSON object on stdout"
else
	not_ok "--json: the error as one JSON object on stdout" "$(head -c 500 "$T/out")"
fi
expect_contains "$T/err" "hint: " "--json: a hint"
usage_error "an empty --image" "--image needs a non-empty value" manifest test-pod --image ''
usage_error "an empty --namespace" "--namespace needs a non-empty value" \
	manifest device-plugin --namespace ''
usage_error "an empty --node" "--node needs a non-empty value" manifest test-pod --node ''
usage_error "--image not UTF-8" "the value of --image is not valid UTF-8" \
	manifest test-pod --image $'\xff'
usage_error "--node not UTF-8" "the value of --node is not valid UTF-8" \
	manifest test-pod --node $'a\xc3'
usage_error "--namespace not UTF-8" "the value of --namespace is not valid UTF-8" \
	manifest device-plugin --namespace $'\xed\xa0\x80'

# --- ansible: the playbook on stdout, the role layout with -o DIR (Ansible runs it in ansible.sh)
run "$GPUPREP" manifest ansible
expect_rc 0 "ansible: the playbook"
expect_contains "$T/out" "- name: Prepare GPU nodes with gpuprep" "ansible: one play"
expect_contains "$T/out" "    gpuprep_defaults:" "ansible: the role's defaults inline"
expect_contains "$T/out" "    - name: gpuprep | gpuprep --json up" "ansible: the role's tasks inline"
python3 -c 'import yaml,sys; d=yaml.safe_load(open(sys.argv[1])); assert d[0]["vars"]["gpuprep_defaults"]["gpuprep_restart_mode"] == "auto"; assert len(d[0]["tasks"]) > 5' "$T/out" 2>"$T/py" &&
	ok "ansible: the playbook is YAML with the defaults and the tasks" || not_ok "ansible: the playbook is YAML" "$(cat "$T/py")"
run "$GPUPREP" manifest ansible -o "$T/role"
expect_rc 0 "ansible -o DIR"
expect_contains "$T/err" "gpuprep: wrote '$T/role/roles/gpuprep/tasks/main.yml'" "ansible -o DIR: says what it wrote"
run "$GPUPREP" manifest ansible -o "$T/role"
expect_rc 0 "ansible -o DIR again: the same files are left as they are"
echo "# mine" >>"$T/role/site.yml"
cp "$T/role/site.yml" "$T/site.mine"
run "$GPUPREP" manifest ansible --output "$T/role"
expect_rc 1 "ansible -o DIR over a changed file: refused"
expect_contains "$T/err" "gpuprep: error: '$T/role/site.yml' exists and differs from gpuprep's" "... naming the file"
expect_file_eq "$T/role/site.yml" "$T/site.mine" "... and the file is kept"
run "$GPUPREP" manifest device-plugin -o "$T/x"
expect_rc 2 "-o with device-plugin: usage error"
run "$GPUPREP" manifest ansible --edge
expect_rc 2 "ansible --edge: usage error"
done_testing
