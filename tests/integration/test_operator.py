"""What an operator sees, against moto over TLS: the progress line redrawn in place on a
terminal (a pseudo-terminal) and absent otherwise, `--output json` of export, upload and run,
`run --dry-run` from the bucket's manifests, the metrics textfile of `run --metrics-file` and
a scrape of `daemon --metrics-listen` during a pass, checked by `promtool check metrics`
(Debian's prometheus package) and by a parser of the exposition format."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import support
from support import policies

PROMTOOL = shutil.which("promtool")
TENANT = "ops-corp"
# A sample line of the text exposition format: name, labels, value (no timestamps here).
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? '
                    r'(-?[0-9.e+]+|NaN|[+-]Inf)$')


def run_on_pty(args: list[str], env: dict, timeout: float = 300) -> tuple[int, str, bytes]:
    """Runs secexport with stderr on a pseudo-terminal and stdout on a pipe: (status, stdout,
    every byte written to the terminal)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([support.BIN, *args], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=slave)
    os.close(slave)
    tty = b""
    while True:
        ready, _, _ = select.select([master], [], [], timeout)
        if not ready:
            p.kill()
            raise AssertionError("no output on the terminal for %s s" % timeout)
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        tty += chunk
    out = p.stdout.read().decode()
    p.stdout.close()
    os.close(master)
    return p.wait(timeout=timeout), out, tty


def parse_exposition(text: str) -> dict[str, dict]:
    """The families of a text exposition: {name: {"type", "help", "samples": [(name, labels, value)]}};
    raises AssertionError on a line that is not the format."""
    families: dict[str, dict] = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            families.setdefault(name, {"samples": []})[kind.lower()] = rest
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        name = m.group(1)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        fam = families.get(name) or families.get(base)
        assert fam is not None, f"sample {name} before its # TYPE"
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        fam["samples"].append((name, labels, float(m.group(3))))
    return families


class operator_test(support.tenant_harness):
    def export_args(self, src, prefix: str, *extra) -> list[str]:
        return ["export", "--tenant", TENANT, "--date", "2026-11-22", "--source-url", src.url, "--bucket",
                self.bucket, "--prefix", prefix, "--endpoint-url", self.st["endpoint"], *extra]

    def test_the_progress_line_is_redrawn_on_a_terminal_and_absent_elsewhere(self):
        # 40 pages of 100 events, one at a time, 60 ms each: a few seconds of export.
        slow = ["--page-limit", "100", "--source-concurrency", "1"]
        with support.event_source(self.st, 4000, latency_ms=60) as src:
            env = support.export_env(self.st)
            status, out, tty = run_on_pty(self.export_args(src, support.unique("progress"), *slow), env)
            self.assertEqual(status, 0, tty)
            self.assertIn("exported 4000 rows", out)
            text = tty.decode(errors="replace")
            draws = re.findall(r"\r\x1b\[K(tenant ops-corp, 2026-11-22 · (\d+)% of the window[^\r]*)", text)
            self.assertGreaterEqual(len(draws), 3, text)
            percents = [int(p) for _, p in draws]
            self.assertEqual(percents, sorted(percents), "the position only moves forward")
            self.assertLess(percents[0], 100)
            self.assertRegex(draws[-1][0], r"rows · [0-9.]+ MB · [0-9.]+ MB/s · ETA")
            self.assertTrue(text.endswith("\r\x1b[K") or "\r\x1b[K" in text[-200:], "the line is taken away")
            # stderr not a terminal: no line, whatever happens
            r = support.run(self.export_args(src, support.unique("progress"), *slow), env)
            self.assertEqual(r.returncode, 0, r)
            self.assertNotIn("\x1b[K", r.stderr)
            self.assertNotIn("% of the window", r.stderr)
            # --quiet on a terminal: no line and no info logs
            status, out, tty = run_on_pty(self.export_args(src, support.unique("progress"), "--quiet"), env)
            self.assertEqual(status, 0, tty)
            self.assertNotIn(b"\x1b[K", tty)
            self.assertNotIn(b"export starting", tty)
            # --progress on a pipe forces it
            r = support.run(self.export_args(src, support.unique("progress"), "--progress", *slow), env)
            self.assertIn("% of the window", r.stderr)

    def test_upload_draws_its_progress_with_the_fraction_of_a_file(self):
        path = os.path.join(self.dir, "upload.bin")
        with open(path, "wb") as f:
            f.write(os.urandom(24 << 20))
        env = support.base_env(self.st)
        status, out, tty = run_on_pty(["upload", path, f"s3://{self.bucket}/{support.unique('up')}/x.bin",
                                       "--endpoint-url", self.st["endpoint"], "--progress", "--concurrency", "1",
                                       "--part-size", "5MiB", "--max-memory", "10MiB"], env)
        self.assertEqual(status, 0, tty)
        self.assertRegex(tty.decode(errors="replace"), r"uploading · [0-9.]+ MB of 25\.2 MB \(\d+%\)")

    def test_output_json_of_export_and_upload_parses_and_says_what_was_written(self):
        with support.event_source(self.st, 500) as src:
            prefix = support.unique("json")
            r = support.run(self.export_args(src, prefix, "--output", "json"), support.export_env(self.st))
            self.assertEqual(r.returncode, 0, r)
            doc = json.loads(r.stdout)
            key = support.report_key(prefix, TENANT, "2026-11-22")
            self.assertEqual(doc["status"], "ok")
            self.assertEqual(doc["key"], key)
            self.assertEqual(doc["rows"], 500)
            self.assertEqual(doc["sha256"], support.object_sha256(self.st, key))
            self.assertEqual(doc["window"], {"start": "2026-11-22T00:00:00Z", "end": "2026-11-23T00:00:00Z"})
            self.assertEqual(doc["manifest"], f"s3://{self.bucket}/{key.removesuffix('.csv')}.manifest.json")
            self.assertFalse(doc["partial"])
        data = os.urandom(3 << 20)
        key = support.unique("json") + "/blob"
        r = support.run(["upload", "-", f"s3://{self.bucket}/{key}", "--endpoint-url", self.st["endpoint"],
                         "--output", "json"], support.base_env(self.st), stdin_bytes=data)
        self.assertEqual(r.returncode, 0, r)
        doc = json.loads(r.stdout)
        self.assertEqual((doc["bytes"], doc["key"], doc["method"]), (len(data), key, "PutObject"))

    def test_run_dry_run_output_json_and_the_metrics_file(self):
        d = tempfile.mkdtemp(prefix="secexport-ops-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("ops")
        user = self.key_user(policies.spec_policy(self.bucket))
        metrics = os.path.join(d, "secexport.prom")
        with support.event_source(self.st, 300) as src:
            self.save_in(d, "ops-a", user, prefix, src.url)
            self.save_in(d, "ops-b", user, prefix, "https://127.0.0.1:9")  # its source is down: it fails
            s3 = support.clients.client(self.st, "s3", "admin")
            key = support.report_key(prefix, "ops-a", "2026-11-23").removesuffix(".csv") + ".manifest.json"
            s3.put_object(Bucket=self.bucket, Key=key, Body=b"{}")
            now = "2026-11-25T00:10:00Z"

            r = self.run_job("--all-tenants", "--catch-up-days", "3", "--dry-run", fake_now=now, dir=d)
            self.assertEqual(r.returncode, 0, r)
            self.assertRegex(r.stdout, r"ops-a\s+2026-11-22,2026-11-24\s+1 of 3 day\(s\) already exported")
            r = self.run_job("--all-tenants", "--catch-up-days", "3", "--dry-run", "--output", "json", fake_now=now,
                             dir=d)
            plans = {t["tenant"]: t for t in json.loads(r.stdout)["tenants"]}
            self.assertEqual(plans["ops-a"]["would_export"], ["2026-11-22", "2026-11-24"])
            self.assertEqual(plans["ops-b"]["would_export"], ["2026-11-22", "2026-11-23", "2026-11-24"])
            self.assertFalse(support.open_uploads(self.st, prefix), "a dry run starts no upload")
            self.assertIsNone(support.manifest(self.st, support.report_key(prefix, "ops-a", "2026-11-22")))

            r = self.run_job("--all-tenants", "--catch-up-days", "3", "--output", "json", "--max-attempts", "1",
                             "--metrics-file", metrics, fake_now=now, dir=d)
            self.assertEqual(r.returncode, 1, r)  # ops-b failed
            doc = json.loads(r.stdout)
            self.assertEqual(doc["status"], "failed")
            out = {t["tenant"]: t for t in doc["tenants"]}
            self.assertEqual(out["ops-a"]["status"], "ok")
            self.assertEqual([x["day"] for x in out["ops-a"]["days"]], ["2026-11-22", "2026-11-24"])
            self.assertEqual(out["ops-a"]["days_already_exported"], 1)
            self.assertEqual(out["ops-b"]["status"], "failed")
            self.assertIn("127.0.0.1:9", out["ops-b"]["error"])

            r = self.run_job("--all-tenants", "--catch-up-days", "3", "--dry-run", fake_now=now, dir=d)
            self.assertRegex(r.stdout, r"ops-a\s+-\s+3 of 3 day\(s\) already exported")

        with open(metrics) as f:
            text = f.read()
        fams = parse_exposition(text)
        for name, kind in (("secexport_rows_exported_total", "counter"), ("secexport_exports_total", "counter"),
                           ("secexport_export_failures_total", "counter"), ("secexport_retries_total", "counter"),
                           ("secexport_export_duration_seconds", "histogram"),
                           ("secexport_last_exported_day_timestamp_seconds", "gauge"),
                           ("secexport_parts_in_flight", "gauge"), ("secexport_part_buffer_bytes", "gauge"),
                           ("secexport_bytes_exported_total", "counter"), ("secexport_build_info", "gauge")):
            self.assertEqual(fams.get(name, {}).get("type"), kind, name)
        def value(name, **labels):
            return sum(v for n, l, v in fams[name]["samples"] if n == name and all(l.get(k) == x for k, x in labels.items()))
        self.assertEqual(value("secexport_rows_exported_total", tenant="ops-a"), 600)
        self.assertEqual(value("secexport_exports_total", tenant="ops-a", result="ok"), 2)
        self.assertEqual(value("secexport_export_failures_total", tenant="ops-b"), 1)
        self.assertEqual(value("secexport_last_exported_day_timestamp_seconds", tenant="ops-a"), 1795478400)
        self.assertEqual(value("secexport_parts_in_flight"), 0, "nothing in flight once the run is over")
        self.assertEqual([f for f in os.listdir(d) if ".prom." in f], [], "no temporary file left")
        if PROMTOOL:
            p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        else:
            print("promtool not installed (Debian package prometheus): only the parser checked the file")

    def test_a_scrape_of_the_daemon_during_a_pass_passes_promtool(self):
        import threading
        import urllib.request
        d = tempfile.mkdtemp(prefix="secexport-scrape-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("scrape")
        user = self.key_user(policies.spec_policy(self.bucket))
        with support.event_source(self.st, 20_000, latency_ms=40) as src:
            self.save_in(d, "scraped", user, prefix, src.url)
            p = self.start_daemon(d, "2026-11-25T00:10:00Z", "--page-limit", "500", "--source-concurrency", "1",
                                  "--part-size", "5MiB", "--metrics-listen", "127.0.0.1:0")
            lines: list[str] = []
            found = threading.Event()
            def read():
                for line in p.stderr:
                    lines.append(line)
                    if '"serving metrics"' in line:
                        found.set()
            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            self.assertTrue(found.wait(30), "".join(lines))
            url = json.loads(next(l for l in lines if '"serving metrics"' in l))["url"]
            base = url.removesuffix("/metrics")
            with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
                self.assertEqual(r.read(), b"ok\n")
            key = support.report_key(prefix, "scraped", "2026-11-24")
            during = []
            deadline = time.monotonic() + 120
            while support.manifest(self.st, key) is None and time.monotonic() < deadline and p.poll() is None:
                with urllib.request.urlopen(url, timeout=10) as r:
                    self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
                    during.append(r.read().decode())
                time.sleep(0.3)
            self.assertIsNotNone(support.manifest(self.st, key), "".join(lines))
            with urllib.request.urlopen(url, timeout=10) as r:
                after = r.read().decode()
            p.send_signal(signal.SIGTERM)
            out, _ = p.communicate(timeout=60)
            reader.join(10)
            support._capture("".join(lines))
            self.assertEqual(p.returncode, 0, "".join(lines))
        self.assertTrue(during, "scraped while the export ran")
        busy = [t for t in during
                if any(v > 0 for n, _, v in parse_exposition(t)["secexport_part_buffer_bytes"]["samples"])]
        self.assertTrue(busy, "a scrape during the export saw part buffers in use")
        fams = parse_exposition(after)
        rows = [v for n, l, v in fams["secexport_rows_exported_total"]["samples"] if l.get("tenant") == "scraped"]
        self.assertEqual(rows, [20_000])
        for text in (during[0], during[-1], after):
            if PROMTOOL:
                r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
