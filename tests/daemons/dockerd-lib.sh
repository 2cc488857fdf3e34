# SPDX-License-Identifier: GPL-2.0-or-later
# A real dockerd (Debian's docker.io) for the daemon tests, sourced after tests/lib.sh.
#
#   dockerd_usable || { skip ...; done_testing; exit; }   # can dockerd run here? ($DOCKERD_WHY)
#   dockerd_start CONFIG      start dockerd on CONFIG (a daemon.json path); 0 once it answers
#   dockerd_docker ARGS...    the docker CLI against it (docker -H unix://$DOCKERD_SOCK ARGS)
#   dockerd_ns CMD...         run CMD inside dockerd's private mount namespace (nsenter)
#   dockerd_stop              stop it by PID (TERM, then KILL after 20 s); also run at exit
#   dockerd_log               its log so far, for a failure's diagnostics
#   dockerd_init_script PATH CONFIG
#                             write an init script (start|stop|restart|status) that runs this
#                             harness on CONFIG, for restart's `service` mode; the PID of the
#                             dockerd it runs is kept in $T/dockerd.init-pid (also written by
#                             dockerd_start), so a test can follow restarts and stop it
#
# dockerd runs as a child of the test, inside `unshare --mount --propagation private`, with
# tmpfs over /etc/docker, /run and /opt (and /var/lib/docker when the host has it), so it
# never sees or touches the host's docker. Its socket, data root, exec root and pidfile live in
# the test's temp dir: DOCKERD_SOCK=$T/dockerd/docker.sock. It runs without iptables, ip6tables
# or the default bridge (--iptables=false --ip6tables=false --bridge=none), which it needs
# neither to load a config nor to answer `docker info`. One dockerd at a time per test.
# CONFIG must not set data-root, exec-root, pidfile, hosts, iptables, ip6tables or bridge (the
# harness sets those as flags, and dockerd refuses a key given both ways), nor icc: false
# (dockerd needs iptables for that).

DOCKERD_BIN=${DOCKERD_BIN:-$(command -v dockerd 2>/dev/null || echo /usr/sbin/dockerd)}
# Debian's own client first: a newer one from elsewhere on PATH works too (the API negotiates).
if [ -x /usr/bin/docker ]; then DOCKER_CLI=/usr/bin/docker; else DOCKER_CLI=$(command -v docker 2>/dev/null); fi
DOCKERD_DIR="$T/dockerd"
DOCKERD_SOCK="$DOCKERD_DIR/docker.sock"
DOCKERD_PID=
DOCKERD_WHY=
export DOCKERD_SOCK
_dockerd_lib=$(readlink -f "${BASH_SOURCE[0]}")

# dockerd_usable: 0 when dockerd can run here; otherwise 1 with the reason in DOCKERD_WHY.
dockerd_usable() {
	if [ ! -x "$DOCKERD_BIN" ]; then DOCKERD_WHY="no dockerd (install docker.io)"; return 1; fi
	if [ -z "$DOCKER_CLI" ]; then DOCKERD_WHY="no docker client (install docker.io)"; return 1; fi
	if [ "$(id -u)" != 0 ]; then DOCKERD_WHY="dockerd needs root"; return 1; fi
	if ! unshare --mount --propagation private true 2>/dev/null; then
		DOCKERD_WHY="unshare --mount is not permitted here"
		return 1
	fi
	case "$T" in /run/* | /opt/* | /etc/docker/* | /var/lib/docker/*)
		DOCKERD_WHY="the temp dir $T is under a directory the harness hides with tmpfs"
		return 1 ;;
	esac
	return 0
}

dockerd_log() { cat "$DOCKERD_DIR/dockerd.log" 2>/dev/null; }

dockerd_docker() { "$DOCKER_CLI" -H "unix://$DOCKERD_SOCK" "$@"; }

dockerd_ns() { nsenter --mount="/proc/$DOCKERD_PID/ns/mnt" -- "$@"; }

# dockerd_start CONFIG [EXTRA_DOCKERD_ARGS...]: returns 0 once `docker info` answers, 1 if
# dockerd exited (a config it refuses) or did not answer in 60 s; its log is in dockerd_log.
dockerd_start() {
	local config=$1
	shift
	[ -z "$DOCKERD_PID" ] || dockerd_stop
	rm -rf "$DOCKERD_DIR"
	mkdir -p "$DOCKERD_DIR"
	# unshare and sh exec into dockerd, so $! is dockerd's own PID.
	unshare --mount --propagation private sh -c '
		dir=$1
		shift
		for d in /etc/docker /run /opt /var/lib/docker; do
			[ -d "$d" ] || continue
			mount -t tmpfs -o mode=0755 gpuprep-test "$d" ||
				{ echo "cannot mount a tmpfs on $d" >"$dir/dockerd.log"; exit 125; }
		done
		exec "$@" >"$dir/dockerd.log" 2>&1' _ "$DOCKERD_DIR" \
		"$DOCKERD_BIN" --config-file "$config" \
		-H "unix://$DOCKERD_SOCK" \
		--data-root "$DOCKERD_DIR/data" --exec-root "$DOCKERD_DIR/exec" \
		--pidfile "$DOCKERD_DIR/dockerd.pid" \
		--iptables=false --ip6tables=false --bridge=none \
		"$@" &
	DOCKERD_PID=$!
	local i
	for ((i = 0; i < 600; i++)); do
		if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
			wait "$DOCKERD_PID" 2>/dev/null
			DOCKERD_PID=
			return 1
		fi
		if [ -S "$DOCKERD_SOCK" ] && dockerd_docker info >/dev/null 2>&1; then
			echo "$DOCKERD_PID" >"$T/dockerd.init-pid"
			return 0
		fi
		sleep 0.1
	done
	dockerd_stop
	return 1
}

# dockerd_stop: TERM by PID, wait for it (it stops its own containerd), KILL after 20 s.
dockerd_stop() {
	[ -n "$DOCKERD_PID" ] || return 0
	local pid=$DOCKERD_PID i
	DOCKERD_PID=
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		# Its containerd would outlive it: stop that one by its pidfile too.
		local cpid
		cpid=$(cat "$DOCKERD_DIR/exec/containerd/containerd.pid" 2>/dev/null)
		[ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

dockerd_init_script() {
	local path=$1 config
	config=$(readlink -f "$2")
	cat >"$path" <<SH
#!/bin/bash
# Test init script: controls the test's dockerd on $config by PID.
T='$T'
at_exit() { :; }
. '$_dockerd_lib'
DOCKERD_PID=\$(cat '$T/dockerd.init-pid' 2>/dev/null)
start() {
	dockerd_start '$config' && return 0
	echo "dockerd did not start; the end of its log:" >&2
	dockerd_log | tail -5 >&2
	return 1
}
case "\${1:-}" in
start) start ;;
stop) dockerd_stop; rm -f '$T/dockerd.init-pid' ;;
restart) dockerd_stop; rm -f '$T/dockerd.init-pid'; start ;;
status) [ -n "\$DOCKERD_PID" ] && kill -0 "\$DOCKERD_PID" 2>/dev/null ;;
*) echo "usage: \$0 start|stop|restart|status" >&2; exit 2 ;;
esac
SH
	chmod +x "$path"
}

at_exit dockerd_stop
