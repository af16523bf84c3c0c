#!/usr/bin/env python3
"""Smoke test of secexport-source over TLS: pages equal `dump`, order, window, counts, cursors,
parameters, the bearer token, every fault kind (hostile ones included) and its scheduling
options, /_stats, shutdown.

    python3 tools/event_source/smoke_test.py build/release/tools/event_source/secexport-source

Certificates come from tools/testenv/ca.py (in --tls-dir, default /tmp/es-tls). Exit status 0
when every check passes; each failure is printed with what was expected. Standard library and
curl only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

TOKEN = "smoke-token-Zx81qPp"
TENANT = "acme corp/é"  # percent-encoded in paths
N = 10_000
SEED = 7
DAY = "2026-11-22"
TOOLS = Path(__file__).resolve().parents[1]


def enc(s: str) -> str:
    return urllib.parse.quote(s, safe="")


def events_path(start: str, end: str, limit: int | None = None, cursor: str | None = None,
                tenant: str = TENANT) -> str:
    q = [("start", start), ("end", end)]
    if limit is not None:
        q.append(("limit", str(limit)))
    if cursor is not None:
        q.append(("cursor", cursor))
    return f"/v1/tenants/{enc(tenant)}/security_events?" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote)


def norm_time(s: str) -> str:
    """created_at normalised to microseconds (the generator writes .mmmZ or .uuuuuuZ)."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3}|\d{6})Z", s)
    assert m, f"unexpected created_at form {s!r}"
    return m.group(1) + "." + m.group(2).ljust(6, "0") + "Z"


def parse_bound(s: str) -> str:
    """An RFC 3339 query bound as a normalised UTC microsecond string, for comparisons."""
    from datetime import datetime, timedelta, timezone
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", s)
    assert m, s
    d = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    d += timedelta(microseconds=int((m.group(2) or "0")[:6].ljust(6, "0")))
    if m.group(3) != "Z":
        sign = 1 if m.group(3)[0] == "+" else -1
        d -= sign * timedelta(hours=int(m.group(3)[1:3]), minutes=int(m.group(3)[4:6]))
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class source:
    """A running `secexport-source serve`, stopped (SIGTERM, exit 0 expected) on exit."""

    def __init__(self, binary: str, tls: dict, *extra: str, env_token: bool = False, n: int = N):
        args = [binary, "serve", "--port", "0", "--tls-cert", tls["cert"], "--tls-key", tls["key"],
                "--seed", str(SEED), "--events-per-day", str(n), *extra]
        env = None
        if env_token:
            import os
            env = dict(os.environ, SECEXPORT_SOURCE_TOKEN=TOKEN)
        else:
            args += ["--token", TOKEN]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.proc.kill()
            raise AssertionError(f"serve printed {line!r}, stderr: {self.proc.stderr.read()!r}")
        self.port = int(line)
        self.ca = tls["ca"]
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self, timeout: float = 5.0) -> float:
        if self.proc.poll() is not None:
            return 0.0
        t = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout)
        assert rc == 0, f"serve exited {rc} on SIGTERM: {self.proc.stderr.read()!r}"
        return time.monotonic() - t

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)

    def get(self, path: str, token: str | None = TOKEN, conn=None, method: str = "GET"):
        own = conn is None
        c = conn or self.connect()
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        c.request(method, path, headers=headers)
        r = c.getresponse()
        body = r.read()
        if own:
            c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body

    def stats(self) -> dict:
        status, _, body = self.get("/_stats", token=None)
        assert status == 200
        return json.loads(body)


def curl_pages(src: source, start: str, end: str, limit: int) -> list[bytes]:
    """Follows next_cursor with curl until null; returns the raw page bodies."""
    pages, cursor = [], None
    while True:
        url = f"https://127.0.0.1:{src.port}" + events_path(start, end, limit, cursor)
        out = subprocess.run(["curl", "-sS", "--fail-with-body", "--cacert", src.ca, "-H",
                              f"Authorization: Bearer {TOKEN}", url], capture_output=True, check=True).stdout
        pages.append(out)
        cursor = json.loads(out)["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 10_000, "cursor chain does not end"


def page_event_texts(page: bytes) -> bytes:
    head, tail = b'{"events":[', page.rindex(b'],"next_cursor":')
    assert page.startswith(head), page[:40]
    return page[len(head):tail]


def dump(binary: str, start: str, end: str, tenant: str = TENANT, n: int = N) -> list[bytes]:
    out = subprocess.run([binary, "dump", "--seed", str(SEED), "--events-per-day", str(n), "--tenant", tenant,
                          "--start", start, "--end", end], capture_output=True, check=True).stdout
    return out.split(b"\n")[:-1]


# ---------------------------------------------------------------------------------------------

def check_pages_equal_dump(binary, tls):
    start, end = "2026-11-21T22:30:00+01:00", f"{DAY}T23:59:59.9995Z"  # 21:30Z .. inside the last ms
    with source(binary, tls) as src:
        pages = curl_pages(src, start, end, 997)
    lines = dump(binary, start, end)
    joined = b",".join(p for p in (page_event_texts(pg) for pg in pages) if p)
    assert joined == b",".join(lines), "pages differ from dump"
    events = [json.loads(l) for l in lines]
    per_page = [len(json.loads(p)["events"]) for p in pages]
    assert sum(per_page) == len(events) and all(c == 997 for c in per_page[:-1]), per_page
    lo, hi = parse_bound(start), parse_bound(end)
    keys = [(norm_time(e["created_at"]), e["id"]) for e in events]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "not in ascending (created_at, id) order"
    assert all(lo <= k[0] < hi for k in keys), "an event lies outside [start, end)"
    # 2026-11-21T21:30Z..22T00:00Z is part of the 21st; all of the 22nd up to 23:59:59.9995
    day22 = [k for k in keys if k[0].startswith(DAY)]
    assert len(day22) == N - 1, f"{len(day22)} events of {DAY} before 23:59:59.9995, expected {N - 1}"
    return f"{len(pages)} pages, {len(events)} events identical to dump, ordered, inside the window"


def check_day_shape(binary, tls):
    lines = dump(binary, f"{DAY}T00:00:00Z", "2026-11-23T00:00:00Z")
    assert len(lines) == N, len(lines)
    ev = [json.loads(l) for l in lines]
    assert ev[0]["created_at"] == f"{DAY}T00:00:00.000Z", ev[0]["created_at"]
    assert [e["created_at"] for e in ev[-3:]] == [f"{DAY}T23:59:59.999Z", f"{DAY}T23:59:59.999000Z",
                                                 f"{DAY}T23:59:59.999999Z"], [e["created_at"] for e in ev[-3:]]
    times = [norm_time(e["created_at"]) for e in ev]
    ties = sum(1 for a, b in zip(times, times[1:]) if a == b)
    ms = sum(1 for e in ev if len(e["created_at"]) == 24)
    assert ties > 20 and 0.1 < ms / N < 0.6, (ties, ms)
    names = {e["event_name"] for e in ev}
    assert len(names) == 49, len(names)
    for e in ev:
        assert set(e) == {"id", "created_at", "email_at_time_of_event", "current_email", "developer_id",
                          "event_name", "other_account", "properties"}, e.keys()
        assert isinstance(e["properties"], dict) and isinstance(e["developer_id"], str)
        assert e["current_email"] is None or isinstance(e["current_email"], str)
    nulls = sum(e["current_email"] is None for e in ev) / N
    assert 0.02 < nulls < 0.09, nulls
    text = b"\n".join(lines).decode("utf-8")
    for needle in ['\\"', "\\n", "\\t", "\\\\", "\\u00e9", "\\ud83d\\ude00", "😀", "日本語", "ß", '": ',
                   '"comment":"=', '"properties":{}', "+", "9007199254740993"]:
        assert needle in text, f"no event contains {needle!r}"
    sizes = sorted(len(l) for l in lines)
    assert 300 <= sizes[N // 2] <= 560 and sizes[-1] > 3000, (sizes[N // 2], sizes[-1])
    other_day = dump(binary, "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z")
    assert len(other_day) == N and other_day[5] != lines[5]
    other_tenant = dump(binary, f"{DAY}T00:00:00Z", "2026-11-23T00:00:00Z", tenant="globex")
    assert len(other_tenant) == N and other_tenant[5] != lines[5]
    return (f"{N} events/day, first 00:00:00.000Z, last three in the last ms, {ties} ties, "
            f"{ms / N:.0%} ms-precision text, median {sizes[N // 2]} B, max {sizes[-1]} B, all 49 names")


def check_parameters_and_cursors(binary, tls):
    with source(binary, tls) as src:
        start, end = f"{DAY}T00:00:00Z", "2026-11-23T00:00:00Z"
        s, _, b = src.get(events_path(start, end))
        assert s == 200 and len(json.loads(b)["events"]) == 1000, "default limit is not 1000"
        s, _, b2 = src.get(events_path("2026-11-22T01:00:00.000000000+01:00", "2026-11-23T00:00:00.0Z"))
        assert s == 200 and b2 == b, "offsets and precision in start/end are not honoured"
        page = json.loads(b)
        # the cursor is reusable (same answer twice) and bound to start/end
        p1 = src.get(events_path(start, end, cursor=page["next_cursor"]))
        p2 = src.get(events_path(start, end, cursor=page["next_cursor"]))
        assert p1[0] == 200 and p1[2] == p2[2]
        assert json.loads(p1[2])["events"][0]["id"] == "evt-20261122-000001000"
        bad = {
            events_path(start, end, cursor="garbage"): "cursor",
            events_path(start, "2026-11-23T00:00:01Z", cursor=page["next_cursor"]): "cursor",
            events_path(start, end, cursor=page["next_cursor"][:-1] + ("1" if page["next_cursor"][-1] == "0" else "0")): "cursor",
            events_path(start, end, limit=0): "limit",
            events_path(start, end, limit=10_001): "limit",
            f"/v1/tenants/x/security_events?start={start}&end={end}&limit=abc": "limit",
            f"/v1/tenants/x/security_events?end={end}": "start",
            f"/v1/tenants/x/security_events?start={start}": "end",
            f"/v1/tenants/x/security_events?start=yesterday&end={end}": "start",
            f"/v1/tenants/x/security_events?start={start}&end=2026-11-22T25:00:00Z": "end",
            f"/v1/tenants/x/security_events?start={end}&end={start}": "end",
            f"/v1/tenants/x/security_events?start={start}&end={end}&foo=1": "foo",
        }
        for path, name in bad.items():
            s, h, body = src.get(path)
            j = json.loads(body)
            assert s == 400 and j["error"] == "bad_request" and name in j["message"], (path, s, body)
        s, _, body = src.get(events_path(start, start))
        assert s == 200 and json.loads(body) == {"events": [], "next_cursor": None}
        for path, want in (("/v1/tenants/x/other", 404), ("/", 404), ("/v1/tenants//security_events", 404)):
            s, _, body = src.get(path)
            assert s == want and json.loads(body)["error"] == "not_found", (path, s)
        s, _, body = src.get(events_path(start, end), method="POST")
        assert s == 405, s
        # the last page's cursor is null exactly when the range is exhausted
        s, _, body = src.get(events_path(start, end, limit=10_000))
        assert s == 200 and json.loads(body)["next_cursor"] is None
    return "default limit, offsets, reusable bound cursors, 400 names the parameter, 404, 405, null cursor"


def check_token(binary, tls):
    with source(binary, tls, env_token=True) as src:
        path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T01:00:00Z", 5)
        for token in (None, "wrong-token-123456", TOKEN[:-1]):
            s, h, body = src.get(path, token=token)
            j = json.loads(body)
            assert s == 401 and j["error"] == "unauthorized" and j["message"], (s, body)
            assert TOKEN.encode() not in body and (token is None or token.encode() not in body)
            assert h.get("www-authenticate", "").startswith("Bearer")
        s, _, _ = src.get(path, token=TOKEN)
        assert s == 200
        st = src.get("/_stats", token=None)
        assert st[0] == 200 and TOKEN.encode() not in st[2]
    r = subprocess.run([binary, "serve", "--port", "0"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "token" in r.stderr, (r.returncode, r.stderr)
    return "401 without/with a wrong token (never echoed), SECEXPORT_SOURCE_TOKEN works, serve refuses to start without"


def check_keep_alive_latency_and_stats(binary, tls):
    with source(binary, tls, "--page-latency-ms", "300", "--threads", "2") as src:
        c = src.connect()
        path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z", 50)
        for _ in range(3):
            s, _, _ = src.get(path, conn=c)
            assert s == 200
        c.close()
        # eight clients at once: each page waits 300 ms, none waits for another
        results = []

        def one():
            results.append(src.get(path)[0])
        threads = [threading.Thread(target=one) for _ in range(8)]
        t = time.monotonic()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.monotonic() - t
        assert results == [200] * 8 and elapsed < 1.2, (results, elapsed)
        st = src.stats()
        assert st["page_requests"] == 11 and st["pages"] == 11 and st["events"] == 550, st
        assert st["connections"] >= 9 and st["responses"]["200"] == 11, st
    return f"keep-alive, 8 concurrent pages with 300 ms latency in {elapsed:.2f} s, /_stats counts"


def fault_server(binary, tls, *faults: str, extra=()):
    args = [a for f in faults for a in ("--fault", f)]
    return source(binary, tls, *args, *extra)


def check_status_faults(binary, tls):
    path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T06:00:00Z", 20)
    with fault_server(binary, tls, "503:every=2,retry_after=7", "429:request=3,retry_after", "500:request=5") as src:
        got = []
        for _ in range(7):
            s, h, body = src.get(path)
            got.append((s, h.get("retry-after"), h.get("x-page-request")))
            if s != 200:
                j = json.loads(body)
                assert j["error"] and j["message"], body
        assert got == [(200, None, "1"), (503, "7", "2"), (429, "1", "3"), (503, "7", "4"),
                       (500, None, "5"), (503, "7", "6"), (200, None, "7")], got
        st = src.stats()
        assert [f["fired"] for f in st["faults"]] == [3, 1, 1] and st["faults_fired"] == 5, st
    with fault_server(binary, tls, "503:first=2", "500:times=2") as src:
        got = [src.get(path)[:2] for _ in range(6)]
        assert [s for s, _ in got] == [503, 503, 500, 500, 200, 200], got
        assert all("retry-after" not in h for _, h in got), "Retry-After without retry_after"
    return "500/503/429 with and without Retry-After; request, first, every, times; first ending fault wins"


def check_rate_is_deterministic(binary, tls):
    path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T01:00:00Z", 5)
    runs = []
    for _ in range(2):
        with fault_server(binary, tls, "503:rate=0.3") as src:
            c = src.connect()
            runs.append([src.get(path, conn=c)[0] for _ in range(40)])
            c.close()
    assert runs[0] == runs[1], runs
    k = runs[0].count(503)
    assert 4 <= k <= 22, k
    return f"rate=0.3 fired {k}/40, the same requests on two runs"


def check_transport_faults(binary, tls):
    path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z", 200)
    with fault_server(binary, tls, "slow:request=1,delay_ms=700", "truncate:request=2", "reset:request=3",
                      "malformed:request=4") as src:
        _, _, normal = src.get("/v1/tenants/x/security_events?start=a", token=TOKEN)  # a 400: not counted
        t = time.monotonic()
        s, _, body = src.get(path)
        slow = time.monotonic() - t
        assert s == 200 and slow >= 0.7, (s, slow)
        full = body
        # truncate: a full Content-Length, half the body, then the connection closes
        c = src.connect()
        c.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}"})
        r = c.getresponse()
        assert r.status == 200 and int(r.getheader("Content-Length")) == len(full)
        try:
            r.read()
            raise AssertionError("truncate: the whole body arrived")
        except http.client.IncompleteRead as e:
            assert 0 < len(e.partial) < len(full) and full.startswith(e.partial), len(e.partial)
        c.close()
        # reset: no answer at all
        try:
            src.get(path)
            raise AssertionError("reset: an answer arrived")
        except (ConnectionError, http.client.RemoteDisconnected, ssl.SSLError, OSError):
            pass
        s, h, body = src.get(path)
        assert s == 200 and int(h["content-length"]) == len(body)
        try:
            json.loads(body)
            raise AssertionError("malformed: the body is valid JSON")
        except ValueError:
            pass
        assert body.startswith(full[: len(full) // 4])
        s, _, body = src.get(path)
        assert s == 200 and body == full, "a page after the faults differs"
        st = src.stats()
        assert st["faults_fired"] == 4 and st["page_requests"] == 5 and st["responses"]["reset"] == 1, st
    return f"slow ({slow:.2f} s), truncate, reset, malformed; a 400 is not a page request"


def check_content_faults(binary, tls):
    start, end = f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z"
    lo, hi = parse_bound(start), parse_bound(end)
    with source(binary, tls) as src:
        clean1 = json.loads(src.get(events_path(start, end, 100))[2])
        clean2 = json.loads(src.get(events_path(start, end, 100, clean1["next_cursor"]))[2])
        last_path = None
        # the last page of the range, for 'outside' after the end
        cur = clean2["next_cursor"]
        while True:
            page = json.loads(src.get(events_path(start, end, 1000, cur))[2])
            if page["next_cursor"] is None:
                last_path = events_path(start, end, 1000, cur)
                clean_last = page
                break
            cur = page["next_cursor"]
    p2 = events_path(start, end, 100, clean1["next_cursor"])
    p1 = events_path(start, end, 100)
    with fault_server(binary, tls, "duplicate:request=1", "duplicate:request=2", "outside:request=3",
                      "outside:request=4", "badevent:request=5", "badevent:request=6", "badutf8:request=7",
                      "badutf8:request=8") as src:
        d1 = json.loads(src.get(p1)[2])
        assert d1["events"][0] == d1["events"][1] == clean1["events"][0] and d1["events"][1:] == clean1["events"]
        d2 = json.loads(src.get(p2)[2])
        assert d2["events"][0] == clean1["events"][-1] and d2["events"][1:] == clean2["events"], "duplicate"
        assert d2["next_cursor"] == clean2["next_cursor"]
        o1 = json.loads(src.get(p1)[2])
        assert o1["events"][1:] == clean1["events"] and norm_time(o1["events"][0]["created_at"]) < lo
        assert o1["events"][0]["created_at"].startswith("2026-11-21T23:59:59.999999")
        o2 = json.loads(src.get(last_path)[2])
        assert o2["events"][:-1] == clean_last["events"] and norm_time(o2["events"][-1]["created_at"]) >= hi
        b1 = json.loads(src.get(p1)[2])["events"]
        b2 = json.loads(src.get(p1)[2])["events"]
        diff1 = [i for i, (a, b) in enumerate(zip(b1, clean1["events"])) if a != b]
        diff2 = [i for i, (a, b) in enumerate(zip(b2, clean1["events"])) if a != b]
        assert diff1 == [50] and "event_name" not in b1[50], diff1
        assert diff2 == [50] and isinstance(b2[50]["created_at"], int), diff2
        for _ in range(2):
            s, _, raw = src.get(p1)
            try:
                raw.decode("utf-8")
                raise AssertionError("badutf8: the page is valid UTF-8")
            except UnicodeDecodeError:
                pass
            fixed = json.loads(raw.decode("utf-8", errors="replace"))["events"]
            diffs = [i for i, (a, b) in enumerate(zip(fixed, clean1["events"])) if a != b]
            assert diffs == [33] and "note" in fixed[33]["properties"], diffs
    return "duplicate (first page and cursor page), outside (before start, after end), badevent x2, badutf8 x2"


def check_slow_fault_with_ending(binary, tls):
    path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T01:00:00Z", 5)
    with fault_server(binary, tls, "slow:first=1,delay_ms=400", "503:first=1", "duplicate:first=1") as src:
        t = time.monotonic()
        s, _, _ = src.get(path)
        assert s == 503 and time.monotonic() - t >= 0.4
        st = src.stats()
        assert [f["fired"] for f in st["faults"]] == [1, 1, 0], st["faults"]
    return "a slow 503; faults after the ending one neither fire nor count"


def differing(events, clean) -> list[int]:
    assert len(events) == len(clean), (len(events), len(clean))
    return [i for i, (a, b) in enumerate(zip(events, clean)) if a != b]


def without(event: dict, member: str) -> dict:
    e = dict(event, properties=dict(event["properties"]))
    del e["properties"][member]
    return e


def check_huge_fault(binary, tls):
    start, end = f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z"
    p1 = events_path(start, end, 100)
    with source(binary, tls) as src:
        clean = json.loads(src.get(p1)[2])
    size = 5_000_000
    with fault_server(binary, tls, f"huge:request=1,bytes={size}", f"huge:request=2,bytes={size}",
                      "huge:request=3,bytes=1000000", "truncate:request=3") as src:
        s, h, body = src.get(p1)
        assert s == 200 and int(h["content-length"]) == len(body) and len(body) >= size, (s, len(body))
        page = json.loads(body)
        assert len(body) == size, f"padded to {len(body)} bytes, not exactly {size}"
        first = page["events"][0]
        assert list(first["properties"])[0] == "pad" and set(first["properties"]["pad"]) == {"x"}
        assert len(first["properties"]["pad"]) > size - 100_000
        assert without(first, "pad") == clean["events"][0] and page["events"][1:] == clean["events"][1:]
        assert page["next_cursor"] == clean["next_cursor"], "huge changed next_cursor"
        # a page without events of its own: a top-level pad member
        s, _, body = src.get(events_path(start, start))
        page = json.loads(body)
        assert s == 200 and len(body) == size and page["events"] == [] and page["next_cursor"] is None
        assert set(page) == {"events", "next_cursor", "pad"}, set(page)
        # with truncate: the padded Content-Length, then half of it
        c = src.connect()
        c.request("GET", p1, headers={"Authorization": f"Bearer {TOKEN}"})
        r = c.getresponse()
        assert r.status == 200 and int(r.getheader("Content-Length")) == 1_000_000
        try:
            r.read()
            raise AssertionError("huge+truncate: the whole body arrived")
        except http.client.IncompleteRead as e:
            assert len(e.partial) == 500_000, len(e.partial)
        c.close()
        st = src.stats()
        assert [f["fired"] for f in st["faults"]] == [1, 1, 1, 1] and st["pages"] == 2, st
        assert st["bytes"] >= 2 * size + 500_000, st["bytes"]
    return f"huge: {size} B of valid JSON, pad first in the first event, events and cursor kept; empty page; with truncate"


def deep_value(body: bytes, levels: int) -> bytes:
    """Checks that the "deep" member holds `levels` nested objects and returns the body with
    the value replaced by 0 (Python's json cannot parse 10000 levels)."""
    at = body.index(b'"deep":') + len(b'"deep":')
    opened = b'{"a":' * (levels - 1) + b"{}" + b"}" * (levels - 1)
    assert body[at:at + len(opened)] == opened, body[at:at + 80]
    after = body[at + len(opened):at + len(opened) + 1]
    assert after in (b",", b"}"), after  # the value ends there
    return body[:at] + b"0" + body[at + len(opened):]


def check_deep_bigstring_nul_faults(binary, tls):
    start, end = f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z"
    p1 = events_path(start, end, 101)
    with source(binary, tls) as src:
        clean = json.loads(src.get(p1)[2])
    mid = 50  # floor(101 / 2)
    with fault_server(binary, tls, "deep:request=1", "deep:request=2,levels=40", "bigstring:request=3",
                      "bigstring:request=4,bytes=1001", "nul:request=5", "nul:request=6",
                      "deep:request=7,levels=3", "bigstring:request=7,bytes=10", "nul:request=7") as src:
        # deep, default 10000 levels: checked in the text, the rest parsed
        s, _, body = src.get(p1)
        page = json.loads(deep_value(body, 10_000))
        assert s == 200 and differing(page["events"], clean["events"]) == [mid]
        assert list(page["events"][mid]["properties"])[0] == "deep"
        assert without(page["events"][mid], "deep") == clean["events"][mid]
        assert page["next_cursor"] == clean["next_cursor"]
        # deep, 40 levels: parsed, nesting depth counted
        page = json.loads(src.get(p1)[2])
        v, depth = page["events"][mid]["properties"]["deep"], 0
        while isinstance(v, dict):
            depth += 1
            v = v.get("a")
        assert depth == 40, depth
        # bigstring, default 10000000 bytes, then 1001 (not a multiple of the repeated text)
        for want in (10_000_000, 1001):
            s, _, body = src.get(p1)
            page = json.loads(body)
            assert differing(page["events"], clean["events"]) == [mid]
            big = page["events"][mid]["properties"]["big"]
            assert len(big) == want and big.isascii() and big.isprintable(), len(big)
            assert "," in big and '"' in big and b'\\"' in body
            assert without(page["events"][mid], "big") == clean["events"][mid]
        # nul: odd request numbers the escape only (valid JSON), even ones also a raw NUL
        s, _, body = src.get(p1)  # request 5
        assert b"\x00" not in body and b'"nul":"a\\u0000b"' in body
        page = json.loads(body)
        assert differing(page["events"], clean["events"]) == [mid]
        assert page["events"][mid]["properties"]["nul"] == "a\x00b"
        assert without(page["events"][mid], "nul") == clean["events"][mid]
        s, _, body = src.get(p1)  # request 6
        assert body.count(b"\x00") == 1, body.count(b"\x00")
        try:
            json.loads(body)
            raise AssertionError("nul: a raw NUL in a string was accepted as JSON")
        except ValueError:
            pass
        page = json.loads(body, strict=False)  # control characters allowed
        name = clean["events"][mid]["event_name"]
        assert page["events"][mid]["event_name"] == name[0] + "\x00" + name[1:]
        assert page["events"][mid]["properties"]["nul"] == "a\x00b"
        # all three on one event: they combine, in a fixed order
        page = json.loads(src.get(p1)[2])  # request 7 (odd: no raw NUL)
        props = page["events"][mid]["properties"]
        assert list(props)[:3] == ["deep", "big", "nul"], list(props)[:3]
        assert props["deep"] == {"a": {"a": {}}} and len(props["big"]) == 10 and props["nul"] == "a\x00b"
        st = src.stats()
        assert [f["fired"] for f in st["faults"]] == [1] * 9 and st["pages"] == 7, st
    return "deep (10000 and 40 levels), bigstring (10 MB and 1001 B), nul (escaped; raw on even requests), combined"


def check_cursorloop_fault(binary, tls):
    start, end = f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z"
    with source(binary, tls) as src:
        clean1 = json.loads(src.get(events_path(start, end, 100))[2])
        cursor = clean1["next_cursor"]
        clean2 = json.loads(src.get(events_path(start, end, 100, cursor))[2])
        last_path = events_path(start, end, 10_000, cursor)
        clean_last = json.loads(src.get(last_path)[2])
        assert clean_last["next_cursor"] is None
    with fault_server(binary, tls, "cursorloop") as src:
        # a first page: a cursor that leads back to the first page
        page = json.loads(src.get(events_path(start, end, 100))[2])
        assert page["events"] == clean1["events"] and page["next_cursor"] not in (None, cursor)
        loop = page["next_cursor"]
        for _ in range(3):
            s, _, body = src.get(events_path(start, end, 100, loop))
            again = json.loads(body)
            assert s == 200 and again["events"] == clean1["events"] and again["next_cursor"] == loop, s
        # a cursor page: next_cursor is the requested cursor, and following it repeats the page
        for _ in range(2):
            page = json.loads(src.get(events_path(start, end, 100, cursor))[2])
            assert page["events"] == clean2["events"] and page["next_cursor"] == cursor
        # even the last page does not end the chain
        page = json.loads(src.get(last_path)[2])
        assert page["events"] == clean_last["events"] and page["next_cursor"] == cursor
        st = src.stats()
        assert st["faults"][0]["fired"] == 7 and st["responses"] == {"200": 7}, st
    return "cursorloop: first page loops to itself, cursor pages return their own cursor, the last page too"


def check_endless_fault(binary, tls):
    path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z", 100)
    with fault_server(binary, tls, "endless:request=1", "endless:request=3,interval_ms=50") as src:
        def open_endless():
            sock = src.ctx.wrap_socket(socket.create_connection(("127.0.0.1", src.port)),
                                       server_hostname="127.0.0.1")
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
            sock.settimeout(0.25)
            return sock

        def read_for(sock, seconds: float) -> bytes:
            got, until = b"", time.monotonic() + seconds
            while time.monotonic() < until:
                try:
                    data = sock.recv(65536)
                except (socket.timeout, TimeoutError):
                    continue
                assert data, "endless: the server closed the connection"
                got += data
            return got

        sock = open_endless()
        t = time.monotonic()
        got = read_for(sock, 0.6)
        head, _, body = got.partition(b"\r\n\r\n")
        headers = head.decode().lower()
        assert headers.startswith("http/1.1 200") and "transfer-encoding: chunked" in headers, headers
        assert "content-length" not in headers and "content-type: application/json" in headers, headers
        assert b'{"events":[{"id":"evt-20261122-000000000"' in body, body[:80]
        # the server answers another request meanwhile
        t2 = time.monotonic()
        s, _, _ = src.get(path)  # request 2
        assert s == 200 and time.monotonic() - t2 < 1.0, "endless blocks other connections"
        body += read_for(sock, 2.0 - (time.monotonic() - t))
        assert time.monotonic() - t >= 2.0 and b"\r\n0\r\n\r\n" not in body, "endless: the body ended"
        chunks = body.count(b"\r\n10\r\n" + b" " * 16)
        assert 5 <= chunks <= 12, f"{chunks} filler chunks in 2 s at 200 ms"
        # a second endless one at 50 ms, then both clients go away: the server lets go of them
        fast = open_endless()  # request 3
        n = len(read_for(fast, 1.0))
        assert n > 16 * 12, n
        sock.close()
        fast.close()
        deadline = time.monotonic() + 5
        while src.stats()["active_connections"] > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        st = src.stats()
        assert st["active_connections"] == 1, st  # the /_stats request's own
        assert [f["fired"] for f in st["faults"]] == [1, 1] and st["pages"] == 1, st
    # shutdown with an endless answer in progress
    with fault_server(binary, tls, "endless") as src:
        held = src.ctx.wrap_socket(socket.create_connection(("127.0.0.1", src.port)), server_hostname="127.0.0.1")
        held.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
        held.settimeout(2)
        assert held.recv(100).startswith(b"HTTP/1.1 200")
        took = src.stop()
        held.close()
        assert took < 2.0, took
    return f"endless: first bytes, {chunks} filler chunks and no end in 2 s, others served, clients leaving freed, stop in {took:.2f} s"


def check_html_fault(binary, tls):
    path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z", 100)
    with fault_server(binary, tls, "duplicate:request=1", "html:request=1", "500:request=1") as src:
        s, h, body = src.get(path)
        assert s == 200 and h["content-type"] == "text/html; charset=utf-8", (s, h)
        assert body == (b"<!DOCTYPE html><html><head><title>Gateway login</title></head>"
                        b"<body>Please sign in</body></html>"), body
        assert int(h["content-length"]) == len(body) and h["x-page-request"] == "1"
        s, h, body = src.get(path)
        assert s == 200 and h["content-type"] == "application/json" and json.loads(body)["events"]
        st = src.stats()
        assert [f["fired"] for f in st["faults"]] == [1, 1, 0] and st["pages"] == 1, st
    return "html: a 200 login page with its content type and length; it ends the evaluation"


def check_cli_errors(binary, tls):
    cases = [
        ([binary, "serve", "--token", TOKEN, "--fault", "503:evry=2"], "evry"),
        ([binary, "serve", "--token", TOKEN, "--fault", "explode"], "explode"),
        ([binary, "serve", "--token", TOKEN, "--fault", "500:retry_after=3"], "retry_after"),
        ([binary, "serve", "--token", TOKEN, "--fault", "huge:bytes=0"], "bytes must be an integer from 1"),
        ([binary, "serve", "--token", TOKEN, "--fault", "deep:bytes=5"], "bytes applies to huge and bigstring"),
        ([binary, "serve", "--token", TOKEN, "--fault", "deep:levels=0"], "levels"),
        ([binary, "serve", "--token", TOKEN, "--fault", "endless:interval_ms=0"], "interval_ms"),
        ([binary, "serve", "--token", TOKEN, "--fault", "html:interval_ms=5"], "interval_ms applies to endless"),
        ([binary, "serve", "--token", TOKEN, "--tls-cert", "/nonexistent.pem", "--tls-key", tls["key"]], "nonexistent"),
        ([binary, "dump", "--tenant", "t", "--start", "nope", "--end", "2026-11-22T00:00:00Z"], "start"),
    ]
    for args, needle in cases:
        r = subprocess.run(args, capture_output=True, text=True, timeout=10)
        assert r.returncode in (1, 2) and needle in r.stderr and TOKEN not in r.stderr, (args, r.returncode, r.stderr)
    return "bad --fault specs, TLS files and dump bounds are refused with the reason"


def check_deadlines(binary, tls):
    with source(binary, tls, "--io-timeout-s", "1", n=100_000_000) as src:
        path = events_path(f"{DAY}T00:00:00Z", f"{DAY}T12:00:00Z", 10_000)
        # a client that asks for a 5 MB page and never reads it cannot pin its connection
        stuck = ssl.create_default_context(cafile=src.ca).wrap_socket(
            socket.create_connection(("127.0.0.1", src.port)), server_hostname="127.0.0.1")
        stuck.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
        idle = src.connect()
        assert src.get(path.replace("10000", "5"), conn=idle)[0] == 200
        time.sleep(0.2)
        assert src.get(path.replace("10000", "5"))[0] == 200, "a stuck client blocks others"
        deadline = time.monotonic() + 5
        while src.stats()["active_connections"] > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        left = src.stats()["active_connections"]  # only the /_stats request's own connection
        assert left <= 1, left
        try:
            src.get(path, conn=idle)
            raise AssertionError("an idle connection outlived --io-timeout-s")
        except (ConnectionError, http.client.HTTPException, ssl.SSLError, OSError):
            pass
        stuck.close()
    return "an unread 5 MB page and an idle keep-alive connection are closed after --io-timeout-s"


def check_shutdown(binary, tls):
    src = source(binary, tls)
    c = src.connect()
    assert src.get(events_path(f"{DAY}T00:00:00Z", f"{DAY}T01:00:00Z", 5), conn=c)[0] == 200
    idle = socket.create_connection(("127.0.0.1", src.port))  # never sends anything
    took = src.stop()
    idle.close()
    c.close()
    assert took < 2.0, took
    return f"SIGTERM with open connections: exit 0 in {took:.2f} s"


CHECKS = [check_pages_equal_dump, check_day_shape, check_parameters_and_cursors, check_token,
          check_keep_alive_latency_and_stats, check_status_faults, check_rate_is_deterministic,
          check_transport_faults, check_content_faults, check_huge_fault, check_deep_bigstring_nul_faults,
          check_cursorloop_fault, check_endless_fault, check_html_fault, check_slow_fault_with_ending, check_cli_errors,
          check_deadlines, check_shutdown]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--tls-dir", default="/tmp/es-tls")
    ap.add_argument("-k", help="run only checks whose name contains this")
    a = ap.parse_args()
    sys.path.insert(0, str(TOOLS))
    from testenv.ca import ensure_certs
    paths = ensure_certs(a.tls_dir)
    tls = {"ca": str(paths.ca), "cert": str(paths.cert), "key": str(paths.key)}
    failed = 0
    for check in CHECKS:
        if a.k and a.k not in check.__name__:
            continue
        t = time.monotonic()
        try:
            what = check(a.binary, tls)
            print(f"ok   {check.__name__} ({time.monotonic() - t:.1f} s): {what}")
        except Exception:
            failed += 1
            print(f"FAIL {check.__name__}:\n{traceback.format_exc()}")
    print("all checks passed" if not failed else f"{failed} check(s) failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
