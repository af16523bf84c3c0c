"""A discarding S3 sink for benchmarks: nginx over TLS that answers PutObject,
CreateMultipartUpload, UploadPart, CompleteMultipartUpload and AbortMultipartUpload like S3,
reads and throws away every body, and logs each request's size, so a benchmark can check
that every byte arrived. It checks no signature and stores nothing: it exists so that every
tool under test uploads to the same sink, and so the sink is not the bottleneck (nginx
discards at well over a gigabyte per second per core).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from . import ca, nginx
from .procs import free_ports, spawn
from .state import BUCKET, REGION

HTTP_EXTRA = r"""
    log_format sink '$s3_op $request_length $status $content_length';
    map "$request_method $args" $s3_op {
        default                           other;
        "~^POST uploads"                  create;
        "~^PUT .*partNumber="             part;
        "~^POST .*uploadId="              complete;
        "~^DELETE .*uploadId="            abort;
        "~^PUT $"                         put;
        "~^HEAD "                         head;
        "~^GET .*location"                location;
        "~^GET "                          list;
    }"""

LOCATIONS = r"""location / {
            add_header ETag '"9b2cf535f27731c974343645a3985328"' always;
            add_header x-amz-request-id sink always;
            default_type application/xml;
            if ($s3_op = create) {
                return 200 '<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>sink-upload-id</UploadId></InitiateMultipartUploadResult>';
            }
            if ($s3_op = complete) {
                return 200 '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Location>sink</Location><Bucket>b</Bucket><Key>k</Key><ETag>"9b2cf535f27731c974343645a3985328-1"</ETag></CompleteMultipartUploadResult>';
            }
            if ($s3_op = abort) {
                return 204;
            }
            if ($s3_op = head) {
                # sink_meta.py answers with the size of the last upload and a multipart ETag
                # (which, unlike a plain one, no client takes for an MD5 to compare)
                proxy_pass http://127.0.0.1:META_PORT;
                add_header x-amz-request-id sink always;  # and no fixed ETag: this level's only
            }
            if ($s3_op = location) {
                return 200 '<?xml version="1.0" encoding="UTF-8"?><LocationConstraint/>';
            }
            if ($s3_op = list) {
                return 200 '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix></Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>';
            }
            # a bare `return` here would also run after the HEAD `if` above and answer it
            if ($s3_op != head) {
                return 200 '';
            }
        }"""


def start(state_dir: Path, workers: int = 2) -> dict:
    """Two nginx workers by default: the sink must never be what limits a benchmark."""
    started = time.monotonic()
    certs = ca.ensure_certs(state_dir / "tls")
    tls_port, meta_port = free_ports(2)
    access_log = state_dir / "nginx" / "access.log"
    meta = spawn(state_dir, "sink-meta", [sys.executable, str(Path(__file__).with_name("sink_meta.py")),
                                          str(meta_port), str(access_log)], state_dir / "sink-meta.log")
    locations = LOCATIONS.replace("META_PORT", str(meta_port))
    proc = nginx.start_with(state_dir, tls_port, certs, locations, http_extra=HTTP_EXTRA, log_format="sink",
                            workers=workers)
    return {
        "kind": "sink",
        "endpoint": f"https://127.0.0.1:{tls_port}",
        "ca_file": str(certs.ca),
        "region": REGION,
        "bucket": BUCKET,
        "access_log": str(access_log),
        "users": {},
        "pids": {"nginx": proc.pid, "sink-meta": meta.pid},
        "start_seconds": round(time.monotonic() - started, 2),
    }


def received(state: dict) -> dict[str, int]:
    """Request bytes (headers included) and request counts per operation, from the log."""
    totals: dict[str, int] = {}
    for line in Path(state["access_log"]).read_text().splitlines():
        op, length, _status, _body = line.split()
        totals[op + "_bytes"] = totals.get(op + "_bytes", 0) + int(length)
        totals[op] = totals.get(op, 0) + 1
    return totals
