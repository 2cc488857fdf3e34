#!/bin/bash
# The API clients (lib/cri.c, lib/dockerapi.c through tests/tools/apidump) against sockets
# that misbehave: missing, not a socket, stale, bound but not listening, listening but never
# accepting, silent, closing at once, closing mid-answer, answering garbage, HTTP/1 or broken
# gRPC. Each must fail with a clear message within its deadline. Every call runs under
# `timeout 20`, so a hang is exit 124: a failure, not a slow pass.
. "$TESTS_SRC/lib.sh"
APIDUMP=$TEST_TOOLS/apidump
BADSOCK=$TESTS_SRC/tools/badsock.py
if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 is needed for the misbehaving peers"
	exit 0
fi
sock=$T/s.sock
server=

# start_peer MODE: run a misbehaving peer on $sock until stop_peer.
start_peer() {
	rm -f "$sock" "$T/ready"
	python3 "$BADSOCK" "$1" "$sock" >"$T/ready" 2>"$T/peer.err" &
	server=$!
	local i
	for ((i = 0; i < 200; i++)); do
		grep -q ready "$T/ready" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# the peer did not start: $(cat "$T/peer.err")"
	return 1
}
stop_peer() {
	[ -n "$server" ] || return 0
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	server=
}
at_exit stop_peer

# call NAME REQUEST MS: run apidump under `timeout 20` against $sock.
call() { run timeout 20 "$APIDUMP" --timeout "$2" "$1" "$sock"; }

# expect_failure LABEL FAIL_CLASS TEXT...: exit 1 (never 124), the class, each text on stderr.
expect_failure() {
	local label=$1 class=$2
	shift 2
	expect_rc 1 "$label: fails, within the deadline"
	expect_contains "$T/err" "fail: $class" "$label: classified as $class"
	local t
	for t in "$@"; do expect_contains "$T/err" "$t" "$label: says '$t'"; done
}

cri=runtime.v1.RuntimeService/Status

# A missing socket.
rm -f "$sock"
call cri-status 2000
expect_failure "cri, missing socket" no-socket "error: $cri: socket '$sock' does not exist" \
	"hint: is the runtime running?"
call docker-info 2000
expect_failure "docker, missing socket" no-socket "error: GET /info: socket '$sock' does not exist" \
	"hint: is dockerd running?"
run timeout 20 "$APIDUMP" cri-status "unix://$sock"
expect_failure "cri, a unix:// endpoint" no-socket "socket '$sock' does not exist"

# A regular file.
: >"$sock"
call cri-version 2000
expect_failure "cri, not a socket" no-socket "error: runtime.v1.RuntimeService/Version: '$sock' is not a socket"
rm -f "$sock"

# A path longer than a unix socket address can hold.
long=$T/$(printf 'x%.0s' $(seq 120)).sock
run timeout 20 "$APIDUMP" cri-status "$long"
expect_failure "cri, path too long" other "is longer than 107 bytes"

# A stale socket: the file is left, nobody is behind it.
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
call cri-status 2000
expect_failure "cri, stale socket" refused "error: $cri: nobody listens on socket '$sock' (connection refused)" \
	"hint: the socket is stale"
call docker-ping 2000
expect_failure "docker, stale socket" refused "nobody listens on socket '$sock'"
rm -f "$sock"

# Bound by a live process that never listens.
start_peer no-listen
call cri-status 2000
expect_failure "cri, bound but not listening" refused "nobody listens on socket '$sock'"
stop_peer

# Listening, never accepting: the connection waits in the backlog.
start_peer no-accept
call cri-status 1000
expect_failure "cri, never accepted" timeout "error: $cri: no complete answer from socket '$sock' within 1 s" \
	"hint: the runtime is hung or still starting"
call docker-info 1000
expect_failure "docker, never accepted" timeout "no complete answer from socket '$sock' within 1 s (GET /info)" \
	"hint: dockerd is hung"
stop_peer

# Accepting and reading, never answering.
start_peer silent
call cri-version 1500
expect_failure "cri, silent peer" timeout "within 1500 ms"
call docker-ping 1500
expect_failure "docker, silent peer" timeout "within 1500 ms (GET /_ping)"
stop_peer

# Closing at once. libcurl sees this either as soon as it connects or when it reads.
start_peer close
call cri-status 2000
expect_failure "cri, peer closes at once" closed "socket '$sock'" "hint: is '$sock' a CRI socket?"
call docker-info 2000
expect_failure "docker, peer closes at once" closed "socket '$sock'"
stop_peer

# Answering garbage.
start_peer garbage
call cri-status 2000
expect_failure "cri, garbage" closed "error: $cri: socket '$sock' gave no HTTP/2 answer: it closed the connection or does not speak HTTP/2"
call docker-ping 2000
expect_failure "docker, garbage" protocol "error: GET /_ping: socket '$sock' does not answer in HTTP/1.1"
stop_peer

# A plain HTTP/1 server (what the Docker socket is to a CRI client).
start_peer http1
call cri-status 2000
expect_failure "cri, HTTP/1 server" closed "gave no HTTP/2 answer"
call docker-info 2000
expect_failure "docker, HTTP/1 400" none "error: GET /info: socket '$sock' answered HTTP 400"
stop_peer

# HTTP/2, cut in the middle of the gRPC message.
start_peer h2-cut
call cri-status 2000
expect_failure "cri, closed mid-answer" closed \
	"error: $cri: the connection to socket '$sock' broke before the answer was complete"
stop_peer

# HTTP/2 but not gRPC.
start_peer h2-not-grpc
call cri-status 2000
expect_failure "cri, HTTP/2 but not gRPC" none \
	"error: $cri: socket '$sock' is not a gRPC server (HTTP status 404, content-type text/plain)"
stop_peer

# gRPC without a status in the trailers.
start_peer h2-no-status
call cri-status 2000
expect_failure "cri, no grpc-status" none "error: $cri: socket '$sock' sent no grpc-status"
stop_peer

# A gRPC frame that promises more than it holds.
start_peer h2-short-frame
call cri-status 2000
expect_failure "cri, short gRPC frame" none "sent a gRPC message of 3 bytes, but its frame says 50"
stop_peer

# A gRPC error, with a percent-encoded message.
start_peer h2-error
call cri-status 2000
expect_failure "cri, gRPC error" none \
	"error: $cri: the runtime on '$sock' answered Unavailable: server is shutting down: bye" \
	"grpc-status: 14"
stop_peer

# A malformed protobuf message.
start_peer h2-bad-proto
call cri-status 2000
expect_failure "cri, malformed protobuf" none \
	"error: the answer of socket '$sock': StatusResponse: malformed protobuf at byte 0: length-delimited field runs past the end"
stop_peer

# A compressed message, which we never ask for.
start_peer h2-compressed
call cri-status 2000
expect_failure "cri, compressed message" none "sent a compressed message, which was not asked for"
stop_peer

# A minimal HTTP/1.1 server: /_ping OK with its API version; a bad /_ping; a 500.
start_peer h1-ping
call docker-ping 2000
expect_rc 0 "docker, /_ping OK"
expect_contains "$T/out" '"api_version": "1.41"' "docker, /_ping: API-Version header"
stop_peer
start_peer h1-ping-bad
call docker-ping 2000
expect_failure "docker, /_ping not OK" none "error: GET /_ping: socket '$sock' did not answer \"OK\""
stop_peer
start_peer h1-500
call docker-info 2000
expect_failure "docker, HTTP 500" none "error: GET /info: socket '$sock' answered HTTP 500: the daemon is not ready"
stop_peer

done_testing
