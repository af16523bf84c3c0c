#!/usr/bin/env python3
"""End-to-end benchmarks of secexport on this machine, everything on loopback over TLS:
a discarding S3 sink (tools/s3_sink, started by tools/testenv/sink_env.py) that every tool uploads to, and the
local event source (tools/event_source) serving generated days. Each measurement runs
/usr/bin/time around the client process only (the sink and the source are separate
processes): wall seconds, user+sys CPU seconds, peak RSS. Tools are alternated and
repeated; the tables show medians. First it runs `tools/install-deps.sh --bench` (Debian's
rclone and perf, the JS SDK from npm; idempotent, a fraction of a second when all is there)
and builds the release binaries if they are missing; --no-setup skips both.

    python3 bench/e2e.py upload  [--bytes 2GiB] [--runs 3]      secexport upload vs aws/boto3/rclone/JS SDK/curl
    python3 bench/e2e.py export  [--events 2700000] [--runs 3] [--baseline OLD_BINARY]
                                                                secexport export vs requests+csv+boto3 (and an older build)
    python3 bench/e2e.py compress [--events 2700000] [--runs 3] [--codecs none,gzip:1,zstd:1]
                                                                export with each codec: rows/s, CPU/GiB of CSV, size ratio
    python3 bench/e2e.py memory  [--sizes 500MB,5GB]            peak RSS and CPU/GB across day sizes
    python3 bench/e2e.py latency [--latency-ms 50]              throughput vs --source-concurrency
    python3 bench/e2e.py pages   [--events 300000]              peak RSS with 50 MB pages under --max-memory
    python3 bench/e2e.py profile [--events 2700000] [--keep DIR]  one export under perf record -g
    python3 bench/e2e.py all [--runs 3]                         all of them

Every one but profile takes --write DOC (docs/PERFORMANCE.md): its tables replace the ones
between that section's <!-- bench:NAME --> markers, stamped with the date and the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from testenv import env as testenv, sink_env  # noqa: E402

SECEXPORT = ROOT / "build/release/secexport"
SOURCE = ROOT / "build/release/tools/event_source/secexport-source"
EXPORT_EVENTS = 2_700_000  # the export benchmark's day: about 1.07 GB of CSV
BYTES_PER_ROW = 400  # CSV bytes per generated event, measured
GiB = 1 << 30
TOKEN = "bench-source-token-0123456789"


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text}")
    mult = {"B": 1, None: 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KiB": 1 << 10, "MiB": 1 << 20,
            "GiB": 1 << 30}[m.group(2)]
    return int(float(m.group(1)) * mult)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


class run:
    """One measured process: seconds, cpu (user+sys), rss_mib, machine_busy (cores busy on
    average, all processes), and its output."""

    def __init__(self, cmd: str, env: dict, stdin_cmd: str | None = None, check=True):
        busy_before = machine_busy_seconds()
        with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
            timed = f"/usr/bin/time -f '%e %U %S %M' -o {t.name} {cmd}"
            shell = f"{stdin_cmd} | {timed}" if stdin_cmd else timed
            p = subprocess.run(["bash", "-o", "pipefail", "-c", shell], env=env, capture_output=True, text=True)
            fields = t.read().split()
        if check and p.returncode != 0:
            raise RuntimeError(f"{cmd} failed ({p.returncode}):\n{p.stderr[-3000:]}")
        e, u, s, m = fields[-4:]
        self.seconds, self.cpu, self.rss_mib = float(e), float(u) + float(s), int(m) / 1024
        self.machine_busy = (machine_busy_seconds() - busy_before) / max(self.seconds, 1e-9)
        self.stdout, self.stderr, self.returncode = p.stdout, p.stderr, p.returncode


def median(values):
    return statistics.median(values) if values else float("nan")


class servers:
    """The sink (and, for exports, the event source) for one benchmark."""

    def __init__(self, events_per_day: int = 0, latency_ms: int = 0, source_threads: int = 2,
                 faults: tuple[str, ...] = (), max_limit: int = 10000):
        self.dir = Path(tempfile.mkdtemp(prefix="secexport-bench-"))
        self.events, self.latency_ms, self.source_threads = events_per_day, latency_ms, source_threads
        self.faults, self.max_limit = faults, max_limit
        self.source = None

    def __enter__(self):
        self.sink = testenv.start("sink", self.dir / "sink")
        self.ca = self.sink["ca_file"]
        if self.events:
            tls = self.dir / "sink" / "tls"
            cmd = [str(SOURCE), "serve", "--tls-cert", str(tls / "server.pem"), "--tls-key", str(tls / "server.key"),
                   "--events-per-day", str(self.events), "--threads", str(self.source_threads),
                   "--page-latency-ms", str(self.latency_ms), "--max-limit", str(self.max_limit)]
            for f in self.faults:
                cmd += ["--fault", f]
            self.source = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                                           env=dict(os.environ, SECEXPORT_SOURCE_TOKEN=TOKEN))
            self.source_url = f"https://127.0.0.1:{int(self.source.stdout.readline())}"
        return self

    def __exit__(self, *exc):
        if self.source:
            self.source.terminate()
            self.source.wait(timeout=10)
        testenv.stop(self.dir / "sink")
        shutil.rmtree(self.dir, ignore_errors=True)

    def env(self) -> dict:
        e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REQUESTS_", "CURL_", "SSL_CERT"))}
        e.update(AWS_ACCESS_KEY_ID="AKIABENCHMARK", AWS_SECRET_ACCESS_KEY="bench-secret-access-key",
                 AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_CA_BUNDLE=self.ca,
                 AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                 SECEXPORT_SOURCE_TOKEN=TOKEN, REQUESTS_CA_BUNDLE=self.ca)
        return e


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"


# ------------------------------------------------------------------------- upload

def upload_tools(s: servers, key: str) -> dict[str, str]:
    ep, ca, b = s.sink["endpoint"], s.ca, "bench"
    # rclone's AWS SDK refuses AWS_CA_BUNDLE next to its own transport: give it --ca-cert only.
    rclone = (f"env -u AWS_CA_BUNDLE rclone rcat --s3-provider Other --s3-region us-east-1 "
              f"--s3-endpoint {ep} --s3-env-auth --ca-cert {ca} "
              f"--s3-chunk-size 16Mi --s3-upload-concurrency 4 --s3-no-check-bucket :s3:{b}/{key}")
    boto = (f"python3 -c \"import boto3,sys; from boto3.s3.transfer import TransferConfig as T; "
            f"boto3.client('s3',endpoint_url='{ep}',verify='{ca}').upload_fileobj(sys.stdin.buffer,'{b}','{key}',"
            f"Config=T(multipart_chunksize=16<<20,max_concurrency=4))\"")
    return {
        "secexport upload (signed payload)": f"{SECEXPORT} --log-level warn upload --endpoint-url {ep} --payload signed "
                                            f"- s3://{b}/{key}",
        "secexport upload (unsigned + crc32c)": f"{SECEXPORT} --log-level warn upload --endpoint-url {ep} "
                                               f"--payload unsigned --checksum crc32c - s3://{b}/{key}",
        "aws s3 cp - (8 MiB parts)": f"aws --endpoint-url {ep} s3 cp - s3://{b}/{key}",
        "boto3 upload_fileobj (16 MiB x 4)": boto,
        "rclone rcat": rclone,
        **({"AWS SDK for JavaScript v3 lib-storage (16 MiB x 4)":
            f"env NODE_EXTRA_CA_CERTS={ca} NODE_NO_WARNINGS=1 node {ROOT}/bench/peers/js/upload.mjs {ep} {b} {key}"}
           if (ROOT / "bench/peers/js/node_modules").is_dir() else {}),
        "curl -T, one PUT, no signing (floor)": f"curl -sS --cacert {ca} -T - {ep}/{b}/{key}",
    }


def bench_upload(size: int, runs: int) -> dict:
    results: dict[str, list[run]] = {}
    with servers() as s:
        tools = upload_tools(s, "bench/upload.bin")
        for _ in range(runs):
            for name, cmd in tools.items():  # alternating, so drift hits every tool alike
                before = sink_env.body_bytes(s.sink)
                results.setdefault(name, []).append(run(cmd, s.env(), stdin_cmd=f"head -c {size} /dev/zero"))
                if (got := sink_env.body_bytes(s.sink) - before) != size:
                    raise RuntimeError(f"{name}: the sink received {got} body bytes, not {size}")
    return {"size": size, "runs": runs, "results": results}


def upload_table(r: dict) -> str:
    size = r["size"]
    rows = {}
    for name, runs in r["results"].items():
        secs = median([x.seconds for x in runs])
        rows[name] = (size / 1e6 / secs, median([x.cpu for x in runs]) / (size / GiB), median([x.rss_mib for x in runs]))
    aws = rows.get("aws s3 cp - (8 MiB parts)")
    curl = rows.get("curl -T, one PUT, no signing (floor)")
    out = ["| tool | MB/s | client CPU s/GiB | peak RSS MiB | MB/s vs aws | CPU vs aws | CPU vs curl |",
           "|---|---|---|---|---|---|---|"]
    for name, (mbs, cpu, rss) in rows.items():
        out.append(f"| {name} | {mbs:,.0f} | {cpu:.2f} | {rss:.0f} | {mbs / aws[0]:.2f}x | {cpu / aws[1]:.2f}x | "
                   f"{cpu / curl[1]:.2f}x |")
    return "\n".join(out)


# ------------------------------------------------------------------------- export

def export_cmd(s: servers, extra: str = "", date: str = "2026-11-22", limit: int = 5000) -> str:
    return (f"{SECEXPORT} --log-level warn export --tenant bench --date {date} --source-url {s.source_url} "
            f"--bucket bench --endpoint-url {s.sink['endpoint']} --page-limit {limit} {extra}")


def rows_of(r: run) -> int:
    m = re.search(r"exported (\d+) rows \((\d+) bytes\)", r.stdout) or re.search(r"exported (\d+) rows", r.stdout)
    return int(m.group(1))


def bench_export(events: int, runs: int, baseline: str | None = None) -> dict:
    results: dict[str, list[run]] = {}
    with servers(events) as s:
        py = (f"python3 {ROOT}/bench/peers/python_export.py --source-url {s.source_url} --tenant bench "
              f"--date 2026-11-22 --endpoint-url {s.sink['endpoint']} --bucket bench --key py.csv --limit 5000 "
              f"--ca {s.ca}")
        probe = run(export_cmd(s), s.env())
        csv_bytes = sizes_of(probe)[0]
        for _ in range(runs):
            results.setdefault("secexport export", []).append(run(export_cmd(s), s.env()))
            if baseline:  # another build of secexport, alternated with this one in the same session
                cmd = export_cmd(s).replace(str(SECEXPORT), baseline, 1)
                results.setdefault(f"secexport export ({baseline})", []).append(run(cmd, s.env()))
            results.setdefault("Python: requests + csv + boto3", []).append(run(py, s.env()))
    return {"events": events, "csv_bytes": csv_bytes, "runs": runs, "results": results}


def export_table(r: dict) -> str:
    events, size = r["events"], r["csv_bytes"]
    rows = {}
    for name, runs in r["results"].items():
        secs = median([x.seconds for x in runs])
        rows[name] = (events / secs, size / 1e6 / secs, median([x.cpu for x in runs]) / (size / GiB),
                      median([x.rss_mib for x in runs]))
    py = rows["Python: requests + csv + boto3"]
    out = ["| tool | rows/s | MB/s of CSV | client CPU s/GiB of CSV | peak RSS MiB | rows/s vs Python | CPU vs Python |",
           "|---|---|---|---|---|---|---|"]
    for name, (rps, mbs, cpu, rss) in rows.items():
        out.append(f"| {name} | {rps:,.0f} | {mbs:,.0f} | {cpu:.2f} | {rss:.0f} | {rps / py[0]:.1f}x | "
                   f"1/{py[2] / cpu:.1f} |")
    return "\n".join(out)


# ------------------------------------------------------------------------- compression

DEFAULT_CODECS = "none,gzip:1,zstd:1"


def codec_flags(spec: str) -> str:
    """"none", "gzip:6", "zstd" (the default level) -> the export's flags."""
    codec, _, level = spec.partition(":")
    if codec == "none":
        return ""
    return f"--compress {codec}" + (f" --compress-level {level}" if level else "")


def sizes_of(r: run) -> tuple[int, int]:
    """(CSV bytes, stored bytes) from the export's summary line."""
    m = re.search(r"exported \d+ rows \((\d+) bytes of CSV, (\d+) as ", r.stdout)
    if m:
        return int(m.group(1)), int(m.group(2))
    n = int(re.search(r"exported \d+ rows \((\d+) bytes\)", r.stdout).group(1))
    return n, n


def bench_compress(events: int, runs: int, codecs: list[str]) -> dict:
    """The export benchmark's day exported with each codec, alternating, in one session."""
    results: dict[str, list[tuple[run, int, int]]] = {}
    with servers(events) as s:
        for _ in range(runs):
            for spec in codecs:
                before = sink_env.body_bytes(s.sink)
                r = run(export_cmd(s, codec_flags(spec)), s.env())
                csv_bytes, stored = sizes_of(r)
                # The sink saw the report plus the manifest (and, for multipart, the upload record).
                if (got := sink_env.body_bytes(s.sink) - before) < stored or got > stored + 64 * 1024:
                    raise RuntimeError(f"{spec}: the sink received {got} body bytes for a {stored}-byte report")
                results.setdefault(spec, []).append((r, csv_bytes, stored))
    return {"events": events, "runs": runs, "results": results}


def compress_table(r: dict) -> str:
    events = r["events"]
    rows = {}
    for spec, runs in r["results"].items():
        secs = median([x[0].seconds for x in runs])
        csv_bytes, stored = runs[0][1], runs[0][2]
        rows[spec] = (events / secs, csv_bytes / 1e6 / secs, median([x[0].cpu for x in runs]) / (csv_bytes / GiB),
                      median([x[0].rss_mib for x in runs]), stored, csv_bytes / stored)
    base = rows.get("none")
    out = ["| --compress | rows/s | MB/s of CSV | client CPU s/GiB of CSV | peak RSS MiB | stored MB | "
           "CSV / stored | rows/s vs none | CPU vs none |",
           "|---|---|---|---|---|---|---|---|---|"]
    for spec, (rps, mbs, cpu, rss, stored, ratio) in rows.items():
        codec, _, level = spec.partition(":")
        name = codec if codec == "none" else f"{codec} level {level or 'default'}"
        vs = f"{rps / base[0] - 1:+.1%} | {cpu / base[2]:.2f}x" if base else "- | -"
        out.append(f"| {name} | {rps:,.0f} | {mbs:,.0f} | {cpu:.2f} | {rss:.0f} | {stored / 1e6:,.1f} | "
                   f"{ratio:.2f} | {vs} |")
    return "\n".join(out)


# ------------------------------------------------------------------------- memory

def bench_memory(sizes: list[int]) -> dict:
    out = []
    for size in sizes:
        events = max(1, size // BYTES_PER_ROW)
        with servers(events) as s:
            r = run(export_cmd(s), s.env())
            out.append({"target": size, "events": events, "csv_bytes": int(re.search(r"\((\d+) bytes\)", r.stdout).group(1)),
                        "seconds": r.seconds, "cpu": r.cpu, "rss_mib": r.rss_mib})
    return {"points": out}


def memory_table(r: dict) -> str:
    pts = r["points"]
    base = pts[0]["rss_mib"]
    out = ["| day | events | CSV bytes | rows/s | MB/s | CPU s/GiB | peak RSS MiB | RSS vs smallest |",
           "|---|---|---|---|---|---|---|---|"]
    for p in pts:
        out.append(f"| {p['target'] / 1e9:g} GB | {p['events']:,} | {p['csv_bytes']:,} | {p['events'] / p['seconds']:,.0f} | "
                   f"{p['csv_bytes'] / 1e6 / p['seconds']:,.0f} | {p['cpu'] / (p['csv_bytes'] / GiB):.2f} | "
                   f"{p['rss_mib']:.0f} | {(p['rss_mib'] / base - 1) * 100:+.1f}% |")
    return "\n".join(out)


# ------------------------------------------------------------------------- large pages

def bench_pages(events: int) -> dict:
    """Peak RSS of exports whose every third page is 50 MB, under --max-memory (256MiB unless named)."""
    cases = [
        ("normal pages, --page-limit 20000 --source-concurrency 1", (),
         "--max-memory 256MiB --page-limit 20000 --source-concurrency 1"),
        ("every 3rd page 50 MB, --page-limit 20000 --source-concurrency 1", ("huge:bytes=50000000,every=3",),
         "--max-memory 256MiB --page-limit 20000 --source-concurrency 1"),
        # 7 pages of 40,000 events take 253 MB (bodies and event views): 256 MiB leaves no room for parts.
        ("every 3rd page 50 MB, --page-limit 40000 --source-concurrency 1, --max-memory 320MiB",
         ("huge:bytes=50000000,every=3",), "--max-memory 320MiB --page-limit 40000 --source-concurrency 1"),
        ("every 3rd page 50 MB, --page-limit 5000 (defaults otherwise)", ("huge:bytes=50000000,every=3",),
         "--max-memory 256MiB --page-limit 5000"),
    ]
    out = []
    for name, faults, flags in cases:
        with servers(events, faults=faults, max_limit=40000) as s:
            cmd = (f"{SECEXPORT} --log-level warn export --tenant bench --date 2026-11-22 --source-url {s.source_url} "
                   f"--bucket bench --endpoint-url {s.sink['endpoint']} {flags}")
            r = run(cmd, s.env(), check=False)
            err = [l for l in r.stderr.strip().splitlines() if l.startswith("error:")]
            why = re.sub(r"^error: export of .*? failed: ", "", err[0]) if err else "?"
            outcome = "exported" if r.returncode == 0 else f"exit {r.returncode}: {why[:500]}"
            budget = int(re.search(r"--max-memory (\d+)MiB", flags).group(1))
            out.append({"name": name, "seconds": r.seconds, "cpu": r.cpu, "rss_mib": r.rss_mib, "outcome": outcome,
                        "budget_mib": budget})
    return {"events": events, "points": out}


def pages_table(r: dict) -> str:
    out = ["| pages | outcome | seconds | CPU s | peak RSS MiB | of --max-memory |", "|---|---|---|---|---|---|"]
    for p in r["points"]:
        out.append(f"| {p['name']} | {p['outcome'].replace('|', '/')} | {p['seconds']:.1f} | {p['cpu']:.1f} | "
                   f"{p['rss_mib']:.0f} | {p['rss_mib'] / p['budget_mib'] * 100:.0f}% |")
    return "\n".join(out)


# ------------------------------------------------------------------------- latency

def bench_latency(latency_ms: int, concurrencies: list[int], events: int) -> dict:
    out = []
    with servers(events, latency_ms=latency_ms) as s:
        for k in concurrencies:
            r = run(export_cmd(s, f"--source-concurrency {k}", limit=2000), s.env())
            out.append({"k": k, "seconds": r.seconds, "cpu": r.cpu, "rows": rows_of(r), "machine": r.machine_busy})
    return {"latency_ms": latency_ms, "events": events, "points": out}


def latency_table(r: dict) -> str:
    out = [f"Every page takes {r['latency_ms']} ms to answer; {r['events']:,} events, 2,000 per page.", "",
           "| --source-concurrency | seconds | rows/s | secexport CPU (cores) | whole machine busy (of 2 cores) |",
           "|---|---|---|---|---|"]
    for p in r["points"]:
        out.append(f"| {p['k']} | {p['seconds']:.2f} | {p['rows'] / p['seconds']:,.0f} | {p['cpu'] / p['seconds']:.2f} | "
                   f"{p['machine']:.2f} |")
    return "\n".join(out)


# ------------------------------------------------------------------------- profile

def profile_export(events: int, keep: Path | None) -> str:
    """One export under `perf record -g`: the CPU split by thread, then the hottest symbols."""
    if not shutil.which("perf"):
        sys.exit("perf is missing: tools/install-deps.sh --bench")
    out_dir = keep or Path(tempfile.mkdtemp(prefix="secexport-profile-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    data = out_dir / "export.perf.data"
    with servers(events) as s:
        r = run(f"perf record -q -F 999 -g -o {data} -- {export_cmd(s)}", s.env())
    def report(*args: str) -> str:
        p = subprocess.run(["perf", "report", "-i", str(data), "--no-children", "--stdio", *args],
                           capture_output=True, text=True, check=True)
        return "\n".join(l for l in p.stdout.splitlines() if l.strip() and not l.startswith("#"))
    text = (f"{rows_of(r):,} rows in {r.seconds:.2f} s, {r.cpu:.2f} CPU s (perf included)\n\n"
            f"by thread:\n{report('--sort', 'comm', '-g', 'none')}\n\n"
            f"by thread and library (>= 1%):\n{report('--sort', 'comm,dso', '-g', 'none', '--percent-limit', '1')}\n\n"
            f"hottest symbols (>= 0.5%):\n{report('--sort', 'comm,dso,sym', '-g', 'none', '--percent-limit', '0.5')}")
    if keep is None:
        shutil.rmtree(out_dir, ignore_errors=True)
    else:
        text += f"\n\nperf data: {data} (perf report -i {data})"
    return text


# ------------------------------------------------------------------------- main

def setup() -> None:
    """What the benchmarks need, so that one command runs them on a fresh machine: the peers and
    perf from Debian (and the JS SDK from npm) via the idempotent install script, and the
    release build of secexport, the sink and the source."""
    subprocess.run([str(ROOT / "tools/install-deps.sh"), "--bench"], cwd=ROOT, check=True)
    if not all(t.exists() for t in (SECEXPORT, SOURCE, sink_env.SINK_RELEASE)):
        print("e2e: building the release binaries (cmake --preset release)", file=sys.stderr)
        subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("upload")
    p.add_argument("--bytes", type=parse_size, default=2 * GiB)
    p.add_argument("--runs", type=int, default=3)
    p = sub.add_parser("export")
    p.add_argument("--events", type=int, default=EXPORT_EVENTS)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--baseline", help="another secexport binary (an older build) to alternate with this one")
    p = sub.add_parser("compress")
    p.add_argument("--events", type=int, default=EXPORT_EVENTS)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--codecs", default=DEFAULT_CODECS, help="codec[:level] list, e.g. none,zstd:1,zstd:3,gzip:6")
    p = sub.add_parser("memory")
    p.add_argument("--sizes", default="500MB,5GB")
    p = sub.add_parser("latency")
    p.add_argument("--latency-ms", type=int, default=50)
    p.add_argument("--concurrency", default="1,2,4,8,16,24,32,48")
    p.add_argument("--events", type=int, default=1_500_000)
    p = sub.add_parser("pages")
    p.add_argument("--events", type=int, default=300_000)
    p = sub.add_parser("profile")
    p.add_argument("--events", type=int, default=EXPORT_EVENTS)
    p.add_argument("--keep", type=Path, help="directory to keep perf.data in")
    p = sub.add_parser("all")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--memory-sizes", default="500MB,5GB,20GB")
    for name, p in sub.choices.items():
        if name != "profile":
            p.add_argument("--write", type=Path, help="replace this benchmark's section(s) of this document")
    ap.add_argument("--no-setup", action="store_true",
                    help="do not run tools/install-deps.sh --bench or build the release binaries first")
    a = ap.parse_args()
    if not a.no_setup:
        setup()
    for tool in (SECEXPORT, SOURCE, sink_env.SINK_RELEASE):
        if not tool.exists():  # a debug (sanitizer) build would measure the sanitizers
            sys.exit(f"{tool} is missing: cmake --preset release && cmake --build --preset release")
    if a.what == "profile":
        print(profile_export(a.events, a.keep))
        return
    if a.what == "all":
        sections = {
            "upload": upload_table(bench_upload(2 * GiB, a.runs)),
            "export": export_table(bench_export(EXPORT_EVENTS, a.runs)),
            "compress": compress_table(bench_compress(EXPORT_EVENTS, a.runs, DEFAULT_CODECS.split(","))),
            "memory": memory_table(bench_memory([parse_size(x) for x in a.memory_sizes.split(",")])),
            "latency": latency_table(bench_latency(50, [1, 2, 4, 8, 16, 24, 32, 48], 1_500_000)),
            "pages": pages_table(bench_pages(300_000)),
        }
        print("\n\n".join(f"### {k}\n\n{v}" for k, v in sections.items()))
    else:
        run = {
            "upload": lambda: upload_table(bench_upload(a.bytes, a.runs)),
            "export": lambda: export_table(bench_export(a.events, a.runs, a.baseline)),
            "compress": lambda: compress_table(bench_compress(a.events, a.runs, a.codecs.split(","))),
            "memory": lambda: memory_table(bench_memory([parse_size(x) for x in a.sizes.split(",")])),
            "latency": lambda: latency_table(bench_latency(a.latency_ms, [int(x) for x in a.concurrency.split(",")],
                                                           a.events)),
            "pages": lambda: pages_table(bench_pages(a.events)),
        }
        sections = {a.what: run[a.what]()}
        print(sections[a.what])
    if a.write:
        write_sections(a.write, sections)


def write_sections(doc: Path, sections: dict[str, str]) -> None:
    """Replaces the text between <!-- bench:NAME --> and <!-- /bench:NAME --> markers."""
    text = doc.read_text()
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    command = shlex.join(["python3", "bench/e2e.py", *sys.argv[1:]])
    for name, table in sections.items():
        block = (f"<!-- bench:{name} -->\n_Measured {stamp} on {machine()} by `{command}`._\n\n{table}\n"
                 f"<!-- /bench:{name} -->")
        text, n = re.subn(rf"<!-- bench:{name} -->.*?<!-- /bench:{name} -->", lambda _: block, text, flags=re.S)
        if n == 0:
            text += "\n" + block + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    main()
