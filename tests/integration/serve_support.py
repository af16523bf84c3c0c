"""`secexport serve` for the integration and browser tests: started over TLS with the test
server's certificate, an admin token file (0600) and a tenant store with a store key; every
line it writes to stderr is kept (and handed to the suite's secret scan)."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import support


class serve:
    """with serve_support.serve(st, env, tenants_dir) as srv: srv.call("GET", "/v1/tenants")"""

    def __init__(self, st: dict, env: dict, tenants_dir: str, *extra: str, store_key: str | None = None):
        self.st, self.env, self.dir, self.extra = st, dict(env), tenants_dir, list(extra)
        self.tmp = Path(tempfile.mkdtemp(prefix="secexport-serve-"))
        self.token = "admin-" + secrets.token_hex(24)
        support.remember_secrets([self.token])
        self.token_file = self.tmp / "admin.token"
        self.token_file.write_text(self.token + "\n")
        os.chmod(self.token_file, 0o600)
        self.store_key = store_key
        self.stderr_lines: list[str] = []
        self.bodies: list[str] = []  # every response body, for the secret scan

    def __enter__(self):
        tls = Path(self.st["state_dir"]) / "tls"
        args = [support.BIN, "--log-format", "json", "serve", "--listen", "127.0.0.1:0", "--tls-cert",
                str(tls / "server.pem"), "--tls-key", str(tls / "server.key"), "--admin-token-file",
                str(self.token_file), "--tenants-dir", self.dir, "--endpoint-url", self.st["endpoint"],
                "--sts-endpoint-url", self.st["endpoint"], *self.extra]
        if self.store_key:
            args += ["--store-key-file", self.store_key]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, text=True)
        line = self.proc.stdout.readline()
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        if not line.startswith("serving "):
            self.proc.wait(timeout=10)
            raise RuntimeError(f"serve did not start: {line!r} {''.join(self.stderr_lines)}")
        self.url = line.split()[1]
        self.port = int(self.url.rsplit(":", 1)[1].strip("/"))
        self.ctx = ssl.create_default_context(cafile=self.st["ca_file"])
        return self

    def _read_stderr(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        support._capture("".join(self.stderr_lines))
        return code

    def __exit__(self, *exc):
        self.stop()
        self.proc.stdout.close()

    def log(self) -> list[dict]:
        out = []
        for line in list(self.stderr_lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def connection(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=120)

    def call(self, method: str, path: str, body=None, token: str | None | bool = True, headers: dict | None = None,
             raw: bytes | None = None):
        """(status, parsed JSON or text, response headers)."""
        h = dict(headers or {})
        if token is True:
            h["Authorization"] = "Bearer " + self.token
        elif token:
            h["Authorization"] = token
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        c = self.connection()
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            text = r.read().decode(errors="replace")
            self.bodies.append(text)
            try:
                parsed = json.loads(text) if text.strip() else None
            except ValueError:
                parsed = text
            return r.status, parsed, {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()

    def stream(self, path: str, body) -> list[dict]:
        """POST with Accept: application/x-ndjson: the lines as they came."""
        c = self.connection()
        try:
            c.request("POST", path, body=json.dumps(body).encode(),
                      headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json",
                               "Accept": "application/x-ndjson"})
            r = c.getresponse()
            lines = []
            while True:
                line = r.readline()
                if not line:
                    break
                text = line.decode()
                self.bodies.append(text)
                if text.strip():
                    lines.append(json.loads(text))
            return lines
        finally:
            c.close()

    def wait_export(self, tenant: str, run_id: int, timeout: float = 300) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, run, _ = self.call("GET", f"/v1/tenants/{tenant}/exports/{run_id}")
            assert status == 200, run
            if run["status"] != "running":
                return run
            time.sleep(0.5)
        raise TimeoutError(f"export run {run_id} of {tenant} did not finish")


def store_key_file(directory: str) -> str:
    path = Path(directory) / "store.key"
    key = secrets.token_hex(32)
    path.write_text(key + "\n")
    os.chmod(path, 0o600)
    support.remember_secrets([key])
    return str(path)
