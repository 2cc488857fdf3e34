# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the `gpuprep up` daemon tests, sourced after tests/lib.sh and
# tests/install/lib-install.sh.
#
#   up_repo            the four toolkit packages at 1.17.8-1 (with the programs the real ones
#                      ship: nvidia-container-runtime, a script that runs runc, nvidia-ctk (the
#                      fixture program of tests/fixtures/cdi) and nvidia-container-cli), in a
#                      signed flat repository served on 127.0.0.1:
#                      sets URL; the key is $T/repo.asc
#   up_node            a fresh node root: the up-sample fixture's GPU, driver and kernel state,
#                      without the toolkit, as a dpkg sandbox (mk_sandbox); prints its path
#   up_state ROOT [DIR...]
#                      every file under ROOT with its mtime and checksum, but those under
#                      the DIRs (relative to ROOT: the daemons' own state), to compare runs
#   up_steps FILE      "step status" for each step of an `up --json` document
#   up_containerd ROOT NAME
#                      a real containerd on runc for the node ROOT (containerd-lib.sh's
#                      harness, its socket linked at ROOT/run/containerd/containerd.sock,
#                      an init script at ROOT/etc/init.d/containerd for restart's service
#                      mode); sets config; on failure a not ok for NAME and the script ends

# add_program DEB PATH LINE: rebuild the package DEB with an executable script at PATH that
# runs LINE, as the real package ships a program there.
add_program() {
	local deb=$1 d="$T/build/add-program"
	rm -rf "$d"
	dpkg-deb -R "$deb" "$d"
	mkdir -p "$d$(dirname "$2")"
	printf '#!/bin/sh\n%s\n' "$3" >"$d$2"
	chmod 755 "$d$2"
	dpkg-deb --root-owner-group -Zgzip -b "$d" "$deb" >/dev/null
}

up_repo() {
	local p=$T/pkgs-amd64
	mk_toolkit "$p" 1.17.8 amd64
	# The programs the real packages install, which configure names and preflight looks for.
	add_program "$p/nvidia-container-toolkit-base_1.17.8-1_amd64.deb" /usr/bin/nvidia-container-runtime 'exec runc "$@"'
	# nvidia-ctk: the fixture program of tests/fixtures/cdi (cdi generate,
	# system create-dev-char-symlinks), which configure runs with --exec-root-tools.
	add_program "$p/nvidia-container-toolkit-base_1.17.8-1_amd64.deb" /usr/bin/nvidia-ctk \
		"exec sh '$FIXTURES/cdi/nvidia-ctk' \"\$@\""
	add_program "$p/libnvidia-container-tools_1.17.8-1_amd64.deb" /usr/bin/nvidia-container-cli 'exit 0'
	mk_gpg_key repo
	mk_repo "$T/repo" repo amd64
	start_httpd "$T/repo"
}

up_node() {
	local r
	# Not fixture_root: its $RANDOM repeats in the $(...) subshells this is called from.
	r=$(mktemp -d "$T/node-XXXXXX")
	cp -a "$FIXTURES/nodes/up-sample/." "$r/"
	rm -rf "${r:?}/var/lib/dpkg" "$r/usr/bin/nvidia-"* "$r/etc/init.d/containerd" \
		"$r/run/containerd/containerd.sock"
	mk_sandbox "$r" amd64
	printf '%s\n' "$r"
}

up_state() {
	local root=$1 x
	shift
	local prune=()
	for x in "$@"; do prune+=(-path "./$x" -prune -o); done
	(cd "$root" && find . -xdev "${prune[@]}" \( -type f -o -type l \) \
		! -path './var/lib/dpkg/lock*' ! -path './var/lib/dpkg/triggers/Lock' \
		! -path './run/gpuprep.lock' -printf '%p %T@ ' -exec sh -c \
		'[ -f "$1" ] && sha256sum <"$1" || echo link' _ {} \; | sort)
}

up_steps() {
	/usr/bin/python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["steps"]:
    print(s["step"], s["status"])' "$1"
}

up_containerd() {
	mkdir -p "$1/etc/init.d" "$1/run/containerd"
	config=$(containerd_config_write "$1/etc/containerd" - <<'TOML'
[plugins."io.containerd.grpc.v1.cri".containerd]
  default_runtime_name = "runc"
TOML
)
	if ! containerd_start "$config"; then
		not_ok "$2: containerd starts" "$(tail -20 "$1/etc/containerd/containerd.log")"
		done_testing
		exit
	fi
	ln -sfn "$CONTAINERD_SOCK" "$1/run/containerd/containerd.sock"
	containerd_init_script "$1/etc/init.d/containerd" "$config"
}
