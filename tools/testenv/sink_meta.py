"""The sink's answer to HEAD: the size of the object most recently uploaded, read from the
sink's access log. nginx discards bodies and remembers nothing, but clients that check what
they uploaded (rclone always, secexport export unless --no-size-check) HEAD the object after
CompleteMultipartUpload and compare its Content-Length with what they sent. Benchmarks run
one upload at a time, so "the last upload" is the object being asked about.

    python3 sink_meta.py PORT ACCESS_LOG
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def last_object_size(log: Path) -> int | None:
    """Body bytes of the last PutObject, or of the parts since the last CreateMultipartUpload
    once it completed; None when nothing has been completed yet.

    nginx logs a request after answering it, and each worker writes its own lines: the last
    UploadPart's line can land after the Complete's, or a moment after the client has already
    sent HEAD. So parts count until the next create, and the log is read until it stops
    changing for 30 ms."""
    text = log.read_text() if log.exists() else ""
    while True:
        time.sleep(0.03)
        again = log.read_text() if log.exists() else ""
        if again == text:
            break
        text = again
    kind, size, parts, finished = None, None, 0, False
    lines = text.splitlines()
    for line in lines:
        fields = line.split()
        if len(fields) < 4 or not fields[2].startswith("2"):
            continue
        op, body = fields[0], int(fields[3]) if fields[3].isdigit() else 0
        if op == "create":
            kind, parts, finished = "multipart", 0, False
        elif op == "part":
            parts += body
        elif op == "complete":
            finished = True
        elif op == "put":
            kind, size, finished = "put", body, True
    if not finished:
        return None
    return parts if kind == "multipart" else size


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    log_path: Path

    def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
        size = last_object_size(self.log_path)
        self.send_response(200 if size is not None else 404)
        self.send_header("Content-Length", str(size or 0))
        self.send_header("ETag", '"9b2cf535f27731c974343645a3985328-1"')
        self.send_header("Last-Modified", "Wed, 25 Nov 2026 00:00:00 GMT")
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


def main() -> None:
    port, log = int(sys.argv[1]), Path(sys.argv[2])
    Handler.log_path = log
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
