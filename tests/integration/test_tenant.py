"""Tenants as customers set them up, against moto with IAM enforced (TLS): `tenant test` with
exactly the spec's policy for both methods and with each action taken away, external IDs and
the trust policy secexport prints, `tenant save` refusing what fails, and the daily job
(`run --all-tenants`, catch-up, `daemon` across midnight under a fake clock, SIGTERM)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest
import uuid

import boto3

import support
from support import admin, clients, policies

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
STEPS = {"s3:GetBucketLocation": "GetBucketLocation", "s3:ListBucket": "ListObjectsV2",
         "s3:PutObject": "PutObject", "s3:GetObject": "GetObject", "s3:DeleteObject": "DeleteObject"}


class fake_imds:
    """The EC2 instance metadata service (IMDSv2) on loopback, serving `creds` for one role;
    every request without the session token is refused, as IMDSv2-only instances do."""

    def __init__(self, creds: dict):
        self.creds, self.paths = creds, []

    def __enter__(self):
        import http.server
        import threading
        outer, token = self, "imds-token-" + uuid.uuid4().hex

        class handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, body=b""):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self):
                outer.paths.append(f"PUT {self.path}")
                ok = self.path == "/latest/api/token" and self.headers.get("x-aws-ec2-metadata-token-ttl-seconds")
                self.reply(200 if ok else 400, token.encode() if ok else b"")

            def do_GET(self):
                outer.paths.append(f"GET {self.path}")
                if self.headers.get("x-aws-ec2-metadata-token") != token:
                    return self.reply(401)
                base = "/latest/meta-data/iam/security-credentials/"
                c = outer.creds
                if self.path == base:
                    return self.reply(200, b"secexport-instance-role")
                if self.path == base + "secexport-instance-role":
                    doc = {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": c["AccessKeyId"],
                           "SecretAccessKey": c["SecretAccessKey"], "Token": c["SessionToken"],
                           "Expiration": c["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")}
                    return self.reply(200, json.dumps(doc).encode())
                self.reply(404)

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def step_lines(stdout: str) -> dict[str, str]:
    """{step name: its line} from `tenant test` output."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"\s+(pass|FAIL|skip)\s+(\S+)\s", line)
        if m:
            out[m.group(2)] = line
    return out


def failed_steps(stdout: str) -> list[str]:
    return [name for name, line in step_lines(stdout).items() if line.split()[0] == "FAIL"]


@unittest.skipUnless(ON_MOTO, "IAM policies, STS and external IDs are moto's part of the suite")
class tenant_test(support.tenant_harness):
    # ------------------------------------------------------------------ helpers

    def issue_external_id(self, tenant: str) -> tuple[str, dict]:
        r = self.tenant("external-id", tenant)
        self.assertEqual(r.returncode, 0, r)
        ext = re.search(r"External ID for tenant \S+: (\S+)", r.stdout).group(1)
        # The printed step 3 is a `tenant save` that would pass: it names every required flag.
        self.assertRegex(r.stdout, r"tenant save \S+ --method role-arn --role-arn ARN --bucket BUCKET --source-url URL")
        trust = json.loads(r.stdout[r.stdout.index("{"):])
        return ext, trust

    def role_tenant(self, tenant: str, policy, prefix: str) -> str:
        """A tenant on the role-arn method whose role trusts the exporter with the issued ID."""
        ext, trust = self.issue_external_id(tenant)
        arn = admin.create_role(self.st, "customer-" + uuid.uuid4().hex[:8], trust, policy)
        r = self.tenant("save", tenant, "--method", "role-arn", "--role-arn", arn, "--bucket", self.bucket,
                        "--prefix", prefix, "--source-url", "https://127.0.0.1:1", "--no-verify")
        self.assertEqual(r.returncode, 0, r)
        return arn

    def role_name(self, arn: str) -> str:
        return arn.rsplit("/", 1)[1]

    def leftover_probes(self, prefix: str) -> list[str]:
        s3 = clients.client(self.st, "s3", "admin")
        return [o["Key"] for o in s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])]

    # ------------------------------------------------------------------ tenant test / save

    def test_the_spec_policy_passes_for_both_methods_and_leaves_no_probe(self):
        user = self.key_user(policies.spec_policy(self.bucket))
        prefix = support.unique("t-pass")
        self.save_key_tenant("keys-ok", user, prefix)
        r = self.tenant("test", "keys-ok")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(failed_steps(r.stdout), [])
        self.assertEqual(sorted(step_lines(r.stdout)), sorted(STEPS.values()))
        self.assertIn("credential check passed", r.stdout)

        self.role_tenant("role-ok", policies.spec_policy(self.bucket), prefix + "/role")
        r = self.tenant("test", "role-ok")
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(sorted(step_lines(r.stdout)), sorted(["AssumeRole", *STEPS.values()]))
        self.assertEqual(self.leftover_probes(prefix), [], "the probe object must be deleted")

    def test_each_missing_action_fails_exactly_its_step_and_save_refuses(self):
        for action, step in STEPS.items():
            for method in ("access-key", "role-arn"):
                with self.subTest(action=action, method=method):
                    prefix = support.unique("t-deny")
                    policy = policies.spec_policy(self.bucket, without=[action])
                    tenant = f"deny-{method}-{step.lower()}"
                    if method == "access-key":
                        user = self.key_user(policy)
                        r = self.save_key_tenant(tenant, user, prefix, check=False)
                        self.assertNotEqual(r.returncode, 0, r)
                        self.assertIn("not saved", r.stderr)
                        self.assertFalse(os.path.exists(os.path.join(self.dir, tenant + ".conf")),
                                         "a failing tenant must not be saved")
                        self.save_key_tenant(tenant, user, prefix, "--no-verify")
                    else:
                        self.role_tenant(tenant, policy, prefix)
                    r = self.tenant("test", tenant)
                    self.assertNotEqual(r.returncode, 0, r)
                    self.assertEqual(failed_steps(r.stdout), [step], r.stdout)
                    line = step_lines(r.stdout)[step]
                    self.assertIn(action, line)
                    self.assertIn("AccessDenied", line)
                    self.assertIn(f"FAILED at {step}: {action} is needed", r.stdout)
                    if action != "s3:DeleteObject":
                        self.assertEqual(self.leftover_probes(prefix), [])
                    if method == "role-arn":
                        # Save changes runs the same check and refuses.
                        r = self.tenant("save", tenant)
                        self.assertNotEqual(r.returncode, 0, r)
                        self.assertIn("not saved", r.stderr)

    def test_a_wrong_external_id_fails_at_assume_role_naming_the_id(self):
        ext, trust = self.issue_external_id("wrong-ext")
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = "some-other-id"
        arn = admin.create_role(self.st, "customer-" + uuid.uuid4().hex[:8], trust, policies.spec_policy(self.bucket))
        args = ["--method", "role-arn", "--role-arn", arn, "--bucket", self.bucket, "--source-url",
                "https://127.0.0.1:1"]
        r = self.tenant("save", "wrong-ext", *args)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertEqual(failed_steps(r.stdout), ["AssumeRole"], r.stdout)
        self.assertIn(ext, step_lines(r.stdout)["AssumeRole"])
        self.assertIn("sts:AssumeRole", step_lines(r.stdout)["AssumeRole"])
        for later in STEPS.values():
            self.assertTrue(step_lines(r.stdout)[later].split()[0] == "skip", r.stdout)
        conf = os.path.join(self.dir, "wrong-ext.conf")
        with open(conf) as f:
            self.assertNotIn("role-arn = ", f.read(), "the failing settings must not be saved")

    def test_a_role_whose_maximum_session_is_shorter_falls_back_to_3600_with_a_warning(self):
        # moto does not enforce MaxSessionDuration: the proxy answers the first AssumeRole as STS does.
        self.role_tenant("long-session", policies.spec_policy(self.bucket), support.unique("t-dur"))
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "AssumeRole", "times": 1, "status": 400, "code": "ValidationError",
                           "message": "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}])
            r = support.run(["tenant", "test", "long-session", "--session-duration", "7200", "--endpoint-url",
                             self.st["endpoint"], "--sts-endpoint-url", fp.endpoint], self.env())
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(fp.ops().count("AssumeRole"), 2, fp.ops())
            self.assertIn("AssumeRole refused the session duration; trying 3600 s", r.stderr)
            forms = [q["form"] for q in fp.requests() if q["op"] == "AssumeRole"]
            self.assertIn("DurationSeconds=7200", forms[0])
            self.assertIn("DurationSeconds=3600", forms[1])
            self.assertIn("RoleSessionName=secexport-long-session-check", forms[1])

    def test_saved_settings_are_private_and_show_masks_the_secret(self):
        user = self.key_user(policies.spec_policy(self.bucket))
        r = self.save_key_tenant("shown", user, support.unique("t-show"))
        self.assertIn("saved tenant shown (enabled, access-key)", r.stdout)
        path = os.path.join(self.dir, "shown.conf")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        r = self.tenant("show", "shown", aws=False)
        self.assertEqual(r.returncode, 0, r)
        self.assertNotIn(user["secret_access_key"], r.stdout + r.stderr)
        self.assertNotIn(user["access_key_id"], r.stdout)
        self.assertIn("**** (set)", r.stdout)
        os.chmod(path, 0o644)
        r = self.tenant("show", "shown", aws=False)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("chmod 600", r.stderr)
        os.chmod(path, 0o600)
        self.assertEqual(self.tenant("disable", "shown", aws=False).returncode, 0)
        self.assertIn("shown                    no ", self.tenant("list", aws=False).stdout)

    def test_the_printed_trust_policy_lets_the_exporter_in_with_its_id_only(self):
        ext, trust = self.issue_external_id("trusting")
        again, _ = self.issue_external_id("trusting")
        self.assertEqual(again, ext, "the external ID is issued once and shown the same later")
        self.assertGreaterEqual(len(ext), 22)
        self.assertEqual(trust["Statement"][0]["Principal"]["AWS"], self.identity["arn"])
        arn = admin.create_role(self.st, "customer-" + uuid.uuid4().hex[:8], trust, policies.spec_policy(self.bucket))
        sts = boto3.client("sts", endpoint_url=self.st["endpoint"], verify=self.st["ca_file"],
                           region_name=self.st["region"], aws_access_key_id=self.identity["access_key_id"],
                           aws_secret_access_key=self.identity["secret_access_key"])
        sts.assume_role(RoleArn=arn, RoleSessionName="ok", ExternalId=ext)
        with self.assertRaises(Exception) as denied:
            sts.assume_role(RoleArn=arn, RoleSessionName="no", ExternalId=ext + "x")
        self.assertIn("AccessDenied", str(denied.exception))
        r = self.tenant("save", "trusting", "--method", "role-arn", "--role-arn", arn, "--bucket", self.bucket,
                        "--prefix", support.unique("t-trust"), "--source-url", "https://127.0.0.1:1")
        self.assertEqual(r.returncode, 0, r)
        r = self.tenant("external-id", "trusting", "--trust-account")
        self.assertIn('"AWS": "arn:aws:iam::123456789012:root"', r.stdout)

    def test_the_exporter_identity_can_come_from_instance_metadata(self):
        """IMDSv2 on loopback serving real temporary credentials (the exporter running under a
        role): the trust policy then names that IAM role, not the session."""
        creds = clients.assume_role(self.st)  # as exporter-identity: customer-role's session
        support.remember_secrets([creds["SecretAccessKey"], creds["SessionToken"]])
        with fake_imds(creds) as imds:
            env = support.base_env(self.st, user=None)
            env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url, SECEXPORT_TENANTS_DIR=self.dir)
            r = support.run(["tenant", "external-id", "imds-tenant", *self.endpoints()], env)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn(f'"AWS": "{self.st["role"]["arn"]}"', r.stdout)
            self.assertEqual(imds.paths[:3], ["PUT /latest/api/token", "GET /latest/meta-data/iam/security-credentials/",
                                              "GET /latest/meta-data/iam/security-credentials/secexport-instance-role"])
        env = support.base_env(self.st, user=None)
        env.update(AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9", SECEXPORT_TENANTS_DIR=self.dir)
        started = time.monotonic()
        r = support.run(["tenant", "external-id", "imds-tenant", *self.endpoints()], env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("instance metadata service at http://127.0.0.1:9 failed", r.stderr)
        self.assertLess(time.monotonic() - started, 10)
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        r = support.run(["tenant", "external-id", "imds-tenant", *self.endpoints()], env)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("no AWS credentials found", r.stderr)

    def test_policy_prints_the_spec_policy_and_the_cleanup_extra(self):
        r = self.tenant("policy", "pol", "--bucket", self.bucket, "--prefix", "audit", aws=False)
        self.assertEqual(r.returncode, 0, r)
        first = r.stdout[r.stdout.index("{"):r.stdout.index("}\n\n") + 1]
        doc = json.loads(first)
        self.assertEqual(doc["Statement"][0]["Action"], ["s3:ListBucket", "s3:GetBucketLocation"])
        self.assertEqual(doc["Statement"][1]["Resource"], f"arn:aws:s3:::{self.bucket}/audit/*")
        self.assertIn("s3:AbortMultipartUpload", r.stdout[r.stdout.index("Optional"):])

    # ------------------------------------------------------------------ the daily job

    def test_run_all_tenants_exports_the_good_ones_and_reports_the_denied_one(self):
        d = tempfile.mkdtemp(prefix="secexport-run-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("run-all")
        with support.event_source(self.st, 500) as src:
            env = self.env(SECEXPORT_TENANTS_DIR=d)
            good = self.key_user(policies.spec_policy(self.bucket))
            revoked = self.key_user(policies.spec_policy(self.bucket))
            for name, user in (("alpha", good), ("gamma", revoked)):
                r = support.run(["tenant", "save", name, "--method", "access-key", "--access-key-id",
                                 user["access_key_id"], "--bucket", self.bucket, "--prefix", prefix,
                                 "--source-url", src.url, *self.endpoints()],
                                dict(env, SECEXPORT_TENANT_SECRET_ACCESS_KEY=user["secret_access_key"]))
                self.assertEqual(r.returncode, 0, r)
            ext, trust = self.issue_external_id_in(d, "beta")
            arn = admin.create_role(self.st, "customer-" + uuid.uuid4().hex[:8], trust,
                                    policies.spec_policy(self.bucket))
            r = support.run(["tenant", "save", "beta", "--method", "role-arn", "--role-arn", arn, "--bucket",
                             self.bucket, "--prefix", prefix, "--source-url", src.url, *self.endpoints()], env)
            self.assertEqual(r.returncode, 0, r)
            admin.delete_user_policy(self.st, revoked["name"])
            # A tenant whose settings file is broken, and one that others can read: each is
            # reported, neither stops the rest.
            for name, text, mode in (("broken", "[tenant]\nmethod access-key\n", 0o600),
                                     ("leaky", "[tenant]\nenabled = true\n", 0o644)):
                path = os.path.join(d, name + ".conf")
                with open(path, "w") as f:
                    f.write(text)
                os.chmod(path, mode)

            r = self.run_job("--all-tenants", "--catch-up-days", "1", fake_now="2026-11-23T00:00:30Z", dir=d)
            self.assertEqual(r.returncode, 1, r)
            rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
            self.assertRegex(rows["alpha"], r"\bok\s+2026-11-22\b")
            self.assertRegex(rows["beta"], r"\bok\s+2026-11-22\b")
            self.assertIn("FAILED", rows["gamma"])
            self.assertIn("AccessDenied", rows["gamma"])
            self.assertIn("s3:GetObject", rows["gamma"])
            self.assertIn("FAILED", rows["broken"])
            self.assertIn("broken.conf:2", rows["broken"])
            self.assertIn("FAILED", rows["leaky"])
            self.assertIn("chmod 600", rows["leaky"])
            n = sum(1 for _ in src.dump("alpha", "2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z"))
            for t in ("alpha", "beta"):
                m = support.manifest(self.st, support.report_key(prefix, t, "2026-11-22"))
                self.assertIsNotNone(m, t)
                self.assertEqual(m["rows"], n)
            self.assertIsNone(support.manifest(self.st, support.report_key(prefix, "gamma", "2026-11-22")))

    def issue_external_id_in(self, d: str, tenant: str):
        r = support.run(["tenant", "external-id", tenant, "--tenants-dir", d, *self.endpoints()], self.env())
        self.assertEqual(r.returncode, 0, r)
        ext = re.search(r"External ID for tenant \S+: (\S+)", r.stdout).group(1)
        return ext, json.loads(r.stdout[r.stdout.index("{"):])

    def test_catch_up_exports_exactly_the_missing_days_oldest_first(self):
        d = tempfile.mkdtemp(prefix="secexport-catchup-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("catch-up")
        user = self.key_user(policies.spec_policy(self.bucket))
        s3 = clients.client(self.st, "s3", "admin")
        with support.event_source(self.st, 300) as src:
            self.save_in(d, "delta", user, prefix, src.url)
            done = ["2026-11-19", "2026-11-21", "2026-11-24"]
            for day in done:  # the bucket is the state: a manifest means "exported"
                key = support.report_key(prefix, "delta", day).removesuffix(".csv") + ".manifest.json"
                s3.put_object(Bucket=self.bucket, Key=key, Body=b"{}")
            r = self.run_job("--tenant", "delta", fake_now="2026-11-25T00:10:00Z", dir=d)
            self.assertEqual(r.returncode, 0, r)
            missing = ["2026-11-18", "2026-11-20", "2026-11-22", "2026-11-23"]
            self.assertIn(",".join(missing), r.stdout, "exactly the missing days, oldest first")
            order = re.findall(r'tenant day exported.*?"?day"?[=:]\s*"?(\d{4}-\d\d-\d\d)', r.stderr)
            self.assertEqual(order, missing, r.stderr)
            for day in missing:
                self.assertIsNotNone(support.manifest(self.st, support.report_key(prefix, "delta", day)), day)
            r = self.run_job("--tenant", "delta", fake_now="2026-11-25T00:20:00Z", dir=d)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("(up to date)", r.stdout)
            self.assertIn("7 day(s) already exported", r.stdout)

    def test_each_days_manifest_counts_only_its_own_retries(self):
        d = tempfile.mkdtemp(prefix="secexport-retries-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("retries")
        user = self.key_user(policies.spec_policy(self.bucket))
        with support.event_source(self.st, 300) as src, support.fault_proxy(self.st) as fp:
            self.save_in(d, "epsilon", user, prefix, src.url)
            # The first day's report is one PutObject: its first two attempts get SlowDown.
            fp.set_rules([{"op": "PutObject", "times": 2, "status": 503, "code": "SlowDown"}])
            r = support.run(["run", "--tenant", "epsilon", "--catch-up-days", "2", "--tenants-dir", d,
                             "--endpoint-url", fp.endpoint, "--sts-endpoint-url", self.st["endpoint"]],
                            self.job_env("2026-11-25T00:10:00Z"), timeout=600)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(fp.ops().count("HeadObject"), 4, "a probe and a size check per day")
            first = support.manifest(self.st, support.report_key(prefix, "epsilon", "2026-11-23"))
            second = support.manifest(self.st, support.report_key(prefix, "epsilon", "2026-11-24"))
            self.assertEqual(first["upload"]["retries"], 2, first)
            self.assertEqual(second["upload"]["retries"], 0, "the second day reports only its own retries")
            self.assertEqual(second["source"]["retries"], 0)

    def test_shards_split_the_tenants_without_overlap(self):
        d = tempfile.mkdtemp(prefix="secexport-shard-")
        self.addCleanup(shutil.rmtree, d, True)
        user = self.key_user(policies.spec_policy(self.bucket))
        names = [f"shard-{i}" for i in range(8)]
        for n in names:  # unreachable source: each tenant fails fast, but the table names it
            r = support.run(["tenant", "save", n, "--method", "access-key", "--access-key-id", user["access_key_id"],
                             "--bucket", self.bucket, "--prefix", support.unique("shard"), "--source-url",
                             "https://127.0.0.1:9", "--no-verify", "--tenants-dir", d],
                            self.env(SECEXPORT_TENANT_SECRET_ACCESS_KEY=user["secret_access_key"]))
            self.assertEqual(r.returncode, 0, r)
        seen = []
        for i in range(3):
            r = support.run(["run", "--all-tenants", "--shard", f"{i}/3", "--date", "2026-11-22", "--max-attempts", "1",
                             "--tenants-dir", d, *self.endpoints()], self.env())
            seen += [line.split()[0] for line in r.stdout.splitlines()[1:] if line.startswith("shard-")]
        self.assertEqual(sorted(seen), names, "every tenant in exactly one shard")
        env = self.env(JOB_COMPLETION_INDEX="1")
        r = support.run(["run", "--all-tenants", "--shard-count", "3", "--date", "2026-11-22", "--max-attempts", "1",
                         "--tenants-dir", d, *self.endpoints()], env)
        r1 = support.run(["run", "--all-tenants", "--shard", "1/3", "--date", "2026-11-22", "--max-attempts", "1",
                          "--tenants-dir", d, *self.endpoints()], self.env())
        pick = lambda out: sorted(l.split()[0] for l in out.splitlines()[1:] if l.startswith("shard-"))
        self.assertEqual(pick(r.stdout), pick(r1.stdout))

    def finish(self, p: subprocess.Popen) -> tuple[int, str, str]:
        out, err = p.communicate(timeout=120)
        support._capture(err)
        return p.returncode, out, err

    def test_daemon_exports_the_previous_day_right_after_midnight(self):
        d = tempfile.mkdtemp(prefix="secexport-daemon-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("daemon")
        user = self.key_user(policies.spec_policy(self.bucket))
        with support.event_source(self.st, 200) as src:
            self.save_in(d, "night", user, prefix, src.url)
            p = self.start_daemon(d, "2026-11-24T23:59:56Z")
            key = support.report_key(prefix, "night", "2026-11-24")
            deadline = time.monotonic() + 60
            while support.manifest(self.st, key) is None and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.25)
            p.send_signal(signal.SIGTERM)
            code, out, err = self.finish(p)
            self.assertEqual(code, 0, err)
            self.assertIsNotNone(support.manifest(self.st, key), err)
            # At start (before midnight) the catch-up exported the 23rd, not the 24th.
            passes = [json.loads(l) for l in err.splitlines() if '"daily pass starting"' in l]
            self.assertGreaterEqual(len(passes), 2, err)
            self.assertEqual(passes[0]["day"], "2026-11-23")
            self.assertEqual(passes[1]["day"], "2026-11-24")
            self.assertGreaterEqual(passes[1]["now"], "2026-11-25T00:00:00")
            self.assertLess(passes[1]["now"], "2026-11-25T00:00:10")
            self.assertIsNotNone(support.manifest(self.st, support.report_key(prefix, "night", "2026-11-23")))

    def test_sigterm_within_the_grace_period_lets_the_export_finish(self):
        d = tempfile.mkdtemp(prefix="secexport-grace-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("grace")
        user = self.key_user(policies.spec_policy(self.bucket))
        with support.event_source(self.st, 20_000, latency_ms=100) as src:
            self.save_in(d, "grace", user, prefix, src.url)
            p = self.start_daemon(d, "2026-11-25T00:00:05Z", "--grace-period", "60", "--page-limit", "1000",
                                  "--source-concurrency", "1")
            deadline = time.monotonic() + 30
            while src.stats().get("pages", 0) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            p.send_signal(signal.SIGTERM)
            code, out, err = self.finish(p)
            self.assertEqual(code, 0, err)
            self.assertIn("exports in flight get the grace period", err)
            m = support.manifest(self.st, support.report_key(prefix, "grace", "2026-11-24"))
            self.assertIsNotNone(m, err)
            self.assertEqual(m["rows"], sum(1 for _ in src.dump("grace", "2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z")))
            self.assertEqual(support.open_uploads(self.st, prefix), [])

    def test_sigterm_during_an_upload_leaves_no_manifest_and_no_open_upload(self):
        d = tempfile.mkdtemp(prefix="secexport-term-")
        self.addCleanup(shutil.rmtree, d, True)
        prefix = support.unique("term")
        # The spec's policy plus the cleanup extra that `tenant policy` offers.
        policy = policies.spec_policy(self.bucket)
        policy["Statement"].append({"Effect": "Allow", "Action": ["s3:AbortMultipartUpload"],
                                    "Resource": f"arn:aws:s3:::{self.bucket}/*"})
        user = self.key_user(policy)
        with support.event_source(self.st, 400_000, latency_ms=150) as src:
            self.save_in(d, "term", user, prefix, src.url)
            p = self.start_daemon(d, "2026-11-25T00:00:05Z", "--grace-period", "0", "--part-size", "5MiB",
                                  "--page-limit", "2000", "--source-concurrency", "2")
            deadline = time.monotonic() + 90
            while not support.open_uploads(self.st, prefix) and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.2)
            self.assertTrue(support.open_uploads(self.st, prefix), "the export never started a multipart upload")
            p.send_signal(signal.SIGTERM)
            code, out, err = self.finish(p)
            self.assertEqual(code, 0, err)
            self.assertIsNone(support.manifest(self.st, support.report_key(prefix, "term", "2026-11-24")))
            self.assertEqual(support.open_uploads(self.st, prefix), [], err)


if __name__ == "__main__":
    unittest.main()
