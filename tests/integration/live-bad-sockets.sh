#!/bin/bash
# `gpuprep verify` and `gpuprep restart` against sockets that misbehave (tests/tools/badsock.py):
# missing, stale, never accepting, closing at once or mid-answer, answering garbage or the
# wrong protocol. Each gives a clear error naming the socket, exit 1, within its deadline:
# every call runs under `timeout 30`, so a hang is exit 124, a failure.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/badsock-lib.sh"
# The node root: the peers listen in its /p (a socket path is resolved inside the root, so a
# link to them outside would not lead there); init scripts that do nothing, so restart
# reaches its wait.
root=$T/root
BADSOCK_DIR=$root/p
badsock_start stale no-accept close garbage http1 h1-500 h2-cut h2-not-grpc h1-cut-header \
	h1-huge-header h1-long-header h1-huge-length h1-info-types h2-bad-types
mkdir -p "$root/etc/init.d" "$root/etc/docker"
for s in docker containerd; do
	printf '#!/bin/sh\necho "%s: $1"\n' "$s" >"$root/etc/init.d/$s"
	chmod +x "$root/etc/init.d/$s"
done

# verify RUNTIME SOCKET: under `timeout 30`.
verify() { run timeout 30 "$GPUPREP" --root "$root" verify --runtime "$1" --socket "$2"; }

# expect_fail LABEL TEXT...: exit 1 (never 124), each text on stderr.
expect_fail() {
	local label=$1 t
	shift
	expect_rc 1 "$label: fails, within the deadline"
	for t in "$@"; do expect_contains "$T/err" "$t" "$label: says '$t'"; done
}

for rt in docker containerd; do
	verify $rt /p/missing.sock
	expect_fail "verify $rt, missing socket" "socket '$root/p/missing.sock' does not exist"
	verify $rt /p/stale.sock
	expect_fail "verify $rt, stale socket" "nobody listens on socket '$root/p/stale.sock'" \
		"hint: the socket is stale"
	verify $rt /p/close.sock
	expect_fail "verify $rt, peer closes at once" "socket '$root/p/close.sock'"
	verify $rt /p/garbage.sock
	expect_fail "verify $rt, garbage" "socket '$root/p/garbage.sock'"
done
verify docker /p/no-accept.sock
expect_fail "verify docker, never accepted" "no complete answer from socket '$root/p/no-accept.sock' within 5 s (GET /info)"
verify docker /p/h1-500.sock
expect_fail "verify docker, HTTP 500" "GET /info: socket '$root/p/h1-500.sock' answered HTTP 500"
verify containerd /p/h2-cut.sock
expect_fail "verify containerd, closed mid-answer" "the connection to socket '$root/p/h2-cut.sock' broke before the answer was complete"
verify containerd /p/http1.sock
expect_fail "verify containerd, an HTTP/1 server" "gave no HTTP/2 answer"
verify containerd /p/h2-not-grpc.sock
expect_fail "verify containerd, HTTP/2 but not gRPC" "is not a gRPC server"
# Peers that break HTTP or answer what dockerd and containerd never do: each is told in our
# words, with a hint, and never read as an answer (issue 11, items 17-19).
dhint="hint: is '$root/p/%s.sock' dockerd's socket?"
verify docker /p/h1-cut-header.sock
expect_fail "verify docker, closed mid-header" \
	"socket '$root/p/h1-cut-header.sock' closed the connection in the middle of the answer's headers (GET /info)" \
	"$(printf "$dhint" h1-cut-header)"
expect_not_contains "$T/err" "parsing the answer" "closed mid-header: not a JSON error"
verify docker /p/h1-huge-header.sock
expect_fail "verify docker, 1 GB of headers" \
	"socket '$root/p/h1-huge-header.sock' sent more than 64 KiB of headers (GET /info)" \
	"$(printf "$dhint" h1-huge-header)"
verify docker /p/h1-long-header.sock
expect_fail "verify docker, a 1 GB header line" \
	"socket '$root/p/h1-long-header.sock' sent a header line longer than libcurl accepts" \
	"$(printf "$dhint" h1-long-header)"
expect_not_contains "$T/err" "Out of memory" "a 1 GB header line: not curl's words"
verify docker /p/h1-huge-length.sock
expect_fail "verify docker, a 1 TB Content-Length" \
	"socket '$root/p/h1-huge-length.sock' announced an answer of 1099511627776 bytes (Content-Length), more than the 16 MiB accepted" \
	"$(printf "$dhint" h1-huge-length)"
expect_not_contains "$T/err" "Maximum file size" "a 1 TB Content-Length: not curl's words"
verify docker /p/h1-info-types.sock
expect_fail "verify docker, DefaultRuntime 5" \
	"GET /info on socket '$root/p/h1-info-types.sock': the answer's DefaultRuntime is a number (5), not a string" \
	"hint: dockerd never answers like that"
expect_not_contains "$T/out" "runc" "DefaultRuntime 5: never shown as runc"
verify containerd /p/h2-bad-types.sock
expect_fail "verify containerd, defaultRuntimeName 5" \
	"info[\"config\"]: containerd.defaultRuntimeName is a number (5), not a string" \
	"hint: a CRI runtime never answers like that"
verify containerd unix:///p/missing.sock
expect_fail "verify containerd, a unix:// endpoint" "socket '$root/p/missing.sock' does not exist"

# restart: the init script "restarts", the daemon never answers. A missing socket is waited
# out for --timeout; an answer that is not the daemon's ends the wait at once.
run timeout 30 "$GPUPREP" --root "$root" restart --runtime containerd --mode service \
	--socket /p/missing.sock --timeout 2
expect_fail "restart containerd, missing socket" \
	"restart of containerd failed: containerd did not come back: no answer within 2 s: runtime.v1.RuntimeService/Version: socket '$root/p/missing.sock' does not exist" \
	"there is no backup from gpuprep configure to roll back to"
run timeout 30 "$GPUPREP" --root "$root" restart --runtime containerd --mode service \
	--socket /p/h2-not-grpc.sock --timeout 60
expect_fail "restart containerd, not gRPC: gives up at once" "containerd did not come back" "is not a gRPC server"
run timeout 30 "$GPUPREP" --root "$root" restart --runtime docker --full --mode service \
	--socket /p/h1-500.sock --timeout 60
expect_fail "restart docker, HTTP 500: gives up at once" "dockerd did not come back" "answered HTTP 500"
run timeout 30 "$GPUPREP" --root "$root" restart --runtime docker --full --mode service \
	--socket /p/missing.sock --timeout 2
expect_fail "restart docker, missing socket" "dockerd did not come back: no answer within 2 s: GET /_ping: socket '$root/p/missing.sock' does not exist"
# A reload needs dockerd's PID: a stale socket has no process behind it, nothing is touched.
printf '{}\n' >"$root/etc/docker/daemon.json"
run timeout 30 "$GPUPREP" --root "$root" restart --runtime docker --mode signal --socket /p/stale.sock
expect_fail "restart docker --mode signal, stale socket" "finding the dockerd process" "'$root/p/stale.sock'"
expect_not_contains "$T/err" "rolled back" "nothing was touched, nothing is rolled back"
# The socket's peer is not dockerd (it is python): no signal is sent.
run timeout 30 "$GPUPREP" --root "$root" restart --runtime docker --mode signal --socket /p/garbage.sock
expect_fail "restart docker --mode signal, a socket held by another process" "not dockerd"

# No runtime socket in place and no --runtime: not a usage error (issue 13) but a failure,
# with a hint to start the runtime, and no usage text.
run "$GPUPREP" --root "$root" verify
expect_rc 1 "verify without --runtime and no socket"
expect_contains "$T/err" "gpuprep: error: no container runtime is running: no daemon socket is in place under '$root'" "it says why"
expect_contains "$T/err" "hint: start the runtime (systemctl start containerd, or docker), then run 'gpuprep verify' again" "the hint says to start the runtime"
expect_not_contains "$T/err" "usage:" "no usage text"
run "$GPUPREP" --root "$root" --json verify
expect_rc 1 "--json verify without a socket"
python3 - "$T/out" >"$T/check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["error"]
assert d["schema_version"] == 1 and d["command"] == "verify", d
assert e["exit_code"] == 1 and e["message"].startswith("no container runtime is running"), e
assert e["hint"].startswith("start the runtime"), e
PY
if [ -s "$T/check" ]; then not_ok "--json verify: one object with the error" "$(cat "$T/check")"; else
	ok "--json verify: one object with the error"; fi

done_testing
