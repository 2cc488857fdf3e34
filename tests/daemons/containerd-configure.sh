#!/bin/bash
# Every config.toml (and drop-in) that `gpuprep configure --runtime containerd` writes for the
# golden cases goes through a real containerd: Debian's 1.6, and (as containerd-configure-containerd2,
# through with-containerd2.sh) ../shared's 2.1.5:
#  - version 1 and 2: `containerd --config F config dump` merges it (imports included): nvidia
#    is the default (unless --no-set-default), with its BinaryName, runc is still there, and
#    the main file's other CRI settings survive a drop-in;
#  - version 2: a containerd started on it (containerd-lib.sh, private paths) answers CRI Status
#    with the same values, read with tests/tools/cri-status.py and with our own client
#    (tests/tools/apidump), and `ctr plugins ls` shows cri ok.
#  - version 3 (containerd 2.x): the same, started on the output with private paths.
# Version 3 needs containerd 2.x (1.6 loads the file but has no io.containerd.cri.v1.runtime
# plugin, so it ignores the runtimes there), version 4 containerd 2.3, and 2.x ignores the CRI
# section of a version 1 file: those cases are TAP skips, saying so.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
containerd_require
configure_use containerd
APIDUMP=$TEST_TOOLS/apidump
CRI_STATUS=$TESTS_SRC/tools/cri-status.py
have_cri_status=
[ -f "$CRI_STATUS" ] && /usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null && have_cri_status=1
major=$("$CONTAINERD_BIN" --version | awk '{ v = $3; sub(/^v/, "", v); split(v, a, "."); print a[1] }')

# want NAME: what the case asks for: "name path default sandbox_image" (sandbox_image: the
# input's, or "-").
want() {
	local args=() name=nvidia path=/usr/bin/nvidia-container-runtime def=nvidia i sb
	[ -f "$G/$1.args" ] && read -r -a args <"$G/$1.args"
	for ((i = 0; i < ${#args[@]}; i++)); do
		case ${args[i]} in
		--runtime-name) name=${args[i + 1]} ;;
		--runtime-path) path=${args[i + 1]} ;;
		--no-set-default) def=runc ;;
		esac
	done
	[ "$def" = nvidia ] && def=$name
	sb=$(sed -n 's/^ *sandbox_image = ["'\'']\(.*\)["'\'']$/\1/p' "$G/$1.toml" 2>/dev/null | head -1)
	echo "$name $path $def ${sb:--}"
}

# With the imports pointing at the root's drop-in directory instead of the node's.
localize_imports() { sed "s|\"/etc/containerd/conf.d/|\"$2/etc/containerd/conf.d/|" "$1"; }

# check_dump NAME ROOT: containerd config dump of the output.
check_dump() {
	local name=$1 root=$2 w
	read -r -a w <<<"$(want "$name")"
	localize_imports "$root/$CFG" "$root" >"$T/$name.main.toml"
	if ! "$CONTAINERD_BIN" --config "$T/$name.main.toml" config dump >"$T/$name.dump" 2>"$T/$name.dump.err"; then
		not_ok "$name: containerd config dump loads it" "$(cat "$T/$name.dump.err")"
		return
	fi
	ok "$name: containerd config dump loads it"
	if /usr/bin/python3 - "$T/$name.dump" "${w[@]}" >"$T/$name.py" 2>&1 <<'PY'; then
import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb"))
name, path, default, sandbox = sys.argv[2:6]
# containerd 2.x dumps version 3: the runtimes in cri.v1.runtime, the sandbox in cri.v1.images
if d.get("version", 2) >= 3:
    cri = d["plugins"]["io.containerd.cri.v1.runtime"]
    cri["sandbox_image"] = d["plugins"]["io.containerd.cri.v1.images"]["pinned_images"].get("sandbox")
else:
    cri = d["plugins"]["io.containerd.grpc.v1.cri"]
c = cri["containerd"]
assert c["default_runtime_name"] == default, ("default", c["default_runtime_name"])
rt = c["runtimes"]
assert rt[name]["options"]["BinaryName"] == path, ("BinaryName", rt[name])
assert rt[name]["runtime_type"] == "io.containerd.runc.v2", rt[name]
assert "runc" in rt, ("no runc", sorted(rt))
assert rt["runc"]["runtime_type"] == "io.containerd.runc.v2", rt["runc"]
assert sandbox == "-" or cri["sandbox_image"] == sandbox, ("sandbox_image", cri["sandbox_image"])
PY
		ok "$name: the merged config has $(want "$name" | awk '{print $3}') as default, $(want "$name" | awk '{print $1 "'"'"'s BinaryName " $2}'), runc"
	else
		not_ok "$name: the merged config has the runtimes it should" "$(cat "$T/$name.py")"
	fi
}

same() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi; }

# run_config NAME ROOT: the output as a config containerd can run on private paths: the
# harness's header (version 2, root, state, sockets, CNI and opt dirs) with the output's own
# top-level keys (bar version, root and state) after it and its tables appended; the output's
# [grpc] table (a host socket) is left out. A drop-in gets the private CNI dirs too, since
# containerd 1.x takes a plugin section from an import whole.
run_config() {
	local name=$1 root=$2 dir=$T/run-$1 cni
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ -d "$root/etc/containerd/conf.d" ]; then
		cp -r "$root/etc/containerd/conf.d" "$dir/conf.d"
		cni=$(printf '\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "%s/cni/bin"\n  conf_dir = "%s/cni/net.d"\n' "$dir" "$dir")
		for f in "$dir"/conf.d/*.toml; do printf '%s\n' "$cni" >>"$f"; done
	fi
	sed "s|\"/etc/containerd/conf.d/|\"$dir/conf.d/|" "$root/$CFG" |
		awk -v top="$dir/top.toml" -v rest="$dir/rest.toml" '
			/^[ \t]*\[/ { intable = 1; skip = ($0 ~ /^[ \t]*\[grpc\][ \t]*(#.*)?$/) }
			!intable { if ($1 != "version" && $1 != "root" && $1 != "state") print >top; next }
			!skip { print >rest }'
	touch "$dir/top.toml" "$dir/rest.toml"
	local cfg
	cfg=$(containerd_config_write "$dir" "$dir/rest.toml")
	sed -i "1r $dir/top.toml" "$cfg"
	echo "$cfg"
}

# check_daemon NAME ROOT VERSION
check_daemon() {
	local name=$1 root=$2 w cfg sock
	read -r -a w <<<"$(want "$name")"
	if [ "$3" = 3 ]; then
		# A version 3 file (containerd 2.x): the output with its root, state, sockets, CNI
		# and opt tables moved under the test's directory (tests/tools/corpus-check.py).
		mkdir -p "$T/run-$name"
		/usr/bin/python3 "$TESTS_SRC/tools/corpus-check.py" runconfig "$root/$CFG" "$T/run-$name" >/dev/null
		"$CTR_BIN" oci spec >"$T/run-$name/base-spec.json"
		cfg=$T/run-$name/config.toml
	else
		cfg=$(run_config "$name" "$root")
	fi
	if ! containerd_start "$cfg" 2>"$T/start.err"; then
		not_ok "$name: containerd starts on it" "$(cat "$T/start.err")"
		return
	fi
	ok "$name: containerd starts on it"
	sock=$CONTAINERD_SOCK
	same "$name: ctr plugins ls shows cri ok" "$(containerd_plugin_status "$sock" cri)" ok
	run "$APIDUMP" cri-status "$sock"
	expect_rc 0 "$name: CRI Status answers (our client)"
	cp "$T/out" "$T/ours.json"
	same "$name: our client: default runtime ${w[2]}" "$(jget "$T/ours.json" checked/default_runtime)" "\"${w[2]}\""
	same "$name: our client: ${w[0]}'s BinaryName" "$(jget "$T/ours.json" "checked/runtimes/${w[0]}/binary_name")" "\"${w[1]}\""
	same "$name: our client: runc is there" "$(jget "$T/ours.json" checked/runtimes/runc/runtime_type)" '"io.containerd.runc.v2"'
	want_sd=$(/usr/bin/python3 -c 'import sys, tomllib
d = tomllib.load(open(sys.argv[1], "rb"))
cri = d["plugins"]["io.containerd.cri.v1.runtime" if d.get("version", 2) >= 3 else "io.containerd.grpc.v1.cri"]
sc = cri["containerd"]["runtimes"][sys.argv[2]].get("options", {}).get("SystemdCgroup")
print("null" if sc is None else "true" if sc else "false")' "$T/$name.dump" "${w[0]}")
	same "$name: our client: ${w[0]}'s SystemdCgroup is the file's ($want_sd)" \
		"$(jget "$T/ours.json" "checked/runtimes/${w[0]}/systemd_cgroup")" "$want_sd"
	if [ -n "$have_cri_status" ]; then
		run /usr/bin/python3 "$CRI_STATUS" "$sock"
		expect_rc 0 "$name: CRI Status answers (cri-status)"
		c=config/containerd
		same "$name: cri-status: default runtime ${w[2]}" "$(jget "$T/out" $c/defaultRuntimeName)" "\"${w[2]}\""
		same "$name: cri-status: ${w[0]}'s BinaryName" "$(jget "$T/out" "$c/runtimes/${w[0]}/options/BinaryName")" "\"${w[1]}\""
		same "$name: cri-status: runc is there" "$(jget "$T/out" $c/runtimes/runc/runtimeType)" '"io.containerd.runc.v2"'
		same "$name: cri-status agrees on ${w[0]}'s SystemdCgroup" \
			"$(jget "$T/out" "$c/runtimes/${w[0]}/options/SystemdCgroup")" "$want_sd"
		# containerd 2.x's CRI Status does not show the sandbox image (the images service has it).
		[ "${w[3]}" = - ] || [ "$major" -ge 2 ] ||
			same "$name: cri-status: sandbox_image is the main file's" "$(jget "$T/out" config/sandboxImage)" "\"${w[3]}\""
	else
		skip "$name: CRI Status through cri-status" "/usr/bin/python3 lacks grpc or protobuf (python3-grpcio, python3-protobuf)"
	fi
	containerd_stop "$cfg"
}

for exp in "$G"/*.expected; do
	configure_golden "$exp"
	version=$(sed -n 's/^version = \([0-9]\)$/\1/p' "$root/$CFG" | head -1)
	if [ "${version:-1}" -ge 4 ]; then
		skip "$name: containerd config dump and CRI Status" \
			"config version $version is containerd 2.3's; $CONTAINERD_BIN is $major.x"
		continue
	fi
	if [ "${version:-1}" = 3 ] && [ "$major" -lt 2 ]; then
		skip "$name: containerd config dump and CRI Status" \
			"config version 3 is containerd 2.x's; containerd $major.x has no io.containerd.cri.v1.runtime plugin and ignores that section, so it cannot show the nvidia runtime"
		continue
	fi
	if [ "${version:-1}" = 1 ] && [ "$major" -ge 2 ]; then
		skip "$name: containerd config dump and CRI Status" \
			"containerd $major.x renames a version 1 file's plugins but ignores its CRI section's version 1 layout (\"Ignoring unknown key in TOML for plugin\"), the input's too"
		continue
	fi
	if [ "${version:-1}" = 1 ] && [ "$major" -lt 2 ] && grep -q '^\[plugins\."io\.containerd\.grpc\.v1\.cri"' "$root/$CFG" &&
		! grep -q '^ *\[plugins\.cri[].]' "$root/$CFG"; then
		skip "$name: containerd config dump and CRI Status" \
			"containerd $major.x reads only plugins.cri in a version 1 file, so it ignores this file's io.containerd.grpc.v1.cri section (the input's too); tests/daemons/corpus.sh has the same shape"
		continue
	fi
	check_dump "$name" "$root"
	if [ "${version:-1}" = 2 ] || { [ "${version:-1}" = 3 ] && [ ! -f "$G/$name.drop-in" ]; }; then
		check_daemon "$name" "$root" "${version:-1}"
	fi
done

# The daemon's own `containerd config default` (version 3 on 2.x, 2 on 1.x), configured and run.
root=$T/root-config-default
mkdir -p "$root/etc/containerd"
"$CONTAINERD_BIN" config default >"$root/$CFG"
cp "$root/$CFG" "$T/config-default.orig"
version=$(sed -n 's/^version = \([0-9]\)$/\1/p' "$root/$CFG" | head -1)
run "$GPUPREP" --root "$root" configure --runtime containerd
expect_rc 0 "config-default: configure on containerd $major.x's own config default (version $version)"
if [ "$version" = 3 ]; then
	expect_not_contains "$root/$CFG" '"' "config-default: the file's single quotes are kept (no double quote)"
fi
G=$T name=config-default
check_dump "$name" "$root"
if [ "$version" = 3 ]; then check_daemon "$name" "$root" 3; else
	skip "config-default: CRI Status" "containerd $major.x's config default holds host paths the harness does not move (its own version $version header)"; fi
run "$GPUPREP" --root "$root" undo --runtime containerd
expect_file_eq "$root/$CFG" "$T/config-default.orig" "config-default: undo restores every byte"

done_testing
