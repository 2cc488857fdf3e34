#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Misbehaving peers on unix sockets, for the bad-socket tests.

usage: badsock.py DIR MODE...

Creates DIR/MODE.sock for each mode, prints "ready" on stdout once all can be
connected to (or are bound, for no-listen), then serves connections, one
thread per socket, until killed. One process for all modes, so the test pays
python's start-up once. Modes:

  stale          a socket file nobody is behind any more: connect() is refused
  no-listen      bound, never listening: connect() is refused
  no-accept      listening with a backlog, never accepting: the client hangs
  silent         accepts and reads, never answers
  close          accepts, then closes at once
  garbage        answers random-looking bytes and closes
  http1          answers an HTTP/1.1 400, as a plain HTTP server does to HTTP/2
  h1-ping        an HTTP/1.1 server whose /_ping says OK (a minimal dockerd)
  h1-ping-bad    an HTTP/1.1 server whose /_ping says something else
  h1-500         an HTTP/1.1 server answering 500 with a Docker error body
  h1-cut-header  HTTP/1.1: the status line and half a header, then closes
  h1-huge-header HTTP/1.1: the status line, then header lines without end (up to 1 GB)
  h1-long-header HTTP/1.1: the status line, then one header line of up to 1 GB
  h1-huge-length HTTP/1.1: Content-Length of 1 TB, then a trickle of body
  h1-info-types  HTTP/1.1: /_ping OK; /info with DefaultRuntime 5 and Runtimes a string
  h2-cut         HTTP/2: headers and half a gRPC message, then closes
  h2-not-grpc    HTTP/2: 404 text/plain
  h2-no-status   HTTP/2: a whole message, but trailers without grpc-status
  h2-short-frame HTTP/2: the gRPC frame says 50 bytes, 3 come, then grpc-status 0
  h2-error       HTTP/2: trailers-only, grpc-status 14, a percent-encoded message
  h2-bad-proto   HTTP/2: grpc-status 0 with a truncated protobuf message
  h2-compressed  HTTP/2: a message flagged as compressed
  h2-bad-types   HTTP/2: a StatusResponse whose info["config"] has defaultRuntimeName 5
  h2-rst-mid     HTTP/2: headers and half a gRPC message, then RST_STREAM(NO_ERROR), the
                 connection kept open
  h2-refuse      HTTP/2: RST_STREAM(REFUSED_STREAM) and nothing else, the connection kept open
  h2-early-rst   HTTP/2: like grpc-go for an unknown service: the status at once, before
                 the request body, then RST_STREAM(NO_ERROR); no reset for a body-less
                 request
"""
import os
import socket
import struct
import sys
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def lit(name, value):
    """HPACK literal header field without indexing, new name, no Huffman."""
    name, value = name.encode(), value.encode()
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def headers(fields, end_stream=False):
    return frame(1, 0x4 | (0x1 if end_stream else 0), 1, b"".join(fields))


def data(payload, end_stream=False):
    return frame(0, 0x1 if end_stream else 0, 1, payload)


def grpc_msg(msg, flag=0):
    return bytes([flag]) + struct.pack(">I", len(msg)) + msg


STATUS_200 = b"\x88"  # HPACK static table index 8
GRPC_CT = lit("content-type", "application/grpc")


def varint(n):
    out = b""
    while n >= 0x80:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


def pb_len(field, payload):
    return bytes([field << 3 | 2]) + varint(len(payload)) + payload


def h2_response(mode):
    if mode == "h2-bad-types":
        config = b'{"containerd": {"defaultRuntimeName": 5, "runtimes": {}}}'
        entry = pb_len(1, b"config") + pb_len(2, config)
        return [headers([STATUS_200, GRPC_CT]), data(grpc_msg(pb_len(2, entry))),
                headers([lit("grpc-status", "0")], end_stream=True)]
    if mode == "h2-cut":
        return [headers([STATUS_200, GRPC_CT]),
                data(b"\x00\x00\x00\x00\x64" + b"\x0a\x10" + b"x" * 8)]
    if mode == "h2-rst-mid":
        return [headers([STATUS_200, GRPC_CT]),
                data(b"\x00\x00\x00\x00\x64" + b"\x0a\x10" + b"x" * 8),
                frame(3, 0, 1, b"\x00\x00\x00\x00")]  # RST_STREAM(NO_ERROR)
    if mode == "h2-refuse":
        return [frame(3, 0, 1, b"\x00\x00\x00\x07")]  # RST_STREAM(REFUSED_STREAM)
    if mode == "h2-not-grpc":
        return [headers([b"\x8d", lit("content-type", "text/plain")]),  # 404
                data(b"404 page not found\n", end_stream=True)]
    if mode == "h2-no-status":
        return [headers([STATUS_200, GRPC_CT]), data(grpc_msg(b"")),
                headers([lit("x-other", "1")], end_stream=True)]
    if mode == "h2-short-frame":
        return [headers([STATUS_200, GRPC_CT]), data(b"\x00\x00\x00\x00\x32abc"),
                headers([lit("grpc-status", "0")], end_stream=True)]
    if mode == "h2-error":
        return [headers([STATUS_200, GRPC_CT, lit("grpc-status", "14"),
                         lit("grpc-message", "server%20is%20shutting%20down%3A%20bye")],
                        end_stream=True)]
    if mode == "h2-bad-proto":
        return [headers([STATUS_200, GRPC_CT]), data(grpc_msg(b"\x12\x7f\x0a")),
                headers([lit("grpc-status", "0")], end_stream=True)]
    if mode == "h2-compressed":
        return [headers([STATUS_200, GRPC_CT]), data(grpc_msg(b"\x08\x01", flag=1)),
                headers([lit("grpc-status", "0")], end_stream=True)]
    raise SystemExit("unknown mode " + mode)


def read_some(conn, want, limit=1.0):
    """Read until `want` is in the data or the limit passes."""
    conn.settimeout(0.1)
    buf = b""
    end = time.time() + limit
    while time.time() < end and want not in buf:
        try:
            b = conn.recv(65536)
        except socket.timeout:
            continue
        if not b:
            break
        buf += b
    return buf


def read_frames(conn, limit=1.0):
    """Read the preface, then frames until a HEADERS frame; return its flags."""
    conn.settimeout(0.1)
    buf = b""
    end = time.time() + limit
    while time.time() < end:
        try:
            b = conn.recv(65536)
        except socket.timeout:
            b = None
        if b == b"":
            return None
        buf += b or b""
        i = len(PREFACE) if buf.startswith(PREFACE) else None
        while i is not None and len(buf) >= i + 9:
            n = int.from_bytes(buf[i:i + 3], "big")
            if buf[i + 3] == 1:  # HEADERS
                return buf[i + 4]
            i += 9 + n
    return None


def serve(conn, mode):
    if mode == "h2-early-rst":
        flags = read_frames(conn)
        if flags is None:
            return
        out = frame(4, 0, 0, b"") + frame(4, 1, 0, b"") + headers(
            [STATUS_200, GRPC_CT, lit("grpc-status", "12"),
             lit("grpc-message", "unknown service runtime.v1.RuntimeService")],
            end_stream=True)
        if not flags & 0x1:  # the client still has a body to send
            out += frame(3, 0, 1, b"\x00\x00\x00\x00")  # RST_STREAM(NO_ERROR)
        conn.sendall(out)
        read_some(conn, b"\x00never", 0.5)
        return
    if mode == "silent":
        while conn.recv(65536):
            pass
        return
    if mode == "close":
        return
    if mode == "garbage":
        read_some(conn, b"\r\n\r\n", 0.3)
        conn.sendall(bytes((i * 37 + 11) & 0xFF for i in range(300)))
        return
    if mode == "http1":
        read_some(conn, b"\r\n\r\n", 0.3)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                     b"Connection: close\r\n\r\n400 Bad Request")
        return
    if mode == "h1-cut-header":
        read_some(conn, b"\r\n\r\n")
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: applic")
        return
    if mode == "h1-huge-header":
        read_some(conn, b"\r\n\r\n")
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Pad: " + b"a" * 1017 + b"\r\n"  # 1 KiB a line
        chunk = line * 1024
        for _ in range(1024):  # 1 GiB, unless the client hangs up first
            conn.sendall(chunk)
        return
    if mode == "h1-long-header":
        read_some(conn, b"\r\n\r\n")
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Pad: ")
        chunk = b"a" * (1 << 20)
        for _ in range(1024):  # 1 GiB, unless the client hangs up first
            conn.sendall(chunk)
        return
    if mode == "h1-huge-length":
        read_some(conn, b"\r\n\r\n")
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1099511627776\r\n\r\n{")
        for _ in range(100):
            conn.sendall(b" " * 1024)
            time.sleep(0.01)
        return
    if mode == "h1-info-types":
        req = read_some(conn, b"\r\n\r\n")
        if b"/_ping" in req:
            body = b"OK"
        else:
            body = (b'{"ServerVersion": "28.1.1", "DefaultRuntime": 5, '
                    b'"Runtimes": {"runc": {"path": "runc"}}, "CgroupDriver": "systemd"}')
        conn.sendall(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: "
                     b"application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                     % len(body) + body)
        return
    if mode.startswith("h1-"):
        read_some(conn, b"\r\n\r\n")
        if mode == "h1-500":
            body = b'{"message":"the daemon is not ready"}\n'
            head = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        else:
            body = b"OK" if mode == "h1-ping" else b"<html>hello</html>"
            head = b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: text/plain\r\n"
        conn.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                     + body)
        return
    # HTTP/2: take the preface and the request, answer by hand-made frames.
    read_some(conn, PREFACE, 1.0)
    conn.sendall(frame(4, 0, 0, b"") + frame(4, 1, 0, b""))
    time.sleep(0.1)
    for f in h2_response(mode):
        conn.sendall(f)
    if mode != "h2-cut":
        read_some(conn, b"\x00never", 0.5)  # let the client read before closing


def serve_one(conn, mode):
    try:
        serve(conn, mode)
    except OSError:
        pass
    finally:
        conn.close()


def accept_loop(s, mode):
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_one, args=(conn, mode), daemon=True).start()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    keep = []
    for mode in sys.argv[2:]:
        path = os.path.join(sys.argv[1], mode + ".sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        if mode == "stale":
            s.close()  # the file stays
            continue
        keep.append(s)
        if mode == "no-listen":
            continue
        s.listen(16)
        if mode == "no-accept":
            continue
        threading.Thread(target=accept_loop, args=(s, mode), daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
