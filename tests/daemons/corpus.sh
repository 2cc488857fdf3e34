#!/bin/bash
# The corpus (tests/fixtures/corpus, sources in its SOURCES): real config.toml and daemon.json
# files from public projects, each configured on a fresh root. For each file:
#  (a) configure exits 0, or refuses as REFUSE below says, naming file:line:col with a hint;
#  (b)-(d) tests/tools/corpus-check.py: the output parses, only the expected keys changed,
#      every original line is kept in order bar those that must change;
#  (e) a real daemon loads it with nvidia as the default and runc kept, read from its CRI
#      Status (tests/tools/cri-status.py): Debian's containerd 1.6 for versions 1 and 2,
#      ../shared/bin/containerd-2.1.5 for versions 2 (migrated on load) and 3; for daemon.json,
#      `../shared/bin/dockerd-28.1.1 --validate` accepts the output whenever it accepts the
#      input, and our unknown-key warning agrees with it on the input;
#  (f) a second run changes nothing;  (g) undo restores every byte.
# Two files at a time (CI has 2 cores), each in its own scratch directory; each containerd
# runs on private paths (containerd-lib.sh) with a 30 s start limit.
. "$TESTS_SRC/daemons/private-run.sh"
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/tap-parallel.sh"
. "$TESTS_SRC/daemons/containerd-lib.sh"
CORPUS=$FIXTURES/corpus
CHECK=$TESTS_SRC/tools/corpus-check.py
CRI_STATUS=$TESTS_SRC/tools/cri-status.py
SHARED=${SHARED_DIR:-$TESTS_SRC/../../shared}
CTD2=$SHARED/bin/containerd-2.1.5/containerd
DOCKERD28=$SHARED/bin/dockerd-28.1.1

# Files configure refuses, with why (none today; a refusal must name file:line:col).
declare -A REFUSE=()
# Inputs a daemon cannot load as they are, so neither can the output: FILE -> why.
declare -A NOLOAD=(
	[kind-5d8ec2bc-v2-default-runtime.toml]="disabled_plugins = [\"aufs\", \"btrfs\", \"zfs\"]: containerd 1.6 and 2.1 refuse short plugin names in a version 2 file (invalid disabled plugin URI), the input as well"
	[microk8s-containerd-template.toml]="a template: snapshotter = \"\${SNAPSHOTTER}\" names no snapshotter until the snap substitutes it, so the CRI plugin does not start"
	[docker-cli-dockerd-md-full-example-v28.1.1.json]="the example's empty tlscert/tlskey with tls on: dockerd 28 refuses the input as well (invalid TLS configuration)"
	[moby-invalid-config-1.json]="moby's own invalid test config (unknown-option): dockerd 28 refuses the input as well"
)

why_no_ctd=
[ "$(id -u)" -eq 0 ] || why_no_ctd="starting containerd needs root"
command -v containerd >/dev/null || why_no_ctd=${why_no_ctd:-"containerd is not installed"}
/usr/bin/python3 -c "import grpc, google.protobuf" 2>/dev/null ||
	why_no_ctd=${why_no_ctd:-"/usr/bin/python3 lacks grpc or protobuf (python3-grpcio, python3-protobuf)"}
why_no_ctd2=$why_no_ctd
[ -x "$CTD2" ] || why_no_ctd2=${why_no_ctd2:-"$CTD2 is absent (../shared/bin is not in a plain clone)"}
why_no_dockerd=
[ -x "$DOCKERD28" ] || why_no_dockerd="$DOCKERD28 is absent (../shared/bin is not in a plain clone)"

# cri_check NAME OUT BIN LABEL IN: start BIN on OUT (private paths), read its CRI Status.
cri_check() {
	local name=$1 out=$2 bin=$3 label=$4 dir v st
	dir=$T/run-$label
	mkdir -p "$dir"
	v=$(/usr/bin/python3 "$CHECK" runconfig "$out" "$dir")
	ctr oci spec >"$dir/base-spec.json"
	if ! CONTAINERD_BIN=$bin containerd_start "$dir/config.toml" 2>"$dir/start.err"; then
		mkdir -p "$dir/in"
		/usr/bin/python3 "$CHECK" runconfig "$5" "$dir/in" >/dev/null
		if [ -n "${NOLOAD[$name]:-}" ] && ! "$bin" --config "$dir/in/config.toml" config dump >/dev/null 2>&1; then
			ok "$name: (e) $label refuses it, as it does the input: ${NOLOAD[$name]}"
			return
		fi
		not_ok "$name: (e) $label starts on it" "$(tail -5 "$dir/start.err")"
		return
	fi
	st=$dir/status.json
	if ! timeout 20 /usr/bin/python3 "$CRI_STATUS" "$CONTAINERD_SOCK" >"$st" 2>"$dir/st.err"; then
		if [ -n "${NOLOAD[$name]:-}" ]; then
			ok "$name: (e) $label: no CRI Status, as for the input: ${NOLOAD[$name]}"
		else
			not_ok "$name: (e) $label answers CRI Status" "$(cat "$dir/st.err")" \
				"$(grep -i 'level=error\|level=warn' "$dir/containerd.log" | tail -5)"
		fi
		containerd_stop "$dir/config.toml"
		return
	fi
	containerd_stop "$dir/config.toml"
	local got
	got=$(/usr/bin/python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["config"]["containerd"]
r = c["runtimes"]
d = c["defaultRuntimeName"]
print(d, r.get(d, {}).get("options", {}).get("BinaryName"), "runc" in r)' "$st")
	if [ "$got" = "nvidia /usr/bin/nvidia-container-runtime True" ]; then
		ok "$name: (e) $label (config version $v): CRI default runtime nvidia, its BinaryName, runc kept"
	else
		not_ok "$name: (e) $label (config version $v): CRI default runtime nvidia, runc kept" \
			"got: default, its BinaryName, runc there: $got"
	fi
}

one() {
	local f=$1 name kind cfg root args=() v
	name=$(basename "$f")
	case $name in
	*.toml) kind=containerd cfg=etc/containerd/config.toml ;;
	*) kind=docker cfg=etc/docker/daemon.json ;;
	esac
	root=$T/root
	mkdir -p "$root/$(dirname "$cfg")"
	cp "$f" "$root/$cfg"
	# An empty file gets the version of the containerd the harness runs: 2 (Debian's 1.6).
	[ -s "$f" ] || args=(--config-version 2)
	run "$GPUPREP" --root "$root" configure --runtime "$kind" "${args[@]}"
	if [ -n "${REFUSE[$name]:-}" ]; then
		[ "$rc" -eq 1 ] && grep -q "$cfg:[0-9]*:[0-9]*" "$T/err" && grep -q '^hint: ' "$T/err" &&
			ok "$name: (a) refused with file:line:col and a hint: ${REFUSE[$name]}" ||
			not_ok "$name: (a) refused with file:line:col and a hint" "rc $rc" "$(cat "$T/err")"
		return
	fi
	[ "$rc" -eq 0 ] && ok "$name: (a) configure exits 0" ||
		{ not_ok "$name: (a) configure exits 0" "rc $rc" "$(cat "$T/err")"; return; }
	cp "$T/err" "$T/first.err"
	cp "$root/$cfg" "$T/out.$kind"
	# A main file that imports a directory: the change goes to a drop-in there.
	local dropin
	dropin=$(sed -n "s|^containerd: configured '\\(.*99-nvidia.toml\\)'.*$|\\1|p" "$T/out")
	if /usr/bin/python3 "$CHECK" check "$kind" "$f" "$T/out.$kind" $dropin >"$T/check" 2>&1; then
		ok "$name: (b) (c) (d) $(grep -c '^ok' "$T/check") checks: parses, only the expected keys changed, lines kept"
	else
		not_ok "$name: (b) (c) (d) the output parses, only the expected keys changed, lines kept" \
			"$(cat "$T/check")"
	fi

	# (e)
	if [ "$kind" = docker ]; then
		if [ -n "$why_no_dockerd" ]; then
			skip "$name: (e) dockerd 28 --validate" "$why_no_dockerd"
		else
			local vin vout
			"$DOCKERD28" --validate --config-file "$f" >"$T/vin" 2>&1 && vin=ok || vin=refused
			"$DOCKERD28" --validate --config-file "$T/out.$kind" >"$T/vout" 2>&1 && vout=ok || vout=refused
			if [ "$vout" = ok ]; then
				ok "$name: (e) dockerd 28 --validate accepts the output"
			elif [ "$vin" = refused ] && [ -n "${NOLOAD[$name]:-}" ]; then
				ok "$name: (e) dockerd 28 refuses the output as it does the input: ${NOLOAD[$name]}"
			else
				not_ok "$name: (e) dockerd 28 --validate accepts the output" "$(cat "$T/vout")"
			fi
			# Our unknown-key warning agrees with dockerd 28 on the input.
			local unknown=no
			grep -q "don't match any configuration option" "$T/vin" && unknown=yes
			local warned=no
			grep -q 'does not know the key' "$T/first.err" && warned=yes
			[ "$warned" = "$unknown" ] &&
				ok "$name: (e) the unknown-key warning agrees with dockerd 28 ($unknown)" ||
				not_ok "$name: (e) the unknown-key warning agrees with dockerd 28" \
					"dockerd: $(cat "$T/vin")" "ours: $(cat "$T/first.err")"
		fi
	else
		v=$(/usr/bin/python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb")).get("version", 1))' "$T/out.$kind")
		if [ "$v" = 1 ] && grep -q '^ *\[plugins\."io\.containerd\.grpc\.v1\.cri"' "$f" &&
			! grep -q '^ *\[plugins\.cri[].]' "$f"; then
			skip "$name: (e) containerd 1.6" "containerd 1.x reads only short plugin IDs (plugins.cri) in a version 1 file, so it ignores this file's CRI section, the input's as well; containerd 2.x migrates it"
		elif [ "$v" -le 2 ]; then
			if [ -n "$why_no_ctd" ]; then skip "$name: (e) containerd 1.6" "$why_no_ctd"; else
				cri_check "$name" "$T/out.$kind" containerd "containerd-1.6" "$f"; fi
		else
			skip "$name: (e) containerd 1.6" "config version $v is containerd 2.x's"
		fi
		if [ "$v" = 1 ]; then
			skip "$name: (e) containerd 2.1.5" "containerd 2.x renames a version 1 file's plugins but ignores the CRI section's version 1 layout (\"Ignoring unknown key in TOML for plugin ... key=containerd\"), the input's as well: version 1 is containerd 1.x's"
		elif [ "$v" -le 3 ]; then
			if [ -n "$why_no_ctd2" ]; then skip "$name: (e) containerd 2.1.5" "$why_no_ctd2"; else
				cri_check "$name" "$T/out.$kind" "$CTD2" "containerd-2.1.5" "$f"; fi
		elif [ "$v" -ge 4 ]; then
			skip "$name: (e) containerd 2.1.5" "config version $v needs containerd >= 2.3; ../shared has 2.1.5"
		fi
	fi

	# (f) a second run changes nothing.
	run "$GPUPREP" --root "$root" configure --runtime "$kind"
	if [ "$rc" -eq 0 ] && cmp -s "$root/$cfg" "$T/out.$kind" && grep -q "already configured" "$T/out"; then
		ok "$name: (f) a second run changes nothing"
	else
		not_ok "$name: (f) a second run changes nothing" "rc $rc" "$(cat "$T/out" "$T/err")" \
			"$(diff "$T/out.$kind" "$root/$cfg" | head -20)"
	fi
	# (g) undo restores every byte.
	run "$GPUPREP" --root "$root" undo --runtime "$kind"
	[ "$rc" -eq 0 ] && cmp -s "$root/$cfg" "$f" && ok "$name: (g) undo restores every byte" ||
		not_ok "$name: (g) undo restores every byte" "rc $rc" "$(cat "$T/err")" "$(cmp "$root/$cfg" "$f" 2>&1)"
}

n=0
for f in "$CORPUS"/containerd/* "$CORPUS"/docker/*; do
	while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n; done
	n=$((n + 1))
	par_run "$n" one "$f"
done
par_wait
[ "$n" -ge 30 ] && ok "the corpus holds $n files (30 at least)" || not_ok "the corpus holds $n files, not 30"
done_testing
