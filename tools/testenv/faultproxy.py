"""A fault-injecting HTTPS reverse proxy for integration tests.

It sits between secexport and a real server (moto, radosgw), forwards every request
unchanged (the Host header and the signed request stay intact) and, when a rule matches,
injects a fault instead: an error response (503 SlowDown storms, 500 InternalError,
ExpiredToken, RequestTimeTooSkewed, 301 PermanentRedirect, ...), a connection reset
before or after forwarding (a lost response), a stall, a truncated response, or one byte of
the request body flipped on its way to the server (what a faulty middlebox or a bad NIC does:
TLS cannot catch it, only end-to-end checksums can). Every
request is logged as one JSON line, so tests can assert what happened on the wire.

    python3 tools/testenv/faultproxy.py --upstream https://127.0.0.1:PORT --ca CA.pem \\
        --cert server.pem --key server.key --rules rules.json --log requests.jsonl
    # prints "PORT\\n" once listening on 127.0.0.1:PORT (TLS)

rules.json is a list of rules, re-read whenever the file changes (counters restart):
    {"op": "UploadPart",        # S3/STS operation, or "*"; see operation()
     "after": 1,                 # let this many matching requests through first
     "times": 2,                 # then inject this many times (-1: always)
     "action": "respond",        # respond | reset | forward_then_reset | stall | truncate | corrupt
     "probability": 0.1,         # only this share of the matching requests (seeded, repeatable)
     "seed": 7,                  # for probability and for the byte corrupt flips
     "status": 503, "code": "SlowDown", "message": "...", "headers": {"Retry-After": "1"},
     "seconds": 3}               # for stall
"""

from __future__ import annotations

import argparse
import asyncio
import random
import email.utils
import json
import os
import ssl
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


def operation(method: str, target: str, body: bytes) -> str:
    """The S3 or STS operation a request performs."""
    query = urlsplit(target).query
    q = parse_qs(query, keep_blank_values=True)
    if method == "POST" and body.startswith(b"Action="):
        return parse_qs(body.decode(errors="replace")).get("Action", ["?"])[0]
    if method == "POST" and "uploads" in q:
        return "CreateMultipartUpload"
    if method == "PUT" and "partNumber" in q:
        return "UploadPart"
    if method == "POST" and "uploadId" in q:
        return "CompleteMultipartUpload"
    if method == "DELETE" and "uploadId" in q:
        return "AbortMultipartUpload"
    if method == "GET" and "location" in q:
        return "GetBucketLocation"
    if method == "GET" and ("list-type" in q or urlsplit(target).path.count("/") <= 1):
        return "ListObjectsV2"
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)


class rules:
    def __init__(self, path: Path | None):
        self.path, self.mtime, self.items, self.seen, self.rngs = path, None, [], [], []

    def match(self, op: str) -> dict | None:
        if self.path and self.path.exists():
            mtime = self.path.stat().st_mtime_ns
            if mtime != self.mtime:
                self.mtime, self.items = mtime, json.loads(self.path.read_text() or "[]")
                self.seen = [0] * len(self.items)
                self.rngs = [random.Random(r.get("seed", 1)) for r in self.items]
        for i, r in enumerate(self.items):
            if r.get("op", "*") not in ("*", op):
                continue
            if "probability" in r and self.rngs[i].random() >= r["probability"]:
                continue
            self.seen[i] += 1
            after, times = r.get("after", 0), r.get("times", 1)
            if self.seen[i] > after and (times < 0 or self.seen[i] <= after + times):
                return r
        return None


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


def header(head: bytes, name: str) -> str | None:
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.encode():
            return v.strip().decode()
    return None


async def read_body(reader: asyncio.StreamReader, head: bytes, response: bool = False,
                    response_to_head: bool = False, status: int = 200) -> bytes:
    if response_to_head or status in (204, 304) or 100 <= status < 200:
        return b""
    if (header(head, "transfer-encoding") or "").lower() == "chunked":
        out = b""
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            out += line + chunk
            if size == 0:
                return out
    n = header(head, "content-length")
    if n is None:  # a request without a body, or a response delimited by the connection's end
        return await reader.read() if response else b""
    return await reader.readexactly(int(n))


def error_response(rule: dict) -> bytes:
    status = rule.get("status", 503)
    code = rule.get("code", "SlowDown")
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
            f'<Message>{rule.get("message", "injected by faultproxy")}</Message>'
            f'<RequestId>faultproxy</RequestId></Error>').encode()
    headers = {"Content-Type": "application/xml", "Content-Length": str(len(body)),
               "Date": email.utils.formatdate(usegmt=True), **rule.get("headers", {})}
    head = f"HTTP/1.1 {status} Injected\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body


class proxy:
    def __init__(self, args):
        self.upstream = urlsplit(args.upstream)
        self.upstream_ctx = ssl.create_default_context(cafile=args.ca) if self.upstream.scheme == "https" else None
        self.rules = rules(Path(args.rules) if args.rules else None)
        self.log = open(args.log, "a", buffering=1) if args.log else None

    def record(self, **fields) -> None:
        if self.log:
            self.log.write(json.dumps({"t": round(time.time(), 3), **fields}) + "\n")

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader = up_writer = None
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    return
                method, target = head.split(b" ", 2)[:2]
                method, target = method.decode(), target.decode()
                body = await read_body(reader, head)
                op = operation(method, target, body)
                rule = self.rules.match(op)
                action = rule.get("action", "respond") if rule else None
                # STS form bodies (Action=...) carry no secret: logged so tests can check parameters.
                form = body.decode(errors="replace") if body.startswith(b"Action=") else None
                self.record(op=op, method=method, target=target, fault=action, rule=rule and rule.get("code"),
                            form=form)
                if action == "respond":
                    writer.write(error_response(rule))
                    await writer.drain()
                    continue
                if action == "reset":
                    writer.transport.abort()
                    return
                if action == "stall":
                    await asyncio.sleep(rule.get("seconds", 5))
                if action == "corrupt" and body:
                    flipped = bytearray(body)
                    at = random.Random(f"{rule.get('seed', 1)}:{len(body)}:{body[:64]!r}").randrange(len(body))
                    flipped[at] ^= 0x20
                    body = bytes(flipped)
                if up_writer is None:
                    up_reader, up_writer = await asyncio.open_connection(
                        self.upstream.hostname, self.upstream.port, ssl=self.upstream_ctx,
                        server_hostname=self.upstream.hostname if self.upstream_ctx else None)
                up_writer.write(head + body)
                await up_writer.drain()
                rhead = await read_head(up_reader)
                if rhead is None:
                    writer.transport.abort()
                    return
                status = int(rhead.split(b" ", 2)[1])
                rbody = await read_body(up_reader, rhead, True, method == "HEAD", status)
                if action == "forward_then_reset":  # the server acted, the client never hears
                    writer.transport.abort()
                    return
                if action == "truncate":
                    writer.write(rhead + rbody[: len(rbody) // 2])
                    await writer.drain()
                    writer.transport.abort()
                    return
                writer.write(rhead + rbody)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            return
        finally:
            for w in (writer, up_writer):
                if w is not None:
                    try:
                        w.close()
                    except Exception:  # noqa: BLE001
                        pass


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True)
    p.add_argument("--ca", help="CA bundle to verify the upstream")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--rules")
    p.add_argument("--log")
    p.add_argument("--port", type=int, default=0)
    args = p.parse_args()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    server = await asyncio.start_server(proxy(args).handle, "127.0.0.1", args.port, ssl=ctx)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
