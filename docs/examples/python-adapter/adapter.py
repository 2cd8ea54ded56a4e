#!/usr/bin/env python3
"""A Motlan registry adapter in Python: the vehicle registration registry, records in memory.

It implements the adapter contract of the repository's proto/ folder (Describe and Lookup of
motlan.adapter.v1.RegistryAdapter) and the standard grpc.health.v1.Health service. There is no
generated code: at start it compiles proto/ with the protoc bundled in grpcio-tools into a
descriptor set and builds the message classes from it, so it always speaks the contract of the
checkout it runs from.

    /usr/bin/python3 docs/examples/python-adapter/adapter.py --port 50080 --replica vehicle-a

Needs grpcio and grpcio-tools (Debian: apt-get install python3-grpcio python3-grpc-tools;
elsewhere: pip install grpcio grpcio-tools). Port and replica name also come from ADAPTER_PORT and
ADAPTER_REPLICA; --port 0 takes a free port. The "listening on HOST:PORT" line tells which.
"""

import argparse
import os
import re
import signal
import sys
import tempfile
import threading
from concurrent import futures
from importlib import resources
from pathlib import Path

try:
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
    from google.protobuf import struct_pb2, timestamp_pb2  # noqa: F401  (puts Struct and Timestamp in the pool)
    from grpc_tools import protoc
except ImportError as missing:
    sys.exit(
        f"adapter.py: {missing}. Install gRPC for Python: "
        "apt-get install python3-grpcio python3-grpc-tools (Debian/Ubuntu, then run /usr/bin/python3), "
        "or pip install grpcio grpcio-tools"
    )

# docs/examples/python-adapter/adapter.py -> the repository root, whose proto/ holds the contract.
PROTO_DIR = Path(__file__).resolve().parents[3] / "proto"
ADAPTER_PROTO = "motlan/adapter/v1/registry_adapter.proto"
HEALTH_PROTO = "grpc/health/v1/health.proto"

REGISTRY = "vehicle-registration"
ADAPTER_VERSION = "python-example-0.1.0"
# Vietnamese number plates as written on the registration certificate: 30A-123.45, 51F-678.90.
PLATE_PATTERN = r"^[0-9]{2}[A-Z]{1,2}-[0-9]{3}\.[0-9]{2}$"

# What Describe answers, in the contract's JSON form (enum values by name). The gateway learns the
# registry, its dataset, the subject key it validates and the fields clients may ask for from this.
DESCRIPTION = {
    "registry": REGISTRY,
    "contractVersion": "1.0",  # Deliver is not implemented: the gateway never calls it
    "adapterVersion": ADAPTER_VERSION,
    "datasets": [
        {
            "name": "vehicle",
            "description": "A registered road vehicle, by its number plate",
            "subjectKey": {
                # Not a well-known format: the gateway checks ids against the pattern only.
                "name": "vn-plate",
                "pattern": PLATE_PATTERN,
                "description": "a number plate such as 30A-123.45",
            },
            "fields": [
                {"name": "plateNumber", "type": "FIELD_TYPE_STRING", "description": "Number plate"},
                {"name": "ownerName", "type": "FIELD_TYPE_STRING", "description": "Registered owner", "personal": True},
                {"name": "ownerId", "type": "FIELD_TYPE_STRING", "description": "Owner's CCCD", "personal": True},
                {"name": "brand", "type": "FIELD_TYPE_STRING", "description": "Make"},
                {"name": "model", "type": "FIELD_TYPE_STRING", "description": "Model"},
                {"name": "colour", "type": "FIELD_TYPE_STRING", "description": "Colour"},
                {"name": "firstRegistered", "type": "FIELD_TYPE_DATE", "description": "Date of first registration"},
            ],
            "maxAgeSeconds": 600,
            "sensitivity": "SENSITIVITY_NORMAL",
        }
    ],
}

# The registry's records. A real adapter asks its database here; keep the same shape of answer.
# Each record has a version that grows with every change, and when it last changed.
RECORDS = {
    "30A-123.45": {
        "version": 3,
        "asOf": "2025-03-14T02:30:00Z",
        "record": {
            "plateNumber": "30A-123.45",
            "ownerName": "Nguyễn Văn An",
            "ownerId": "001099012345",
            "brand": "VinFast",
            "model": "VF 8",
            "colour": "trắng",
            "firstRegistered": "2023-06-01",
        },
    },
    "51F-678.90": {
        "version": 1,
        "asOf": "2024-11-02T07:00:00Z",
        "record": {
            "plateNumber": "51F-678.90",
            "ownerName": "Trần Thị Bình",
            "ownerId": "079185004321",
            "brand": "Toyota",
            "model": "Vios",
            "colour": "bạc",
            "firstRegistered": "2024-11-02",
        },
    },
}


def load_contract():
    """Compiles proto/ into a descriptor set and returns its message classes by full name."""
    includes = resources.files("grpc_tools") / "_proto"  # google/protobuf/struct.proto and friends
    with tempfile.TemporaryDirectory() as work:
        out = os.path.join(work, "contract.pb")
        status = protoc.main(
            ["protoc", f"-I{PROTO_DIR}", f"-I{includes}", f"--descriptor_set_out={out}", "--include_imports", ADAPTER_PROTO, HEALTH_PROTO]
        )
        if status != 0:
            sys.exit(f"adapter.py: protoc could not compile {PROTO_DIR} (exit {status})")
        files = descriptor_pb2.FileDescriptorSet.FromString(Path(out).read_bytes()).file
    pool = descriptor_pool.Default()
    for file in files:
        try:
            pool.FindFileByName(file.name)  # the well-known types are there already
        except KeyError:
            pool.Add(file)

    def message(name):
        descriptor = pool.FindMessageTypeByName(name)
        if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
            return message_factory.GetMessageClass(descriptor)
        return message_factory.MessageFactory(pool).GetPrototype(descriptor)

    names = [
        "motlan.adapter.v1.DescribeRequest",
        "motlan.adapter.v1.DescribeResponse",
        "motlan.adapter.v1.LookupRequest",
        "motlan.adapter.v1.LookupResponse",
        "grpc.health.v1.HealthCheckRequest",
        "grpc.health.v1.HealthCheckResponse",
    ]
    return {name.split(".")[-1]: message(name) for name in names}


class RegistryAdapter:
    """Describe and Lookup. Errors are gRPC status codes, as the contract says."""

    def __init__(self, messages, replica):
        self.m = messages
        self.replica = replica
        self.description = json_format.ParseDict(DESCRIPTION, messages["DescribeResponse"]())
        self.fields = {f["name"] for f in DESCRIPTION["datasets"][0]["fields"]}

    def describe(self, request, context):
        return self.description

    def lookup(self, request, context):
        # The gateway's request id, to find this call in its audit trail. Subject ids and records are
        # personal data: they are never logged.
        request_id = dict(context.invocation_metadata()).get("x-request-id", "-")
        if request.dataset != "vehicle":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unknown dataset {request.dataset}")
        if not re.match(PLATE_PATTERN, request.subject_id):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "subject_id must be a number plate such as 30A-123.45")
        unknown = [f for f in request.fields if f not in self.fields]
        if unknown:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unknown fields: {', '.join(unknown)}")

        entry = RECORDS.get(request.subject_id)
        print(f"lookup request_id={request_id} replica={self.replica} found={str(entry is not None).lower()}", flush=True)
        if entry is None:
            return self.m["LookupResponse"](found=False)  # not an error: the registry holds no such subject
        wanted = list(request.fields) or sorted(self.fields)
        answer = {
            "found": True,
            "record": {name: entry["record"][name] for name in wanted},
            "recordVersion": str(entry["version"]),
            "asOf": entry["asOf"],
        }
        return json_format.ParseDict(answer, self.m["LookupResponse"]())


class Health:
    """grpc.health.v1.Health: SERVING for the whole server and for the adapter service."""

    SERVICES = ("", "motlan.adapter.v1.RegistryAdapter")

    def __init__(self, messages):
        self.m = messages
        self.stopping = threading.Event()

    def status(self, request, context):
        if request.service not in self.SERVICES:
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service}")
        return self.m["HealthCheckResponse"](status="NOT_SERVING" if self.stopping.is_set() else "SERVING")

    def check(self, request, context):
        return self.status(request, context)

    def watch(self, request, context):
        # The status never changes until shutdown: send it once and hold the stream open.
        yield self.status(request, context)
        ended = threading.Event()
        context.add_callback(ended.set)
        while not ended.wait(1) and not self.stopping.is_set():
            pass


def serve(host, port, replica):
    m = load_contract()
    adapter = RegistryAdapter(m, replica)
    health = Health(m)

    def unary(handler, request, response):
        return grpc.unary_unary_rpc_method_handler(handler, request_deserializer=request.FromString, response_serializer=response.SerializeToString)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers(
        [
            grpc.method_handlers_generic_handler(
                "motlan.adapter.v1.RegistryAdapter",
                {
                    "Describe": unary(adapter.describe, m["DescribeRequest"], m["DescribeResponse"]),
                    "Lookup": unary(adapter.lookup, m["LookupRequest"], m["LookupResponse"]),
                    # Deliver is left out: the gateway gets UNIMPLEMENTED, which the contract allows.
                },
            ),
            grpc.method_handlers_generic_handler(
                "grpc.health.v1.Health",
                {
                    "Check": unary(health.check, m["HealthCheckRequest"], m["HealthCheckResponse"]),
                    "Watch": grpc.unary_stream_rpc_method_handler(
                        health.watch, request_deserializer=m["HealthCheckRequest"].FromString, response_serializer=m["HealthCheckResponse"].SerializeToString
                    ),
                },
            ),
        ]
    )
    # Plaintext: for a loopback endpoint only (the gateway refuses plaintext elsewhere). In
    # production use server.add_secure_port with grpc.ssl_server_credentials(..., require_client_auth=True).
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        sys.exit(f"adapter.py: cannot listen on {host}:{port}")
    server.start()
    print(f"{REGISTRY} adapter {replica} listening on {host}:{bound}", flush=True)

    def stop(signum, frame):
        health.stopping.set()  # health answers NOT_SERVING while calls in flight finish
        server.stop(grace=5)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.wait_for_termination()


def main():
    parser = argparse.ArgumentParser(description=f"Motlan adapter for the {REGISTRY} registry (example, records in memory)")
    parser.add_argument("--host", default=os.environ.get("ADAPTER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ADAPTER_PORT", "50080")), help="0: any free port")
    parser.add_argument("--replica", default=os.environ.get("ADAPTER_REPLICA", "vehicle-1"), help="this replica's name, in its log lines")
    args = parser.parse_args()
    serve(args.host, args.port, args.replica)


if __name__ == "__main__":
    main()
