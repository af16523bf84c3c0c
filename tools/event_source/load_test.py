#!/usr/bin/env python3
"""Served throughput of secexport-source over TLS (or --plain HTTP) on loopback: pages/s and MB/s.

    python3 tools/event_source/load_test.py build/release/tools/event_source/secexport-source \
        [--clients 4] [--pages 40] [--limit 5000] [--events-per-day 100000000] [--threads 1]

Two client kinds, both with keep-alive connections:
  curl    each client is one curl process fetching --pages independent pages (different
          start times, no cursor) over one connection: an efficient C client;
  cursor  each client is a Python process following next_cursor through its own time slice,
          the way the exporter reads (Python's TLS and parsing cost more CPU than curl's).
The server and the clients share the machine, so these numbers are a lower bound for the
server alone. Standard library and curl only.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

TOKEN = "load-token-5521ab"
DAY = "2026-11-22"


def path(start: str, end: str, limit: int, cursor: str | None = None) -> str:
    q = [("start", start), ("end", end), ("limit", str(limit))]
    if cursor:
        q.append(("cursor", cursor))
    return "/v1/tenants/bench/security_events?" + urllib.parse.urlencode(q)


def minute(k: int) -> str:
    return f"{DAY}T{k // 60 % 24:02d}:{k % 60:02d}:00Z"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def curl_client(port: int, ca: str | None, urls: list[str]) -> int:
    scheme = "https" if ca else "http"
    with tempfile.NamedTemporaryFile("w", suffix=".curl", delete=False) as f:
        for u in urls:
            f.write(f'url = "{scheme}://127.0.0.1:{port}{u}"\noutput = "/dev/null"\n')
        cfg = f.name
    out = subprocess.run(["curl", "-sS", "--fail", *(["--cacert", ca] if ca else []), "-H", f"Authorization: Bearer {TOKEN}",
                          "-w", "%{size_download}\n", "-K", cfg], capture_output=True, text=True, check=True).stdout
    os.unlink(cfg)
    return sum(int(x) for x in out.split())


def cursor_client(args) -> tuple[int, int]:
    port, ca, start, end, limit, max_pages = args
    if ca:
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(cafile=ca), timeout=60)
    else:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cursor, pages, nbytes = None, 0, 0
    while pages < max_pages:
        c.request("GET", path(start, end, limit, cursor), headers={"Authorization": f"Bearer {TOKEN}"})
        r = c.getresponse()
        body = r.read()
        assert r.status == 200, (r.status, body[:200])
        pages += 1
        nbytes += len(body)
        i = body.rfind(b'"next_cursor":')
        tail = body[i + 14:-1]
        if tail == b"null":
            break
        cursor = tail.strip(b'"').decode()
    c.close()
    return pages, nbytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--pages", type=int, default=40, help="pages per client")
    ap.add_argument("--limit", type=int, default=5000)
    ap.add_argument("--events-per-day", type=int, default=100_000_000)
    ap.add_argument("--threads", type=int, default=1, help="server io_context threads")
    ap.add_argument("--tls-dir", default="/tmp/es-tls")
    ap.add_argument("--kind", choices=["curl", "cursor", "both"], default="both")
    ap.add_argument("--plain", action="store_true", help="plain HTTP instead of TLS")
    a = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from testenv.ca import ensure_certs
    tls = ensure_certs(a.tls_dir)

    tls_args = [] if a.plain else ["--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]
    ca = None if a.plain else str(tls.ca)
    proc = subprocess.Popen([a.binary, "serve", "--port", "0", *tls_args, "--token", TOKEN, "--events-per-day", str(a.events_per_day), "--threads", str(a.threads)],
                            stdout=subprocess.PIPE)
    port = int(proc.stdout.readline())
    try:
        # warm-up: the tenant's pool and the TLS session cache
        curl_client(port, ca, [path(minute(0), minute(1), 10)])
        if a.kind in ("curl", "both"):
            jobs = [[path(minute(c * a.pages + p), f"{DAY}T23:59:00Z", a.limit) for p in range(a.pages)]
                    for c in range(a.clients)]
            t, cpu = time.monotonic(), cpu_seconds(proc.pid)
            with multiprocessing.Pool(a.clients) as pool:
                sizes = pool.starmap(curl_client, [(port, ca, j) for j in jobs])
            dt, cpu = time.monotonic() - t, cpu_seconds(proc.pid) - cpu
            pages = a.clients * a.pages
            print(f"curl   x{a.clients}: {pages} pages, {sum(sizes) / 1e6:.0f} MB in {dt:.2f} s: "
                  f"{pages / dt:.0f} pages/s, {sum(sizes) / dt / 1e6:.0f} MB/s "
                  f"({sum(sizes) / pages / 1e6:.2f} MB/page); server CPU {cpu:.2f} s = "
                  f"{cpu / (sum(sizes) / 1e9):.2f} s/GB")
        if a.kind in ("cursor", "both"):
            slice_minutes = 24 * 60 // a.clients
            jobs = [(port, ca, minute(c * slice_minutes), minute((c + 1) * slice_minutes) if c + 1 < a.clients
                     else "2026-11-23T00:00:00Z", a.limit, a.pages) for c in range(a.clients)]
            t, cpu = time.monotonic(), cpu_seconds(proc.pid)
            with multiprocessing.Pool(a.clients) as pool:
                res = pool.map(cursor_client, jobs)
            dt, cpu = time.monotonic() - t, cpu_seconds(proc.pid) - cpu
            pages, nbytes = sum(p for p, _ in res), sum(b for _, b in res)
            print(f"cursor x{a.clients}: {pages} pages, {nbytes / 1e6:.0f} MB in {dt:.2f} s: "
                  f"{pages / dt:.0f} pages/s, {nbytes / dt / 1e6:.0f} MB/s; server CPU {cpu:.2f} s = "
                  f"{cpu / (nbytes / 1e9):.2f} s/GB")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
