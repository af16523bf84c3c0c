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
import subprocess
import sys
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
