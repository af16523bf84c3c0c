"""The settings API of `secexport serve` against moto with IAM enforced (TLS), as the CLI's tenant
tests do: both methods with the spec's policy, each missing permission failing exactly its step,
no save without a passing test, a wrong external ID named at AssumeRole, 401 without the token,
bad bodies refused naming the field, a racing save refused with 409, the CLI's and the API's JSON
the same, the policy piped into `aws iam put-role-policy`, exports seen and started through the
API and a tenant saved through the API exported by `secexport run` (the same store, encrypted at
rest). No secret in any response or log line."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import uuid

import support
from serve_support import serve, store_key_file
from support import admin, policies

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
STEPS = {"s3:GetBucketLocation": "GetBucketLocation", "s3:ListBucket": "ListObjectsV2",
         "s3:PutObject": "PutObject", "s3:GetObject": "GetObject", "s3:DeleteObject": "DeleteObject"}


@unittest.skipUnless(ON_MOTO, "IAM policies, STS and external IDs are moto's part of the suite")
class serve_api_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()
        cls.bucket = cls.st["bucket"]
        cls.tmp = tempfile.mkdtemp(prefix="secexport-serve-test-")
        cls.dir = os.path.join(cls.tmp, "tenants")
        keys = os.path.join(cls.tmp, "keys")
        os.makedirs(keys)
        cls.key_file = store_key_file(keys)
        cls.identity = admin.create_user(cls.st, "exporter-" + uuid.uuid4().hex[:8], policies.allow("sts:AssumeRole", "*"))
        support.remember_secrets([cls.identity["secret_access_key"]])
        cls.posted_secrets = []
        cls.srv = serve(cls.st, cls.env(), cls.dir, store_key=cls.key_file)
        cls.srv.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.srv.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def env(cls, **extra) -> dict:
        e = support.base_env(cls.st, user=None)
        e.update(AWS_ACCESS_KEY_ID=cls.identity["access_key_id"], AWS_SECRET_ACCESS_KEY=cls.identity["secret_access_key"],
                 SECEXPORT_SOURCE_TOKEN=support.SOURCE_TOKEN, SECEXPORT_TENANTS_DIR=cls.dir,
                 SECEXPORT_STORE_KEY_FILE=cls.key_file)
        e.update(extra)
        return e

    # ------------------------------------------------------------------ helpers

    def cli(self, *args, env=None) -> support.run_result:
        return support.run(["tenant", *args], env or self.env())

    def key_user(self, policy) -> dict:
        u = admin.create_user(self.st, "customer-" + uuid.uuid4().hex[:8], policy)
        support.remember_secrets([u["secret_access_key"]])
        self.posted_secrets.append(u["secret_access_key"])
        return u

    def key_settings(self, user: dict, prefix: str, source_url: str = "https://127.0.0.1:1") -> dict:
        return dict(method="access-key", access_key_id=user["access_key_id"], secret_access_key=user["secret_access_key"],
                    bucket=self.bucket, prefix=prefix, source_url=source_url)

    def role_for(self, tenant: str, policy, external_id: str | None = None) -> str:
        """A customer role trusting the exporter with the tenant's issued external ID (or another)."""
        status, info, _ = self.srv.call("POST", f"/v1/tenants/{tenant}/external-id")
        self.assertEqual(status, 200, info)
        trust = info["trust_policy"]
        if external_id:
            trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = external_id
        return admin.create_role(self.st, "customer-" + uuid.uuid4().hex[:8], trust, policy)

    def run_check(self, tenant: str, settings: dict) -> dict:
        status, report, _ = self.srv.call("POST", f"/v1/tenants/{tenant}/test", settings)
        self.assertEqual(status, 200, report)
        return report

    @staticmethod
    def statuses(report: dict) -> dict:
        return {s["action"]: s["status"] for s in report["steps"]}

    # ------------------------------------------------------------------ access

    def test_every_api_call_needs_the_token_and_health_does_not(self):
        for token in (None, "Bearer wrong-token-" + uuid.uuid4().hex, "Basic " + self.srv.token, "Bearer"):
            for method, path in (("GET", "/v1/tenants"), ("GET", "/v1/tenants/acme"), ("POST", "/v1/tenants/acme/test"),
                                 ("PUT", "/v1/tenants/acme"), ("DELETE", "/v1/tenants/acme"), ("GET", "/metrics")):
                with self.subTest(token=token and token[:12], method=method, path=path):
                    status, body, headers = self.srv.call(method, path, body={} if method in ("POST", "PUT") else None,
                                                          token=token)
                    self.assertEqual(status, 401, body)
                    self.assertEqual(body["error"]["code"], "unauthorized")
                    self.assertEqual(headers.get("www-authenticate"), "Bearer")
        status, body, _ = self.srv.call("GET", "/healthz", token=None)
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "acme.conf")), "a refused call must change nothing")

    def test_plain_http_to_the_tls_port_gets_no_answer_and_insecure_http_is_loopback_only(self):
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertNotIn(b"200 OK", s.recv(4096))
        r = support.run(["serve", "--listen", "0.0.0.0:0", "--insecure-http", "--admin-token-file",
                         str(self.srv.token_file)], self.env())
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("loopback", r.stderr)
        r = support.run(["serve", "--listen", "127.0.0.1:0", "--admin-token-file", str(self.srv.token_file)], self.env())
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("--tls-cert", r.stderr)
        leaky = os.path.join(self.tmp, "leaky.token")
        with open(leaky, "w") as f:
            f.write(self.srv.token)
        os.chmod(leaky, 0o644)
        r = support.run(["serve", "--listen", "127.0.0.1:0", "--insecure-http", "--admin-token-file", leaky], self.env())
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("chmod 600", r.stderr)
        self.assertNotIn(self.srv.token, r.stderr)

    def test_security_headers_and_the_page_are_served(self):
        status, page, headers = self.srv.call("GET", "/", token=None)
        self.assertEqual(status, 200)
        self.assertIn('<script src="/app.js" defer></script>', page)
        self.assertNotRegex(page, r"<script>(?!</script>)", "no inline script")
        csp = headers["content-security-policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertIn("default-src 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertEqual(headers["referrer-policy"], "no-referrer")
        self.assertIn("max-age", headers["strict-transport-security"])
        for asset, ctype in (("/app.js", "text/javascript"), ("/app.css", "text/css")):
            status, _, h = self.srv.call("GET", asset, token=None)
            self.assertEqual(status, 200)
            self.assertTrue(h["content-type"].startswith(ctype))

    # ------------------------------------------------------------------ the credential check

    def test_the_spec_policy_passes_for_both_methods_and_saves(self):
        user = self.key_user(policies.spec_policy(self.bucket))
        settings = self.key_settings(user, support.unique("api-pass"))
        report = self.run_check("api-keys", settings)
        self.assertTrue(report["passed"], report)
        self.assertEqual(sorted(self.statuses(report)), sorted(STEPS.values()))
        self.assertEqual({s["permission"] for s in report["steps"]}, set(STEPS))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "api-keys.conf")), "test must not save")

        status, saved, _ = self.srv.call("PUT", "/v1/tenants/api-keys", settings)
        self.assertEqual(status, 200, saved)
        self.assertTrue(saved["saved"] and saved["verified"] and saved["check"]["passed"])
        status, shown, _ = self.srv.call("GET", "/v1/tenants/api-keys")
        self.assertEqual(status, 200)
        self.assertTrue(shown["enabled"])
        self.assertTrue(shown["secret_access_key_set"])
        self.assertNotIn(user["access_key_id"], json.dumps(shown), "the access key ID is masked")
        with open(os.path.join(self.dir, "api-keys.conf")) as f:
            text = f.read()
        self.assertIn("secret-access-key = enc:v1:", text, "encrypted at rest with the store key")
        self.assertNotIn(user["secret_access_key"], text)

        arn = self.role_for("api-role", policies.spec_policy(self.bucket))
        role_settings = dict(method="role-arn", role_arn=arn, bucket=self.bucket, prefix=support.unique("api-role"),
                             source_url="https://127.0.0.1:1")
        report = self.run_check("api-role", role_settings)
        self.assertTrue(report["passed"], report)
        self.assertEqual(list(self.statuses(report)), ["AssumeRole", "GetBucketLocation", "ListObjectsV2", "PutObject",
                                                        "GetObject", "DeleteObject"])
        status, saved, _ = self.srv.call("PUT", "/v1/tenants/api-role", role_settings)
        self.assertEqual(status, 200, saved)
        r = self.cli("show", "api-role")  # the CLI reads what the API saved
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(arn, r.stdout)

    def test_each_missing_permission_fails_exactly_its_step_and_save_is_refused(self):
        for action, step in STEPS.items():
            for method in ("access-key", "role-arn"):
                with self.subTest(action=action, method=method):
                    policy = policies.spec_policy(self.bucket, without=[action])
                    tenant = f"api-deny-{method}-{step.lower()}"
                    prefix = support.unique("api-deny")
                    if method == "access-key":
                        settings = self.key_settings(self.key_user(policy), prefix)
                    else:
                        settings = dict(method="role-arn", role_arn=self.role_for(tenant, policy), bucket=self.bucket,
                                        prefix=prefix, source_url="https://127.0.0.1:1")
                    report = self.run_check(tenant, settings)
                    self.assertFalse(report["passed"])
                    failed = [a for a, s in self.statuses(report).items() if s == "fail"]
                    self.assertEqual(failed, [step], report)
                    self.assertEqual(report["failed_action"], step)
                    bad = next(s for s in report["steps"] if s["status"] == "fail")
                    self.assertEqual(bad["permission"], action)
                    self.assertEqual(bad["code"], "AccessDenied")
                    self.assertTrue(bad["denied"])
                    before = os.path.exists(os.path.join(self.dir, tenant + ".conf"))
                    status, refused, _ = self.srv.call("PUT", f"/v1/tenants/{tenant}", settings)
                    self.assertEqual(status, 422, refused)
                    self.assertEqual(refused["error"]["code"], "check_failed")
                    self.assertIn(f"at {step}: {action} is needed", refused["error"]["message"])
                    self.assertEqual(refused["check"]["failed_action"], step)
                    after = self.srv.call("GET", f"/v1/tenants/{tenant}")
                    if not before:
                        self.assertEqual(after[0], 404, "a failing tenant must not be saved")
                    else:  # only the external ID was issued: the settings must not have been saved
                        self.assertEqual(after[1]["method"], "none", after)

    def test_a_wrong_external_id_fails_at_assume_role_naming_the_id(self):
        arn = self.role_for("api-wrong-ext", policies.spec_policy(self.bucket), external_id="some-other-id")
        _, info, _ = self.srv.call("POST", "/v1/tenants/api-wrong-ext/external-id")
        settings = dict(method="role-arn", role_arn=arn, bucket=self.bucket, source_url="https://127.0.0.1:1")
        report = self.run_check("api-wrong-ext", settings)
        self.assertEqual(self.statuses(report), {"AssumeRole": "fail", **{s: "skip" for s in STEPS.values()}})
        assume = report["steps"][0]
        self.assertEqual(assume["permission"], "sts:AssumeRole")
        self.assertIn(info["external_id"], assume["message"])
        status, refused, _ = self.srv.call("PUT", "/v1/tenants/api-wrong-ext", settings)
        self.assertEqual(status, 422, refused)
        self.assertIn("at AssumeRole", refused["error"]["message"])

    def test_steps_stream_as_ndjson_in_order(self):
        user = self.key_user(policies.spec_policy(self.bucket, without=["s3:GetObject"]))
        lines = self.srv.stream("/v1/tenants/api-stream/test", self.key_settings(user, support.unique("api-stream")))
        steps = [l["step"] for l in lines if "step" in l]
        self.assertEqual([s["action"] for s in steps], list(STEPS.values()))
        self.assertEqual([s["status"] for s in steps], ["pass", "pass", "pass", "fail", "pass"])
        self.assertIn("report", lines[-1])
        self.assertEqual(lines[-1]["report"]["failed_action"], "GetObject")

    def test_save_with_verify_false_is_logged_and_a_racing_save_gets_409(self):
        user = self.key_user(policies.spec_policy(self.bucket))
        settings = self.key_settings(user, support.unique("api-race"))
        status, saved, _ = self.srv.call("PUT", "/v1/tenants/api-race?verify=false", settings)
        self.assertEqual(status, 200, saved)
        self.assertFalse(saved["verified"])
        self.assertIsNone(saved["check"])
        # The request's line is written once the response is out: wait for the reader to see it.
        deadline = time.monotonic() + 10
        while True:
            lines = [l for l in self.srv.log() if l.get("msg") == "http request" and l.get("path") == "/v1/tenants/api-race"]
            if any("verify=false" in l.get("note", "") for l in lines) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(any("verify=false" in l.get("note", "") for l in lines), lines)
        self.assertTrue(any("verify=false" in l.get("msg", "") and l.get("tenant") == "api-race" for l in self.srv.log()))
        # Another writer (a save in flight, or `secexport tenant save`) holds the tenant's lock.
        with open(os.path.join(self.dir, ".api-race.lock"), "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            for method, path in (("PUT", "/v1/tenants/api-race"), ("POST", "/v1/tenants/api-race/disable"),
                                 ("DELETE", "/v1/tenants/api-race")):
                status, body, _ = self.srv.call(method, path, settings if method == "PUT" else None)
                self.assertEqual(status, 409, body)
                self.assertEqual(body["error"]["code"], "conflict")
        status, body, _ = self.srv.call("POST", "/v1/tenants/api-race/disable")
        self.assertEqual((status, body["enabled"]), (200, False))
        status, body, _ = self.srv.call("DELETE", "/v1/tenants/api-race")
        self.assertEqual((status, body), (200, {"removed": "api-race"}))
        self.assertEqual(self.srv.call("GET", "/v1/tenants/api-race")[0], 404)
        self.assertEqual(self.srv.call("DELETE", "/v1/tenants/api-race")[0], 404)

    # ------------------------------------------------------------------ bad input

    def test_bad_bodies_are_refused_naming_the_field(self):
        path = "/v1/tenants/api-bad/test"
        cases = [
            (b"{not json", 400, "body"),
            (b"[1, 2]", 400, "body"),
            (json.dumps({"bucket": 7}).encode(), 400, "bucket"),
            (json.dumps({"bucket": "Not_A_Bucket", "method": "access-key", "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                         "secret_access_key": "x" * 40}).encode(), 400, "bucket"),
            (json.dumps({"buckett": "b"}).encode(), 400, "buckett"),
            (json.dumps({"method": "password"}).encode(), 400, "method"),
            (json.dumps({"session_duration": 60}).encode(), 400, "session_duration"),
            (json.dumps({"method": "role-arn", "role_arn": "arn:aws:iam::1:user/x", "bucket": "good-bucket"}).encode(),
             400, "role_arn"),
            (json.dumps({"prefix": "../up"}).encode(), 400, "prefix"),
            (b"{" + b'"bucket": "' + b"b" * (70 * 1024) + b'"}', 413, "body"),
        ]
        for raw, status, field in cases:
            with self.subTest(field=field, status=status):
                got, body, _ = self.srv.call("POST", path, raw=raw)
                self.assertEqual(got, status, body)
                self.assertEqual(body["error"]["field"], field, body)
                self.assertTrue(body["error"]["message"])
        got, body, _ = self.srv.call("PUT", "/v1/tenants/api-bad?verify=maybe", {})
        self.assertEqual((got, body["error"]["field"]), (400, "verify"))
        got, body, _ = self.srv.call("GET", "/v1/tenants/api-bad/exports?days=1000")
        self.assertIn(got, (400, 404))
        got, body, _ = self.srv.call("GET", "/v1/tenants/bad%2Fname")
        self.assertEqual((got, body["error"]["field"]), (400, "tenant"))
        got, body, _ = self.srv.call("GET", "/v1/nothing")
        self.assertEqual((got, body["error"]["code"]), (404, "not_found"))
        got, body, headers = self.srv.call("PATCH", "/v1/tenants/api-bad", {})
        self.assertEqual(got, 405)
        self.assertIn("PUT", headers["allow"])
        got, body, _ = self.srv.call("GET", "/v1/tenants", headers={"X-Big": "a" * 20000})
        self.assertEqual(got, 431, body)
        # The server still answers after each refusal.
        self.assertEqual(self.srv.call("GET", "/healthz", token=None)[0], 200)

    # ------------------------------------------------------------------ the CLI and the API say the same

    def test_the_cli_json_and_the_api_json_are_the_same(self):
        user = self.key_user(policies.spec_policy(self.bucket))
        self.assertEqual(self.srv.call("PUT", "/v1/tenants/api-same", self.key_settings(user, "same"))[0], 200)
        r = self.cli("show", "api-same", "--output", "json")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(json.loads(r.stdout), self.srv.call("GET", "/v1/tenants/api-same")[1])
        r = self.cli("list", "--output", "json")
        cli_list = {t["tenant"]: t for t in json.loads(r.stdout)["tenants"]}
        api_list = {t["tenant"]: t for t in self.srv.call("GET", "/v1/tenants")[1]["tenants"]}
        self.assertEqual(cli_list["api-same"], api_list["api-same"])
        self.assertEqual(set(cli_list), set(api_list))
        r = self.cli("external-id", "api-same", "--output", "json", "--endpoint-url", self.st["endpoint"],
                     "--sts-endpoint-url", self.st["endpoint"])
        self.assertEqual(r.returncode, 0, r)
        cli_ext = json.loads(r.stdout)
        api_ext = self.srv.call("POST", "/v1/tenants/api-same/external-id")[1]
        self.assertFalse(api_ext["issued_now"])
        self.assertEqual({**cli_ext, "issued_now": False}, api_ext)
        r = self.cli("test", "api-same", "--output", "json", "--endpoint-url", self.st["endpoint"],
                     "--sts-endpoint-url", self.st["endpoint"])
        self.assertEqual(r.returncode, 0, r)
        cli_report = json.loads(r.stdout)
        api_report = self.run_check("api-same", {})
        strip = lambda rep: [(s["action"], s["permission"], s["status"]) for s in rep["steps"]]
        self.assertEqual(strip(cli_report), strip(api_report))
        self.assertEqual(set(cli_report), set(api_report))
        status, pol, _ = self.srv.call("GET", f"/v1/tenants/api-same/policy?bucket={self.bucket}&prefix=same")
        self.assertEqual(status, 200, pol)
        r = self.cli("policy", "api-same", "--bucket", self.bucket, "--prefix", "same", "--output", "json")
        self.assertEqual(json.loads(r.stdout), pol["policy"])
        self.assertIn("s3:AbortMultipartUpload", json.dumps(pol["cleanup_policy"]))

    def test_the_policy_pipes_into_aws_iam_put_role_policy(self):
        if not shutil.which("aws"):
            self.skipTest("the aws CLI is not installed")
        trust = policies.trust_policy(self.identity["arn"], "pipe-test")
        arn = admin.create_role(self.st, "pipe-" + uuid.uuid4().hex[:8], trust, None)
        name = arn.rsplit("/", 1)[1]
        env = support.base_env(self.st, user="admin")
        env.update(SECEXPORT_TENANTS_DIR=self.dir, SECEXPORT_STORE_KEY_FILE=self.key_file)
        pipe = subprocess.run(
            f"'{support.BIN}' tenant policy piped --bucket {self.bucket} --prefix audit --output json | "
            f"aws iam put-role-policy --region {self.st['region']} --endpoint-url {self.st['endpoint']} --role-name {name} "
            f"--policy-name secexport --policy-document file:///dev/stdin",
            shell=True, env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(pipe.returncode, 0, pipe.stderr)
        got = subprocess.run(["aws", "iam", "get-role-policy", "--region", self.st["region"], "--endpoint-url", self.st["endpoint"], "--role-name", name,
                              "--policy-name", "secexport", "--output", "json"], env=env, capture_output=True,
                             text=True, timeout=120)
        self.assertEqual(got.returncode, 0, got.stderr)
        doc = json.loads(got.stdout)["PolicyDocument"]
        if isinstance(doc, str):
            doc = json.loads(doc)
        self.assertEqual(doc["Statement"][1]["Resource"], f"arn:aws:s3:::{self.bucket}/audit/*")

    # ------------------------------------------------------------------ exports

    def test_exports_through_the_api_and_a_saved_tenant_is_exported_by_run(self):
        prefix = support.unique("api-exports")
        user = self.key_user(policies.spec_policy(self.bucket))
        with support.event_source(self.st, 200) as src:
            settings = self.key_settings(user, prefix, source_url=src.url)
            self.assertEqual(self.srv.call("PUT", "/v1/tenants/api-export", settings)[0], 200)
            status, listing, _ = self.srv.call("GET", "/v1/tenants/api-export/exports?days=3")
            self.assertEqual(status, 200, listing)
            self.assertEqual([d["status"] for d in listing["days"]], ["missing"] * 3)
            day, day_before = listing["days"][0]["date"], listing["days"][1]["date"]

            status, run, headers = self.srv.call("POST", "/v1/tenants/api-export/exports", {"date": day})
            self.assertEqual(status, 202, run)
            self.assertEqual(headers["location"], f"/v1/tenants/api-export/exports/{run['id']}")
            again = self.srv.call("POST", "/v1/tenants/api-export/exports", {"date": day})
            self.assertIn(again[0], (202, 409))  # 409 while the first still runs
            done = self.srv.wait_export("api-export", run["id"])
            self.assertEqual(done["status"], "succeeded", done)
            expected = sum(1 for _ in src.dump("api-export", day + "T00:00:00Z", self.next_day(day) + "T00:00:00Z"))
            self.assertEqual(done["rows"], expected)

            # The daily job reads the store the API wrote (encrypted secret and all).
            r = support.run(["run", "--tenant", "api-export", "--date", day_before, "--endpoint-url",
                             self.st["endpoint"], "--sts-endpoint-url", self.st["endpoint"]], self.env(), timeout=600)
            self.assertEqual(r.returncode, 0, r)
            self.assertRegex(r.stdout, rf"api-export\s+ok\s+{day_before}")

            status, listing, _ = self.srv.call("GET", "/v1/tenants/api-export/exports?days=3")
            by_day = {d["date"]: d for d in listing["days"]}
            for d in (day, day_before):
                self.assertEqual(by_day[d]["status"], "exported", listing)
                m = support.manifest(self.st, support.report_key(prefix, "api-export", d))
                self.assertEqual(by_day[d]["rows"], m["rows"])
                self.assertEqual(by_day[d]["bytes"], m["bytes"])
            self.assertEqual(listing["runs"][0]["id"], run["id"])
            for bad in ({"date": "tomorrow"}, {"day": day}, {}):
                got, body, _ = self.srv.call("POST", "/v1/tenants/api-export/exports", bad)
                self.assertEqual(got, 400, body)
            self.assertEqual(self.srv.call("GET", "/v1/tenants/api-export/exports/999999")[0], 404)

    @staticmethod
    def next_day(day: str) -> str:
        import datetime
        return (datetime.date.fromisoformat(day) + datetime.timedelta(days=1)).isoformat()

    # ------------------------------------------------------------------ last: what was said

    def test_zz_no_secret_in_any_response_or_log_line_and_one_log_line_per_request(self):
        secrets_used = [self.srv.token, self.identity["secret_access_key"], *self.posted_secrets]
        said = "\n".join(self.srv.bodies) + "".join(self.srv.stderr_lines)
        for s in secrets_used:
            self.assertNotIn(s, said)
        requests = [l for l in self.srv.log() if l.get("msg") == "http request"]
        self.assertGreaterEqual(len(requests), len(self.srv.bodies) - 5)
        for l in requests:
            self.assertEqual(set(l) - {"ts", "level", "msg", "note"}, {"method", "path", "status", "bytes", "ms", "remote"})

    def test_zz_sigterm_stops_the_server_with_status_0(self):
        with serve(self.st, self.env(), self.dir, store_key=self.key_file) as other:
            self.assertEqual(other.call("GET", "/healthz", token=None)[0], 200)
            other.proc.send_signal(signal.SIGTERM)
            self.assertEqual(other.stop(), 0)
            self.assertTrue(any(l.get("msg") == "serve stopped" for l in other.log()))


if __name__ == "__main__":
    unittest.main()
