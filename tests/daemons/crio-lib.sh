# SPDX-License-Identifier: GPL-2.0-or-later
# A real CRI-O (../shared/bin/crio-1.32.13, with Debian's conmon and runc) for the daemon
# tests, on private paths. Source it after tests/lib.sh, in the private mount namespace of
# tests/daemons/private-run.sh (a tmpfs on /run, where CRI-O keeps what it does not let a
# config move: its NRI socket, its pod namespaces).
#
# Everything else CRI-O writes lives under one directory: storage (vfs), runroot, the
# socket, logs, exits, the version and clean-shutdown files, the CNI directories.
#
#   crio_require                 skip the whole test (TAP plan 1..0) unless ../shared/bin
#                                has crio-1.32.13, conmon and runc are installed and we are
#                                root
#   crio_main_config DIR         print the [crio] tables of a main crio.conf with DIR's paths
#   crio_start CONF              start crio on CONF (and CONF.d) as a child of this shell
#                                and wait until it answers on its socket (30 s at most);
#                                sets CRIO_PID, CRIO_SOCK, CRIO_LOG; returns 1 when it exits
#   crio_stop CONF               stop it by PID (TERM, then KILL after 10 s)
#   crio_init_script PATH CONF   write an init script (start|stop|restart|status) that runs
#                                this harness, for restart's `service` mode
#
# The PID lives in DIR/crio.pid beside CONF, so crio_stop stops a daemon the init script
# restarted too; crio_start registers crio_stop with at_exit once per config.

CRIO_DIR=${SHARED_DIR:-}/bin/crio-1.32.13
CRIO_BIN=$CRIO_DIR/crio
_crio_lib=$(readlink -f "${BASH_SOURCE[0]}")

crio_require() {
	local why=
	[ -n "${SHARED_DIR:-}" ] && [ -x "$CRIO_BIN" ] ||
		why="no CRI-O: ${SHARED_DIR:-../shared}/bin/crio-1.32.13/crio is absent (a plain clone has no ../shared)"
	command -v conmon >/dev/null 2>&1 || why=${why:-"conmon is not installed (Debian's conmon)"}
	command -v runc >/dev/null 2>&1 || why=${why:-"runc is not installed"}
	[ "$(id -u)" -eq 0 ] || why=${why:-"CRI-O needs root"}
	[ -n "${GPUPREP_TEST_NS:-}" ] || why=${why:-"no private mount namespace (unshare --mount)"}
	if [ -n "$why" ]; then
		echo "1..0 # SKIP $why"
		exit 0
	fi
}

crio_main_config() {
	local d=$1
	cat <<TOML
[crio]
root = "$d/storage"
runroot = "$d/run"
storage_driver = "vfs"
log_dir = "$d/log"
version_file = "$d/version"
version_file_persist = ""
clean_shutdown_file = "$d/clean.shutdown"

[crio.api]
listen = "$d/crio.sock"

[crio.runtime]
container_exits_dir = "$d/exits"
container_attach_socket_dir = "$d/attach"
pinns_path = "$CRIO_DIR/pinns"
decryption_keys_path = "$d/keys"

[crio.network]
network_dir = "$d/cni/net.d"
plugin_dirs = ["$d/cni/bin"]

[crio.nri]
enable_nri = false
TOML
}

_crio_dir() { (cd "$(dirname "$1")" && pwd); }

_crio_alive() {
	local state
	state=$(sed -n 's/^.*) \(.\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

crio_start() {
	local config dir sock pid i
	config=$(readlink -f "$1")
	dir=$(_crio_dir "$config")
	sock=$(awk -F'"' '$1 ~ /^listen *= *$/ { print $2; exit }' "$config")
	case $sock in
	/*) ;;
	*)
		echo "crio_start: no listen path in $config" >&2
		return 1
		;;
	esac
	local state=$(dirname "$sock")
	if [ -f "$state/crio.pid" ] && _crio_alive "$(cat "$state/crio.pid")"; then
		echo "crio_start: already running as PID $(cat "$state/crio.pid")" >&2
		return 1
	fi
	rm -f "$sock"
	mkdir -p "$state/log" "$state/cni/net.d" "$state/cni/bin"
	"$CRIO_BIN" --config "$config" --config-dir "$config.d" </dev/null >>"$state/crio.log" 2>&1 &
	pid=$!
	echo "$pid" >"$state/crio.pid"
	CRIO_PID=$pid
	CRIO_SOCK=$sock
	CRIO_LOG=$state/crio.log
	if declare -F at_exit >/dev/null && ! [ -e "$state/.at_exit" ]; then
		: >"$state/.at_exit"
		at_exit "crio_stop '$config'"
	fi
	for ((i = 0; i < 300; i++)); do
		if ! _crio_alive "$pid"; then
			wait "$pid" 2>/dev/null
			echo "crio_start: crio exited; the end of its log:" >&2
			tail -20 "$state/crio.log" >&2
			rm -f "$state/crio.pid"
			return 1
		fi
		if [ -S "$sock" ] && curl -sf --max-time 2 --unix-socket "$sock" http://crio/info >/dev/null
		then
			return 0
		fi
		sleep 0.1
	done
	echo "crio_start: no answer on $sock after 30 s; the end of its log:" >&2
	tail -20 "$state/crio.log" >&2
	return 1
}

crio_stop() {
	local config sock state pid i
	config=$(readlink -f "$1")
	sock=$(awk -F'"' '$1 ~ /^listen *= *$/ { print $2; exit }' "$config")
	state=$(dirname "$sock")
	[ -f "$state/crio.pid" ] || return 0
	pid=$(cat "$state/crio.pid")
	rm -f "$state/crio.pid"
	_crio_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		_crio_alive "$pid" || break
		sleep 0.1
	done
	_crio_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	return 0
}

crio_init_script() {
	local path=$1 config
	config=$(readlink -f "$2")
	cat >"$path" <<SH
#!/bin/bash
# Test init script: controls the test's CRI-O on $config by PID.
SHARED_DIR='$SHARED_DIR'
. '$_crio_lib'
case "\${1:-}" in
start) crio_start '$config' ;;
stop) crio_stop '$config' ;;
restart) crio_stop '$config' && crio_start '$config' ;;
*) echo "usage: \$0 start|stop|restart" >&2; exit 2 ;;
esac
SH
	chmod +x "$path"
}
