"""Shared helpers for secexport's integration tests (run by CTest; see tests/CMakeLists.txt).

Each test module runs against a server started by a CTest fixture: SECEXPORT_TESTENV names
its state directory (tools/testenv), SECEXPORT_BIN the secexport binary under test.
Every line secexport writes to stderr is appended to SECEXPORT_LOG_CAPTURE (when set), so
a final test can scan the whole suite's output for secrets.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from testenv import admin, clients, policies  # noqa: E402,F401

BIN = os.environ.get("SECEXPORT_BIN", str(ROOT / "build/debug/secexport"))
MiB = 1 << 20
ODD_KEY_PARTS = "a b+c=d&e$f@g:h/ü/日本語/x.csv"


def state() -> dict:
    d = os.environ.get("SECEXPORT_TESTENV")
    if not d:
        raise unittest.SkipTest("SECEXPORT_TESTENV is not set (run through ctest)")
    st = json.loads((Path(d) / "testenv.json").read_text())
    remember_secrets(secrets_of(st))
    return st


def remember_secrets(values) -> None:
    """Records secrets the suite hands to secexport, for test_no_secrets to look for."""
    path = os.environ.get("SECEXPORT_LOG_CAPTURE")
    if path:
        with open(path + ".secrets", "a", encoding="utf-8") as f:
            for v in values:
                if v:
                    f.write(v + "\n")


def unique(prefix: str) -> str:
    return f"{prefix}/{uuid.uuid4().hex[:10]}"


def base_env(st: dict, user: str | None = "exporter-user") -> dict:
    """An environment with only what secexport should see: keys, CA, region; no profiles."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
               AWS_CA_BUNDLE=st["ca_file"], AWS_REGION=st["region"])
    if user:
        env.update(AWS_ACCESS_KEY_ID=st["users"][user]["access_key_id"],
                   AWS_SECRET_ACCESS_KEY=st["users"][user]["secret_access_key"])
    return env


def secrets_of(st: dict) -> list[str]:
    return [u["secret_access_key"] for u in st["users"].values()]


def _capture(stderr: str) -> None:
    path = os.environ.get("SECEXPORT_LOG_CAPTURE")
    if path and stderr:
        with open(path, "a", encoding="utf-8", errors="replace") as f:
            f.write(stderr if stderr.endswith("\n") else stderr + "\n")


class run_result:
    def __init__(self, returncode: int, stdout: str, stderr: str, sha256: str | None = None):
        self.returncode, self.stdout, self.stderr, self.sha256 = returncode, stdout, stderr, sha256

    def __repr__(self) -> str:
        return f"exit {self.returncode}\nstdout: {self.stdout}\nstderr: {self.stderr}"


def run(args: list[str], env: dict, stdin_bytes: bytes | None = None, timeout: float = 600) -> run_result:
    p = subprocess.run([BIN, *args], input=stdin_bytes, capture_output=True, env=env, timeout=timeout)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    _capture(err)
    return run_result(p.returncode, out, err)


def random_chunks(size: int, seed: int, chunk: int = 1 << 20):
    rng = random.Random(seed)
    left = size
    while left > 0:
        n = min(chunk, left)
        yield rng.randbytes(n)
        left -= n


def run_piped(args: list[str], env: dict, size: int, seed: int, timeout: float = 900,
              on_started=None) -> run_result:
    """Runs secexport reading `size` pseudo-random bytes from a pipe; returns their SHA-256."""
    p = subprocess.Popen([BIN, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
    digest = hashlib.sha256()
    outputs = {}

    def reader(name, stream):
        with stream:
            outputs[name] = stream.read().decode(errors="replace")

    threads = [threading.Thread(target=reader, args=(n, s)) for n, s in (("out", p.stdout), ("err", p.stderr))]
    for t in threads:
        t.start()
    if on_started:
        on_started(p)
    try:
        for c in random_chunks(size, seed):
            digest.update(c)
            p.stdin.write(c)
        p.stdin.close()
    except BrokenPipeError:
        pass
    p.wait(timeout=timeout)
    for t in threads:
        t.join()
    _capture(outputs.get("err", ""))
    return run_result(p.returncode, outputs.get("out", ""), outputs.get("err", ""), digest.hexdigest())


def object_sha256(st: dict, key: str, bucket: str | None = None) -> str:
    s3 = clients.client(st, "s3", "admin")
    body = s3.get_object(Bucket=bucket or st["bucket"], Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def object_bytes(st: dict, key: str, bucket: str | None = None) -> bytes:
    s3 = clients.client(st, "s3", "admin")
    return s3.get_object(Bucket=bucket or st["bucket"], Key=key)["Body"].read()


def open_uploads(st: dict, prefix: str) -> list[dict]:
    s3 = clients.client(st, "s3", "admin")
    return [u for u in s3.list_multipart_uploads(Bucket=st["bucket"], Prefix=prefix).get("Uploads", [])]


class fault_proxy:
    """tools/testenv/faultproxy.py between secexport and the server in `st`.

    with support.fault_proxy(st) as fp:
        fp.set_rules([{"op": "UploadPart", "times": 3, "status": 503, "code": "SlowDown"}])
        run([... "--endpoint-url", fp.endpoint ...])
        fp.requests()  # what reached the proxy, one dict per request
    """

    def __init__(self, st: dict):
        import tempfile
        self.st = st
        self.dir = Path(tempfile.mkdtemp(prefix="faultproxy-"))
        self.rules_file = self.dir / "rules.json"
        self.log_file = self.dir / "requests.jsonl"
        self.rules_file.write_text("[]")

    def __enter__(self):
        tls = Path(self.st["state_dir"]) / "tls"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tools/testenv/faultproxy.py"), "--upstream", self.st["endpoint"],
             "--ca", self.st["ca_file"], "--cert", str(tls / "server.pem"), "--key", str(tls / "server.key"),
             "--rules", str(self.rules_file), "--log", str(self.log_file)],
            stdout=subprocess.PIPE, text=True)
        port = int(self.proc.stdout.readline())
        self.endpoint = f"https://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)

    def set_rules(self, rules: list[dict]) -> None:
        tmp = self.rules_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(rules))
        os.replace(tmp, self.rules_file)
        self.log_file.write_text("")

    def requests(self) -> list[dict]:
        if not self.log_file.exists():
            return []
        return [json.loads(l) for l in self.log_file.read_text().splitlines() if l.strip()]

    def ops(self) -> list[str]:
        return [r["op"] for r in self.requests()]


# ---------------------------------------------------------------------------------------
# The local event source (tools/event_source) and what a report must contain.

SOURCE_BIN = os.environ.get("SECEXPORT_SOURCE_BIN", str(ROOT / "build/debug/tools/event_source/secexport-source"))
SOURCE_TOKEN = "source-token-" + uuid.uuid4().hex  # a secret the suite hands to secexport


class event_source:
    """secexport-source serving over TLS with the test server's certificate.

    with support.event_source(st, events_per_day=1000, faults=["503:request=2"]) as src:
        src.url, src.dump(tenant, start, end)"""

    def __init__(self, st: dict, events_per_day: int, faults=(), seed: int = 7, latency_ms: int = 0,
                 threads: int = 1, max_limit: int | None = None):
        self.st, self.n, self.faults, self.seed = st, events_per_day, list(faults), seed
        self.latency_ms, self.threads, self.max_limit = latency_ms, threads, max_limit
        remember_secrets([SOURCE_TOKEN])

    def __enter__(self):
        tls = Path(self.st["state_dir"]) / "tls"
        args = [SOURCE_BIN, "serve", "--tls-cert", str(tls / "server.pem"), "--tls-key", str(tls / "server.key"),
                "--seed", str(self.seed), "--events-per-day", str(self.n), "--threads", str(self.threads)]
        if self.latency_ms:
            args += ["--page-latency-ms", str(self.latency_ms)]
        if self.max_limit:
            args += ["--max-limit", str(self.max_limit)]
        for f in self.faults:
            args += ["--fault", f]
        env = dict(os.environ, SECEXPORT_SOURCE_TOKEN=SOURCE_TOKEN)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, env=env, text=True)
        self.url = f"https://127.0.0.1:{int(self.proc.stdout.readline())}"
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def stats(self) -> dict:
        import ssl
        import urllib.request
        ctx = ssl.create_default_context(cafile=self.st["ca_file"])
        with urllib.request.urlopen(self.url + "/_stats", context=ctx, timeout=10) as r:
            return json.loads(r.read())

    def dump(self, tenant: str, start: str, end: str):
        """The events of [start, end) as dicts, in order, streamed."""
        p = subprocess.Popen([SOURCE_BIN, "dump", "--tenant", tenant, "--start", start, "--end", end, "--seed",
                              str(self.seed), "--events-per-day", str(self.n)], stdout=subprocess.PIPE)
        with p.stdout:
            for line in p.stdout:
                yield json.loads(line)
        if p.wait() != 0:
            raise RuntimeError("secexport-source dump failed")


def export_env(st: dict, user: str = "exporter-user") -> dict:
    env = base_env(st, user)
    env["SECEXPORT_SOURCE_TOKEN"] = SOURCE_TOKEN
    return env


def expected_row(e: dict) -> list:
    """What the report must hold for event e (JsonProperties as the parsed object)."""
    from datetime import datetime, timezone
    t = datetime.fromisoformat(e["created_at"].replace("Z", "+00:00")).astimezone(timezone.utc)
    created = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    current = e["current_email"] if e.get("current_email") is not None else e["developer_id"]
    return [created, e["email_at_time_of_event"], current, e["event_name"], e.get("other_account") or "",
            e["properties"], "1"]


HEADER = ["CreatedAt", "EmailAtTimeOfEvent", "CurrentEmail", "EventName", "OtherAccount", "JsonProperties", "Version"]


def report_rows(st: dict, key: str):
    """The report's rows read back with Python's csv module (header first), streamed."""
    import codecs
    import csv as csv_module
    s3 = clients.client(st, "s3", "admin")
    body = s3.get_object(Bucket=st["bucket"], Key=key)["Body"]
    text = codecs.getreader("utf-8")(body, errors="strict")
    for row in csv_module.reader(_lines(text), strict=True):
        yield row


def _lines(text):
    # csv wants the file's own line ends (newline=''): yield raw chunks split after "\n".
    buf = ""
    while True:
        chunk = text.read(1 << 20)
        if not chunk:
            if buf:
                yield buf
            return
        buf += chunk
        *whole, buf = buf.split("\n")
        for w in whole:
            yield w + "\n"


def manifest(st: dict, key: str) -> dict | None:
    s3 = clients.client(st, "s3", "admin")
    mkey = (key[:-4] if key.endswith(".csv") else key) + ".manifest.json"
    try:
        return json.loads(s3.get_object(Bucket=st["bucket"], Key=mkey)["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None
    except Exception as e:  # noqa: BLE001 - moto/rgw answer 404 differently
        if "404" in str(e) or "NoSuchKey" in str(e) or "Not Found" in str(e):
            return None
        raise


def report_key(prefix: str, tenant: str, date: str) -> str:
    y, m, d = date.split("-")
    return f"{prefix}/security-events/{tenant}/{y}/{m}/{d}/security-events_{tenant}_{date}.csv"


# The tenant store and the exporter's identity, for the tenant, job and operator tests.

class tenant_harness(unittest.TestCase):
    """A tenant store in a scratch directory and the exporter's identity on moto (IAM enforced);
    helpers to make customers' IAM users, save tenants and run the daily job. No tests."""

    @classmethod
    def setUpClass(cls):
        cls.st = state()
        cls.dir = tempfile.mkdtemp(prefix="secexport-tenants-")
        cls.bucket = cls.st["bucket"]
        # The exporter's own identity: may assume any role (customers' trust policies decide).
        cls.identity_name = "exporter-" + uuid.uuid4().hex[:8]
        cls.identity = admin.create_user(cls.st, cls.identity_name, policies.allow("sts:AssumeRole", "*"))
        remember_secrets([cls.identity["secret_access_key"]])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def env(self, **extra) -> dict:
        e = base_env(self.st, user=None)
        e.update(AWS_ACCESS_KEY_ID=self.identity["access_key_id"],
                 AWS_SECRET_ACCESS_KEY=self.identity["secret_access_key"],
                 SECEXPORT_SOURCE_TOKEN=SOURCE_TOKEN, SECEXPORT_TENANTS_DIR=self.dir)
        e.update(extra)
        return e

    def endpoints(self) -> list[str]:
        return ["--endpoint-url", self.st["endpoint"], "--sts-endpoint-url", self.st["endpoint"]]

    def tenant(self, *args, env=None, aws=True) -> run_result:
        return run(["tenant", *args, *(self.endpoints() if aws else [])], env or self.env())

    def key_user(self, policy) -> dict:
        """A customer's IAM user with `policy` (or none); its keys for the access-key method."""
        name = "customer-" + uuid.uuid4().hex[:8]
        u = admin.create_user(self.st, name, policy)
        u["name"] = name
        remember_secrets([u["secret_access_key"]])
        return u

    def save_key_tenant(self, tenant: str, user: dict, prefix: str, *extra, check=True) -> run_result:
        r = self.tenant("save", tenant, "--method", "access-key", "--access-key-id", user["access_key_id"],
                        "--bucket", self.bucket, "--prefix", prefix, "--source-url", "https://127.0.0.1:1", *extra,
                        env=self.env(SECEXPORT_TENANT_SECRET_ACCESS_KEY=user["secret_access_key"]))
        if check:
            self.assertEqual(r.returncode, 0, r)
        return r

    def save_in(self, d: str, tenant: str, user: dict, prefix: str, source_url: str) -> None:
        """Saves (tested) an access-key tenant in the store `d`."""
        r = run(["tenant", "save", tenant, "--method", "access-key", "--access-key-id",
                         user["access_key_id"], "--bucket", self.bucket, "--prefix", prefix, "--source-url",
                         source_url, "--tenants-dir", d, *self.endpoints()],
                        self.env(SECEXPORT_TENANT_SECRET_ACCESS_KEY=user["secret_access_key"]))
        self.assertEqual(r.returncode, 0, r)

    def job_env(self, fake_now: str, **extra) -> dict:
        return self.env(SECEXPORT_FAKE_NOW=fake_now, **extra)

    def point_at(self, tenant: str, source_url: str) -> None:
        r = self.tenant("save", tenant, "--source-url", source_url, "--no-verify")
        self.assertEqual(r.returncode, 0, r)

    def run_job(self, *args, fake_now: str, dir: str) -> run_result:
        return run(["run", *args, "--tenants-dir", dir, *self.endpoints()],
                           self.job_env(fake_now), timeout=600)

    def start_daemon(self, d: str, fake_now: str, *extra) -> subprocess.Popen:
        """`secexport daemon` on the store `d` (JSON logs, one catch-up day) under a fake clock."""
        return subprocess.Popen([BIN, "--log-format", "json", "daemon", "--tenants-dir", d,
                                 "--catch-up-days", "1", *self.endpoints(), *extra],
                                env=self.job_env(fake_now), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
