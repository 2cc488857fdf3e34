#!/bin/bash
# The API clients (lib/live/cri.c, lib/live/dockerapi.c through tests/tools/apidump) against sockets
# that misbehave: missing, not a socket, stale, bound but not listening, listening but never
# accepting, silent, closing at once, closing mid-answer, answering garbage, HTTP/1 or broken
# gRPC. Each must fail with a clear message within its deadline. Every call runs under
# `timeout 20`, so a hang is exit 124: a failure, not a slow pass.
. "$TESTS_SRC/lib.sh"
APIDUMP=$TEST_TOOLS/apidump
. "$TESTS_SRC/badsock-lib.sh"
badsock_start stale no-listen no-accept silent close garbage http1 h1-ping h1-ping-bad h1-500 \
	h2-cut h2-rst-mid h2-refuse h2-not-grpc h2-no-status h2-short-frame h2-error h2-bad-proto h2-compressed \
	h2-early-rst h1-cut-header h1-huge-header h1-long-header h1-huge-length h1-info-types \
	h2-bad-types

# use_peer MODE: point $sock at that peer.
use_peer() { sock=$T/p/$1.sock; }

# call NAME REQUEST MS: run apidump under `timeout 20` against $sock.
call() { run timeout 20 "$APIDUMP" --timeout "$2" "$1" "$sock"; }

# has TEXT LABEL: TEXT is in $T/err (bash matching: this test runs many checks).
has() {
	if [[ $err == *"$1"* ]]; then ok "$2"; else not_ok "$2" "'$1' not in stderr:" "$err"; fi
}

# expect_failure LABEL FAIL_CLASS TEXT...: exit 1 (never 124), the class, each text on stderr.
expect_failure() {
	local label=$1 class=$2 t
	shift 2
	expect_rc 1 "$label: fails, within the deadline"
	err=$(<"$T/err")
	has "fail: $class" "$label: classified as $class"
	for t in "$@"; do has "$t" "$label: says '$t'"; done
}

cri=runtime.v1.RuntimeService/Status

# A missing socket.
sock=$T/missing.sock
call cri-status 2000
expect_failure "cri, missing socket" no-socket "error: $cri: socket '$sock' does not exist" \
	"hint: is the runtime running?"
call docker-info 2000
expect_failure "docker, missing socket" no-socket "error: GET /info: socket '$sock' does not exist" \
	"hint: is dockerd running?"
run timeout 20 "$APIDUMP" cri-status "unix://$sock"
expect_failure "cri, a unix:// endpoint" no-socket "socket '$sock' does not exist"

# A regular file.
sock=$T/file.sock
: >"$sock"
call cri-version 2000
expect_failure "cri, not a socket" no-socket "error: runtime.v1.RuntimeService/Version: '$sock' is not a socket"

# A path longer than a unix socket address can hold.
long=$T/$(printf 'x%.0s' $(seq 120)).sock
run timeout 20 "$APIDUMP" cri-status "$long"
expect_failure "cri, path too long" other "is longer than 107 bytes"

# A stale socket: the file is left, nobody is behind it.
use_peer stale
call cri-status 2000
expect_failure "cri, stale socket" refused "error: $cri: nobody listens on socket '$sock' (connection refused)" \
	"hint: the socket is stale"
call docker-ping 2000
expect_failure "docker, stale socket" refused "nobody listens on socket '$sock'"

# Connect first, load on answer: a stale socket costs a connect(2) and loads no library at
# all; a live CRI peer loads libnghttp2 alone, never libcurl (issue 19). glibc's LD_DEBUG
# lists every shared object loaded (libc's too: none listed means a static apidump).
LD_DEBUG=files timeout 20 "$APIDUMP" --timeout 2000 cri-status "$sock" >/dev/null 2>"$T/lddebug" || true
if grep -q 'file=libc\.so' "$T/lddebug"; then
	if grep -qE 'file=lib(nghttp2|curl)' "$T/lddebug"; then
		not_ok "cri, stale socket: no library loaded" "$(grep -E 'file=lib(nghttp2|curl)' "$T/lddebug")"
	else
		ok "cri, stale socket: no library loaded"
	fi
	sock=$T/p/h2-error.sock
	LD_DEBUG=files timeout 20 "$APIDUMP" --timeout 2000 cri-status "$sock" >/dev/null 2>"$T/lddebug" || true
	if grep -q 'file=libnghttp2' "$T/lddebug" && ! grep -q 'file=libcurl' "$T/lddebug"; then
		ok "cri, a live peer: libnghttp2 loaded, libcurl not"
	else
		not_ok "cri, a live peer: libnghttp2 loaded, libcurl not" "$(grep 'file=lib' "$T/lddebug")"
	fi
else
	skip "cri, stale socket: no library loaded" "apidump is static: it loads no library"
	skip "cri, a live peer: libnghttp2 loaded, libcurl not" "apidump is static: it loads no library"
fi

# Bound by a live process that never listens.
use_peer no-listen
call cri-status 2000
expect_failure "cri, bound but not listening" refused "nobody listens on socket '$sock'"

# Listening, never accepting: the connection waits in the backlog.
use_peer no-accept
call cri-status 1000
expect_failure "cri, never accepted" timeout "error: $cri: no complete answer from socket '$sock' within 1 s" \
	"hint: the runtime is hung or still starting"
call docker-info 500
expect_failure "docker, never accepted" timeout "no complete answer from socket '$sock' within 500 ms (GET /info)" \
	"hint: dockerd is hung"

# Accepting and reading, never answering.
use_peer silent
call cri-version 500
expect_failure "cri, silent peer" timeout "within 500 ms"
call docker-ping 500
expect_failure "docker, silent peer" timeout "within 500 ms (GET /_ping)"

# Closing at once. libcurl sees this either as soon as it connects or when it reads.
use_peer close
call cri-status 2000
expect_failure "cri, peer closes at once" closed "socket '$sock'" "hint: is '$sock' a CRI socket?"
call docker-info 2000
expect_failure "docker, peer closes at once" closed "socket '$sock'"

# Answering garbage.
use_peer garbage
call cri-status 2000
expect_failure "cri, garbage" closed "error: $cri: socket '$sock' gave no HTTP/2 answer: it closed the connection or does not speak HTTP/2"
call docker-ping 2000
expect_failure "docker, garbage" protocol "error: GET /_ping: socket '$sock' does not answer in HTTP/1.1"

# A plain HTTP/1 server (what the Docker socket is to a CRI client).
use_peer http1
call cri-status 2000
expect_failure "cri, HTTP/1 server" closed "gave no HTTP/2 answer"
call docker-info 2000
expect_failure "docker, HTTP/1 400" none "error: GET /info: socket '$sock' answered HTTP 400"

# HTTP/2, cut in the middle of the gRPC message.
use_peer h2-cut
call cri-status 2000
expect_failure "cri, closed mid-answer" closed \
	"error: $cri: the connection to socket '$sock' broke before the answer was complete"

# HTTP/2, the stream reset in the middle of the gRPC message, the connection kept open.
use_peer h2-rst-mid
call cri-status 2000
expect_failure "cri, stream reset mid-answer" closed \
	"error: $cri: the connection to socket '$sock' broke before the answer was complete" \
	"stream reset with NO_ERROR"

# HTTP/2, the stream refused before any answer (and again for the body-less retry).
use_peer h2-refuse
call cri-status 2000
expect_failure "cri, stream refused" reset \
	"error: $cri: socket '$sock' reset the HTTP/2 stream without an answer" \
	"stream reset with REFUSED_STREAM" "hint: is '$sock' a CRI socket?"

# HTTP/2 but not gRPC.
use_peer h2-not-grpc
call cri-status 2000
expect_failure "cri, HTTP/2 but not gRPC" none \
	"error: $cri: socket '$sock' is not a gRPC server (HTTP status 404, content-type text/plain)"

# gRPC without a status in the trailers.
use_peer h2-no-status
call cri-status 2000
expect_failure "cri, no grpc-status" none "error: $cri: socket '$sock' sent no grpc-status"

# A gRPC frame that promises more than it holds.
use_peer h2-short-frame
call cri-status 2000
expect_failure "cri, short gRPC frame" none "sent a gRPC message of 3 bytes, but its frame says 50"

# A gRPC error, with a percent-encoded message.
use_peer h2-error
call cri-status 2000
expect_failure "cri, gRPC error" none \
	"error: $cri: the runtime on '$sock' answered Unavailable: server is shutting down: bye" \
	"grpc-status: 14"

# An early status followed by RST_STREAM(NO_ERROR), as grpc-go sends for an unknown
# service: libcurl 7.88 often loses that status; the client must still report it.
use_peer h2-early-rst
for i in 1 2 3 4 5; do
	call cri-status 2000
	expect_failure "cri, early status and stream reset ($i)" none \
		"error: $cri: the runtime on '$sock' answered Unimplemented: unknown service runtime.v1.RuntimeService" \
		"grpc-status: 12" "hint: the runtime does not serve the CRI"
done

# A malformed protobuf message.
use_peer h2-bad-proto
call cri-status 2000
expect_failure "cri, malformed protobuf" none \
	"error: the answer of socket '$sock': StatusResponse: malformed protobuf at byte 0: length-delimited field runs past the end"

# A compressed message, which we never ask for.
use_peer h2-compressed
call cri-status 2000
expect_failure "cri, compressed message" none "sent a compressed message, which was not asked for"

# A minimal HTTP/1.1 server: /_ping OK with its API version; a bad /_ping; a 500.
use_peer h1-ping
call docker-ping 2000
expect_rc 0 "docker, /_ping OK"
expect_contains "$T/out" '"api_version": "1.41"' "docker, /_ping: API-Version header"
use_peer h1-ping-bad
call docker-ping 2000
expect_failure "docker, /_ping not OK" none "error: GET /_ping: socket '$sock' did not answer \"OK\""
use_peer h1-500
call docker-info 2000
expect_failure "docker, HTTP 500" none "error: GET /info: socket '$sock' answered HTTP 500: the daemon is not ready"

# HTTP/1.1 peers that break off or never end: classified, in our words (issue 11, 17-18).
use_peer h1-cut-header
call docker-info 2000
expect_failure "docker, closed mid-header" closed \
	"error: GET /info: socket '$sock' closed the connection in the middle of the answer's headers"
use_peer h1-huge-header
call docker-info 5000
expect_failure "docker, 1 GB of headers" protocol "socket '$sock' sent more than 64 KiB of headers"
use_peer h1-long-header
call docker-info 5000
expect_failure "docker, a 1 GB header line" protocol \
	"socket '$sock' sent a header line longer than libcurl accepts"
use_peer h1-huge-length
call docker-info 5000
expect_failure "docker, a 1 TB Content-Length" protocol \
	"socket '$sock' announced an answer of 1099511627776 bytes (Content-Length)"
# Answers of the wrong type are refused, not read as absent (item 19).
use_peer h1-info-types
call docker-info 2000
expect_failure "docker, DefaultRuntime 5" none \
	"the answer's DefaultRuntime is a number (5), not a string"
use_peer h2-bad-types
call cri-status 2000
expect_failure "cri, defaultRuntimeName 5" none \
	"info[\"config\"]: containerd.defaultRuntimeName is a number (5), not a string"

# Waiting for a daemon to come back (restart): a missing socket is waited out; an
# answer that is not the daemon's ends the wait at once. `timeout 20` around a 60 s
# wait makes "at once" checkable without timing anything.
sock=$T/missing.sock
call cri-wait 1000
expect_failure "cri wait, missing socket" none \
	"error: no answer within 1 s: runtime.v1.RuntimeService/Version: socket '$sock' does not exist"
call docker-wait 1000
expect_failure "docker wait, missing socket" none \
	"error: no answer within 1 s: GET /_ping: socket '$sock' does not exist"
use_peer h2-not-grpc
call cri-wait 60000
expect_failure "cri wait, not gRPC: gives up" none "is not a gRPC server"
use_peer h2-error
call cri-wait 60000
expect_failure "cri wait, a gRPC error: gives up" none "answered Unavailable"
use_peer h1-500
call docker-wait 60000
expect_failure "docker wait, HTTP 500: gives up" none "answered HTTP 500"
use_peer h1-ping
call docker-wait 60000
expect_rc 0 "docker wait, /_ping OK"

done_testing
