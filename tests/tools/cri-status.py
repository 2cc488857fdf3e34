#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Print a live CRI runtime's status as `crictl info` does: an independent check of our
C client (lib/live/cri.c), written with Debian's python3-grpcio and python3-protobuf.

usage: cri-status.py SOCKET [API]     (API: runtime.v1, the default, or runtime.v1alpha2)

Calls RuntimeService/Status(verbose=true). The messages are declared from the CRI's
api.proto through protobuf's descriptors, so protobuf's own codec decodes the answer, not
code of ours. Prints {"status": {...}, KEY: VALUE...}: each info value that holds JSON
(containerd's "config") decoded. Exits 1, saying why, when the runtime does not answer.
"""
import json
import os
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

F = descriptor_pb2.FieldDescriptorProto


def field(msg, name, number, ftype, label=F.LABEL_OPTIONAL, type_name=None):
    f = msg.field.add(name=name, number=number, type=ftype, label=label)
    if type_name:
        f.type_name = type_name


def messages(api):
    """StatusRequest and StatusResponse of package API, as in the CRI's api.proto."""
    fd = descriptor_pb2.FileDescriptorProto(name=api + "/status.proto", package=api,
                                            syntax="proto3")
    req = fd.message_type.add(name="StatusRequest")
    field(req, "verbose", 1, F.TYPE_BOOL)
    cond = fd.message_type.add(name="RuntimeCondition")
    field(cond, "type", 1, F.TYPE_STRING)
    field(cond, "status", 2, F.TYPE_BOOL)
    field(cond, "reason", 3, F.TYPE_STRING)
    field(cond, "message", 4, F.TYPE_STRING)
    st = fd.message_type.add(name="RuntimeStatus")
    field(st, "conditions", 1, F.TYPE_MESSAGE, F.LABEL_REPEATED, f".{api}.RuntimeCondition")
    resp = fd.message_type.add(name="StatusResponse")
    field(resp, "status", 1, F.TYPE_MESSAGE, type_name=f".{api}.RuntimeStatus")
    entry = resp.nested_type.add(name="InfoEntry")
    entry.options.map_entry = True
    field(entry, "key", 1, F.TYPE_STRING)
    field(entry, "value", 2, F.TYPE_STRING)
    field(resp, "info", 2, F.TYPE_MESSAGE, F.LABEL_REPEATED, f".{api}.StatusResponse.InfoEntry")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    factory = message_factory.MessageFactory(pool)
    return (factory.GetPrototype(pool.FindMessageTypeByName(api + ".StatusRequest")),
            factory.GetPrototype(pool.FindMessageTypeByName(api + ".StatusResponse")))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sock = os.path.abspath(sys.argv[1])
    api = sys.argv[2] if len(sys.argv) > 2 else "runtime.v1"
    request, response = messages(api)
    channel = grpc.insecure_channel("unix://" + sock)
    status = channel.unary_unary(f"/{api}.RuntimeService/Status",
                                 request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=response.FromString)
    try:
        resp = status(request(verbose=True), timeout=5)
    except grpc.RpcError as e:
        print(f"cri-status.py: {sock}: {e.details() or e.code()}", file=sys.stderr)
        sys.exit(1)
    out = {"status": json_format.MessageToDict(resp.status, including_default_value_fields=True,
                                               preserving_proto_field_name=True)}
    for k, v in sorted(resp.info.items()):
        out[k] = json.loads(v) if v[:1] in "{[" else v
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
