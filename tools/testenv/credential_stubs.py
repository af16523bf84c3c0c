"""Local stand-ins for the credential services batch jobs use, serving real temporary
credentials of the moto environment (customer-role, assumed as exporter-identity) with an
expiration the test chooses, and recording what each request carried:

- `web_identity_sts`: an STS over TLS (the environment's certificate) that answers
  AssumeRoleWithWebIdentity, as EKS IRSA's STS would; records the token, role and session.
  moto itself answers the action too (testenv.moto_app), but with its own one-hour expiry and
  without looking at the token.
- `container_endpoint`: the ECS / EKS Pod Identity credentials endpoint on plain http
  127.0.0.1; checks the Authorization header against the token the test expects now.

    with web_identity_sts(st, expires_in=302) as sts:
        sts.url, sts.calls  # [{"token": ..., "role_arn": ..., "session": ...}, ...]
    with container_endpoint(st, token_of=lambda: "tok", expires_in=302) as ep:
        ep.url, ep.calls    # [{"authorization": ..., "status": 200}, ...]

Every served secret is added to `secrets` for the suite's no-secrets check.
"""

from __future__ import annotations

import http.server
import json
import ssl
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from . import clients


def fresh_credentials(st: dict, expires_in: float) -> dict:
    """New customer-role session credentials from moto, with Expiration = now + expires_in."""
    c = clients.assume_role(st, session_name="stub-" + uuid.uuid4().hex[:8])
    expires = datetime.now(timezone.utc) + timedelta(seconds=expires_in)
    return {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
            "SessionToken": c["SessionToken"], "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}


class _server:
    def __init__(self, st: dict, expires_in: float):
        self.st, self.expires_in, self.calls, self.secrets = st, expires_in, [], []
        self.lock = threading.Lock()

    def credentials(self) -> dict:
        c = fresh_credentials(self.st, self.expires_in)
        self.secrets += [c["SecretAccessKey"], c["SessionToken"]]
        return c

    def _start(self, handler, tls: bool):
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls:
            d = Path(self.st["state_dir"]) / "tls"
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(d / "server.pem", d / "server.key")
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        port = self.server.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for_calls(self, n: int, timeout: float = 60) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.calls) >= n:
                    return True
            time.sleep(0.02)
        return False


def _reply(h: http.server.BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class web_identity_sts(_server):
    def __init__(self, st: dict, expires_in: float = 3600):
        super().__init__(st, expires_in)

    def __enter__(self):
        outer = self

        class handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                call = {"action": form.get("Action"), "token": form.get("WebIdentityToken"),
                        "role_arn": form.get("RoleArn"), "session": form.get("RoleSessionName"),
                        "signed": "Authorization" in self.headers}
                with outer.lock:
                    outer.calls.append(call)
                if call["action"] != "AssumeRoleWithWebIdentity" or not call["token"] or call["signed"]:
                    err = ("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>this stub "
                           "answers unsigned AssumeRoleWithWebIdentity with a token only</Message></Error></ErrorResponse>")
                    return _reply(self, 400, err.encode(), "text/xml")
                c = outer.credentials()
                account = outer.st["account_id"]
                xml = f"""<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:secexport:exporter</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::{account}:assumed-role/customer-role/{escape(call["session"] or "")}</Arn>
      <AssumedRoleId>AROASTUB:{escape(call["session"] or "")}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{c["AccessKeyId"]}</AccessKeyId>
      <SecretAccessKey>{escape(c["SecretAccessKey"])}</SecretAccessKey>
      <SessionToken>{escape(c["SessionToken"])}</SessionToken>
      <Expiration>{c["Expiration"]}</Expiration>
    </Credentials>
    <Audience>sts.amazonaws.com</Audience>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"""
                _reply(self, 200, xml.encode(), "text/xml")

            def log_message(self, *_):
                pass

        return self._start(handler, tls=True)


class container_endpoint(_server):
    def __init__(self, st: dict, token_of, expires_in: float = 3600, path: str = "/v2/credentials/task"):
        super().__init__(st, expires_in)
        self.token_of, self.path = token_of, path

    def __enter__(self):
        outer = self

        class handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                auth = self.headers.get("Authorization")
                ok = self.path == outer.path and auth == outer.token_of()
                with outer.lock:
                    outer.calls.append({"path": self.path, "authorization": auth, "status": 200 if ok else 401})
                if not ok:
                    return _reply(self, 401 if self.path == outer.path else 404,
                                  b'{"code":"InvalidToken","message":"bad token"}', "application/json")
                c = outer.credentials()
                doc = {"AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"],
                       "Token": c["SessionToken"], "Expiration": c["Expiration"],
                       "RoleArn": outer.st["role"]["arn"]}
                _reply(self, 200, json.dumps(doc).encode(), "application/json")

            def log_message(self, *_):
                pass

        self.url = None
        self._start(handler, tls=False)
        self.full_uri = self.url + self.path
        return self
