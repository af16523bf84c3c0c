"""A discarding S3 sink for benchmarks: `secexport-sink` (tools/s3_sink) over TLS answers
PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload,
HeadObject (the size of the object last uploaded, for clients that check it), GetBucketLocation
and ListObjects like S3, reads and throws away every body, and logs each request's size, so a
benchmark can check that every byte arrived. It checks no signature and stores nothing: it
exists so that every tool under test uploads to the same sink, and so that the sink costs the
2-core machine as little as possible (about 0.5 CPU s per GiB received, most of it AES-GCM).
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from . import ca
from .procs import StartError, free_ports, spawn, wait_until
from .state import BUCKET, REGION

ROOT = Path(__file__).resolve().parents[2]


SINK_RELEASE = ROOT / "build/release/tools/s3_sink/secexport-sink"
SINK_DEBUG = ROOT / "build/debug/tools/s3_sink/secexport-sink"


def sink_binary() -> Path:
    """SECEXPORT_SINK_BIN, else the release build's, else the debug build's."""
    if os.environ.get("SECEXPORT_SINK_BIN"):
        return Path(os.environ["SECEXPORT_SINK_BIN"])
    for p in (SINK_RELEASE, SINK_DEBUG):
        if p.exists():
            return p
    raise StartError("secexport-sink is not built: run `cmake --preset release && cmake --build --preset release` "
                     "(or set SECEXPORT_SINK_BIN)")


def _accepts(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        return True


def start(state_dir: Path) -> dict:
    started = time.monotonic()
    certs = ca.ensure_certs(state_dir / "tls")
    (port,) = free_ports(1)
    d = state_dir / "sink"
    d.mkdir(parents=True, exist_ok=True)
    access_log = d / "access.log"
    access_log.unlink(missing_ok=True)
    log = d / "stderr.log"
    proc = spawn(state_dir, "sink", [str(sink_binary()), "--port", str(port), "--cert", str(certs.cert),
                                     "--key", str(certs.key), "--log", str(access_log)], log)
    wait_until("secexport-sink", lambda: _accepts(port), timeout=10, proc=proc, log=log)
    return {
        "kind": "sink",
        "endpoint": f"https://127.0.0.1:{port}",
        "ca_file": str(certs.ca),
        "region": REGION,
        "bucket": BUCKET,
        "access_log": str(access_log),
        "users": {},
        "pids": {"sink": proc.pid},
        "start_seconds": round(time.monotonic() - started, 2),
    }


def body_bytes(state: dict) -> int:
    """Object bytes of every UploadPart and PutObject the sink has answered so far (decoded from
    aws-chunked framing where a client uses it). The sink logs a request before it answers it,
    so once a client has exited all of its bytes are counted."""
    total = 0
    for line in Path(state["access_log"]).read_text().splitlines():
        op, _request_bytes, status, body = line.split()
        if op in ("part", "put") and status.startswith("2"):
            total += int(body)
    return total
