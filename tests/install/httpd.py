#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A small HTTP server for the install tests: serves a directory on 127.0.0.1, on a
# port the kernel picks (printed as the first line of stdout), with single byte
# ranges (for resumed downloads) and injected faults:
#   --drop-once PATH=N   the first GET of PATH sends N bytes of the body, then closes
#   --fail-once PATH=S   the first GET of PATH answers with status S
#   --no-range           ignore Range headers (answer 200 with the whole file)
#   --hold-once PATH=FILE  the first GET of PATH creates FILE.waiting, then waits until FILE
#                        exists before it answers (a download in progress, for as long as the
#                        test needs)
#   --tls CERT KEY       serve HTTPS with this certificate chain and key (PEM files)
# Every request is logged to --log as "METHOD PATH RANGE STATUS".
import argparse
import http.server
import os
import re
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--root", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--drop-once", action="append", default=[])
ap.add_argument("--fail-once", action="append", default=[])
ap.add_argument("--no-range", action="store_true")
ap.add_argument("--hold-once", action="append", default=[])
ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
args = ap.parse_args()

drops = {p: int(n) for p, n in (d.rsplit("=", 1) for d in args.drop_once)}
fails = {p: int(s) for p, s in (f.rsplit("=", 1) for f in args.fail_once)}
holds = dict(h.split("=", 1) for h in args.hold_once)
lock = threading.Lock()
root = os.path.realpath(args.root)


def log(line):
    with lock, open(args.log, "a") as f:
        f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        rng = self.headers.get("Range", "-")
        with lock:
            fail = fails.pop(path, None)
            drop = drops.pop(path, None)
            # apt asks for "DIR/./NAME" (apt-ftparchive's "Filename: ./NAME").
            hold = holds.pop(os.path.normpath(path), None)
        if hold:
            open(hold + ".waiting", "w").close()
            while not os.path.exists(hold):
                time.sleep(0.05)
        if fail:
            log(f"{self.command} {path} {rng} {fail}")
            self.answer(fail, b"injected failure\n")
            return
        full = os.path.realpath(os.path.join(root, path.lstrip("/")))
        if not full.startswith(root + os.sep) or not os.path.isfile(full):
            log(f"{self.command} {path} {rng} 404")
            self.answer(404, b"not found\n")
            return
        with open(full, "rb") as f:
            data = f.read()
        start, status = 0, 200
        m = re.fullmatch(r"bytes=(\d+)-", rng) if rng != "-" and not args.no_range else None
        if m:
            start = int(m.group(1))
            if start >= len(data):
                log(f"{self.command} {path} {rng} 416")
                self.answer(416, b"", [("Content-Range", f"bytes */{len(data)}")])
                return
            status = 206
        body = data[start:]
        log(f"{self.command} {path} {rng} {status}")
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Accept-Ranges", "none" if args.no_range else "bytes")
        self.end_headers()
        if self.command == "HEAD":
            return
        if drop is not None:
            self.wfile.write(body[:drop])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        self.wfile.write(body)


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
if args.tls:
    import ssl

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.tls[0], args.tls[1])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
sys.stdout.close()
srv.serve_forever()
