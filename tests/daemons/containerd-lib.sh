# SPDX-License-Identifier: GPL-2.0-or-later
# A real containerd (Debian's 1.6) for the daemon tests, on private paths.
#
# Source it after tests/lib.sh. Everything containerd touches lives under one directory
# of the test's scratch space: root, state, temp, the gRPC and ttrpc sockets, the CRI
# plugin's CNI directories and the opt plugin's directory (which default to
# /var/lib/containerd, /run/containerd, /etc/cni/net.d, /opt/cni/bin and /opt/containerd).
# The host's /etc/containerd and /run/containerd are never read or written: containerd
# always gets --config.
#
#   containerd_require                  skip the whole test (TAP plan 1..0) unless containerd
#                                       and ctr exist and we are root
#   containerd_config_write DIR [FILE]  write DIR/config.toml (version 2) with the private
#                                       paths, then append FILE (or stdin when FILE is "-")
#                                       with the test's own sections; prints the config path
#   containerd_start CONFIG             start containerd on CONFIG as a child of this shell,
#                                       wait until its socket answers (30 s at most); sets
#                                       CONTAINERD_PID, CONTAINERD_SOCK, CONTAINERD_LOG
#   containerd_stop [CONFIG]            stop it by PID (TERM, then KILL after 10 s)
#   containerd_sock CONFIG              print the [grpc] address of a config
#   containerd_plugin_status SOCK ID    print a plugin's status from `ctr plugins ls` ("ok")
#   jget FILE PATH                      print a value of a JSON file as JSON ("a/b/c"; python3,
#                                       no jq needed), e.g. of a CRI Status document
#   containerd_init_script PATH CONFIG  write an init script (start|stop|restart|status)
#                                       that runs this same harness, for restart's
#                                       `service` mode; it keeps the PID in DIR/containerd.pid
#
# The PID lives in DIR/containerd.pid beside the config, so containerd_stop stops the
# daemon an init script restarted, too. containerd_start registers containerd_stop with
# at_exit (tests/lib.sh) once per config, so a failing test never leaves a daemon behind.

CONTAINERD_BIN=${CONTAINERD_BIN:-containerd}
CTR_BIN=${CTR_BIN:-ctr}
_ctd_lib=$(readlink -f "${BASH_SOURCE[0]}")

containerd_require() {
	local why=
	command -v "$CONTAINERD_BIN" >/dev/null 2>&1 || why="containerd is not installed"
	command -v "$CTR_BIN" >/dev/null 2>&1 || why=${why:-"ctr is not installed"}
	[ "$(id -u)" -eq 0 ] || why=${why:-"containerd needs root"}
	if [ -n "$why" ]; then
		echo "1..0 # SKIP $why"
		exit 0
	fi
}

containerd_config_write() {
	local dir=$1 extra=${2:-}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	cat >"$dir/config.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
temp = "$dir/tmp"

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "$dir/cni/bin"
  conf_dir = "$dir/cni/net.d"
TOML
	if [ "$extra" = - ]; then
		printf '\n' >>"$dir/config.toml"
		cat >>"$dir/config.toml"
	elif [ -n "$extra" ]; then
		printf '\n' >>"$dir/config.toml"
		cat "$extra" >>"$dir/config.toml"
	fi
	printf '%s\n' "$dir/config.toml"
}

containerd_sock() {
	awk '/^[ \t]*\[/ { sect = $0; gsub(/[ \t]/, "", sect) }
	     sect == "[grpc]" && $1 == "address" {
		sub(/^[^=]*=[ \t]*"/, ""); sub(/".*/, ""); print; exit }' "$1"
}

_ctd_dir() { (cd "$(dirname "$1")" && pwd); }

# Alive and not a zombie: an exited child stays in the process table until reaped.
_ctd_alive() {
	local state
	state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

containerd_start() {
	local config dir sock pid i
	config=$(readlink -f "$1")
	dir=$(_ctd_dir "$config")
	sock=$(containerd_sock "$config")
	if [ -z "$sock" ]; then
		echo "containerd_start: no [grpc] address in $config" >&2
		return 1
	fi
	case $sock in
	"$dir"/*) ;;
	*)
		echo "containerd_start: refusing a socket outside $dir: $sock" >&2
		return 1
		;;
	esac
	if [ -f "$dir/containerd.pid" ] && _ctd_alive "$(cat "$dir/containerd.pid")"; then
		echo "containerd_start: already running as PID $(cat "$dir/containerd.pid")" >&2
		return 1
	fi
	rm -f "$sock"
	"$CONTAINERD_BIN" --config "$config" </dev/null >>"$dir/containerd.log" 2>&1 &
	pid=$!
	echo "$pid" >"$dir/containerd.pid"
	CONTAINERD_PID=$pid
	CONTAINERD_SOCK=$sock
	CONTAINERD_LOG=$dir/containerd.log
	if declare -F at_exit >/dev/null && ! [ -e "$dir/.at_exit" ]; then
		: >"$dir/.at_exit"
		at_exit "containerd_stop '$config'"
	fi
	for ((i = 0; i < 300; i++)); do
		if ! _ctd_alive "$pid"; then
			wait "$pid" 2>/dev/null
			echo "containerd_start: containerd exited; the end of its log:" >&2
			tail -20 "$dir/containerd.log" >&2
			rm -f "$dir/containerd.pid"
			return 1
		fi
		if [ -S "$sock" ] && "$CTR_BIN" --address "$sock" --timeout 2s version >/dev/null 2>&1
		then
			return 0
		fi
		sleep 0.1
	done
	echo "containerd_start: no answer on $sock after 30 s; the end of its log:" >&2
	tail -20 "$dir/containerd.log" >&2
	return 1
}

containerd_stop() {
	local config=${1:-} dir pid i
	if [ -n "$config" ]; then
		dir=$(_ctd_dir "$config")
	elif [ -n "${CONTAINERD_SOCK:-}" ]; then
		dir=$(dirname "$CONTAINERD_SOCK")
	else
		return 0
	fi
	[ -f "$dir/containerd.pid" ] || return 0
	pid=$(cat "$dir/containerd.pid")
	rm -f "$dir/containerd.pid"
	_ctd_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_ctd_alive "$pid" || break
		sleep 0.1
	done
	if _ctd_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	# Reap it when it is our child; a daemon an init script started is not.
	wait "$pid" 2>/dev/null || true
	return 0
}

containerd_plugin_status() {
	"$CTR_BIN" --address "$1" plugins ls 2>/dev/null |
		awk -v id="$2" '$2 == id { print $NF; exit }'
}

containerd_init_script() {
	local path=$1 config
	config=$(readlink -f "$2")
	cat >"$path" <<SH
#!/bin/bash
# Test init script: controls the test's containerd on $config by PID.
. '$_ctd_lib'
case "\${1:-}" in
start) containerd_start '$config' ;;
stop) containerd_stop '$config' ;;
restart) containerd_stop '$config' && containerd_start '$config' ;;
status) [ -f '$(_ctd_dir "$config")/containerd.pid' ] && _ctd_alive "\$(cat '$(_ctd_dir "$config")/containerd.pid')" ;;
*) echo "usage: \$0 start|stop|restart|status" >&2; exit 2 ;;
esac
SH
	chmod +x "$path"
}

jget() {
	/usr/bin/python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in filter(None, sys.argv[2].split("/")):
    d = d.get(k) if isinstance(d, dict) else None
print(json.dumps(d, sort_keys=True))' "$1" "$2"
}
