#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A recorded Docker Engine on a unix socket: replays a real daemon's answers.

usage: dockerreplay.py SOCKET DIR [INFO]

Serves HTTP/1.1 on SOCKET (made by this process, removed on exit): GET /_ping answers "OK"
with the Api-Version and Server headers of the version in DIR/version.json; GET /version
answers DIR/version.json and GET /info DIR/INFO (default info.json), both as recorded; a
versioned path (/v1.39/info) is the same. Anything else gets dockerd's 404
{"message":"page not found"}. Prints "ready" once it listens; runs until killed.
"""
import json
import os
import socketserver
import sys
from http.server import BaseHTTPRequestHandler

sock, data = sys.argv[1], sys.argv[2]
info_name = sys.argv[3] if len(sys.argv) > 3 else "info.json"
version_body = open(os.path.join(data, "version.json"), "rb").read()
info_body = open(os.path.join(data, info_name), "rb").read()
version = json.loads(version_body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Docker/%s" % version["Version"]
    sys_version = "(%s)" % version["Os"]

    def log_message(self, fmt, *args):
        pass

    def address_string(self):
        return "unix"

    def send(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Api-Version", version["ApiVersion"])
        self.send_header("Docker-Experimental", "false")
        self.send_header("Ostype", version["Os"])
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        parts = path.split("/")
        if len(parts) > 2 and parts[1].startswith("v1."):
            path = "/" + "/".join(parts[2:])
        if path == "/_ping":
            self.send(200, "text/plain; charset=utf-8", b"OK")
        elif path == "/version":
            self.send(200, "application/json", version_body)
        elif path == "/info":
            self.send(200, "application/json", info_body)
        else:
            self.send(404, "application/json", b'{"message":"page not found"}\n')

    do_HEAD = do_GET


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(sock):
    os.unlink(sock)
srv = Server(sock, Handler)
print("ready", flush=True)
try:
    srv.serve_forever()
finally:
    os.unlink(sock)
