"""The credential sources of batch jobs, against moto with IAM enforced (TLS): web identity
(EKS IRSA), container credentials (ECS, EKS Pod Identity) and credential_process. For each:
`upload` and `export` succeed with nothing but that source configured, `whoami` names it,
temporary credentials are refreshed before they expire (served with an expiration just past
the 5-minute refresh window, so a run of a few seconds crosses it), and rotated token files
are read again. The services are tools/testenv/credential_stubs.py and credential_process.py,
serving real customer-role sessions from moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import uuid
from pathlib import Path

import support
from support import MiB

from testenv import credential_stubs  # noqa: E402 (support put tools/ on sys.path)

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
TOOLS = support.ROOT / "tools"
# Just past the 5-minute refresh window: such credentials are fresh for about 2 seconds.
SHORT = 302


@unittest.skipUnless(ON_MOTO, "STS web identity and IAM roles are moto's part of the suite")
class credentials_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()
        cls.dir = Path(tempfile.mkdtemp(prefix="secexport-creds-"))
        cls.endpoint = ["--endpoint-url", cls.st["endpoint"]]

    # ------------------------------------------------------------------ helpers

    def env(self, **extra) -> dict:
        """No keys, no profiles, no instance metadata: only what the test adds."""
        e = support.base_env(self.st, user=None)
        e.update(AWS_EC2_METADATA_DISABLED="true", SECEXPORT_SOURCE_TOKEN=support.SOURCE_TOKEN)
        e.update(extra)
        return e

    def token_file(self, name: str, token: str) -> Path:
        support.remember_secrets([token])
        p = self.dir / name
        p.write_text(token)
        p.chmod(0o600)
        return p

    def upload(self, env: dict, size: int = 1 * MiB + 7, extra=()) -> None:
        key = support.unique("creds") + "/object"
        r = support.run_piped(["upload", *self.endpoint, *extra, "-", f"s3://{self.st['bucket']}/{key}"], env, size,
                              seed=size)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(support.object_sha256(self.st, key), r.sha256)

    def export(self, env: dict, extra=()) -> None:
        prefix = support.unique("creds-export")
        with support.event_source(self.st, 500) as src:
            r = support.run(["export", "--tenant", "acme", "--date", "2026-11-22", "--source-url", src.url,
                             "--bucket", self.st["bucket"], "--prefix", prefix, *self.endpoint, *extra], env)
        self.assertEqual(r.returncode, 0, r)
        key = support.report_key(prefix, "acme", "2026-11-22")
        m = support.manifest(self.st, key)
        self.assertIsNotNone(m, "no manifest")
        self.assertEqual(m["rows"], 500)

    def whoami(self, env: dict, extra=()) -> dict:
        """`whoami` both ways, asking moto's STS (GetCallerIdentity is signed, as in AWS)."""
        extra = ["--sts-endpoint-url", self.st["endpoint"], *extra]
        r = support.run(["whoami", "--output", "json", *extra], env)
        self.assertEqual(r.returncode, 0, r)
        doc = json.loads(r.stdout)
        text = support.run(["whoami", *extra], env)
        self.assertEqual(text.returncode, 0, text)
        self.assertIn("Credentials: " + doc["credentials"]["source"], text.stdout)
        self.assertIn("Account:     " + doc["account"], text.stdout)
        # each run may get a new session (the stubs name them at random): compare up to it
        self.assertIn("ARN:         " + doc["arn"].rsplit("/", 1)[0] + "/", text.stdout)
        self.assertEqual(doc["account"], self.st["account_id"])
        return doc

    def slow_upload(self, env: dict, seconds: int, on_second=None, extra=()) -> str:
        """A multipart upload fed one 5 MiB part a second, so its requests span `seconds`
        seconds; `on_second(i)` runs before part i is written."""
        key = support.unique("creds-slow") + "/object"
        chunks = [bytes([i % 251]) * (5 * MiB) for i in range(seconds)]

        def feed(p):
            for i, c in enumerate(chunks):
                if on_second:
                    on_second(i)
                p.stdin.write(c)
                p.stdin.flush()
                time.sleep(1)

        p = subprocess.Popen([support.BIN, "upload", *self.endpoint, "--part-size", "5MiB", "--log-level", "debug",
                              *extra, "-", f"s3://{self.st['bucket']}/{key}"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        import threading
        out = {}
        def reader(name, stream):
            with stream:
                out[name] = stream.read().decode(errors="replace")

        readers = [threading.Thread(target=reader, args=(n, s)) for n, s in (("out", p.stdout), ("err", p.stderr))]
        for t in readers:
            t.start()
        try:
            feed(p)
        finally:
            p.stdin.close()
        p.wait(timeout=300)
        for t in readers:
            t.join()
        support._capture(out["err"])
        self.assertEqual(p.returncode, 0, f"stdout: {out['out']}\nstderr: {out['err']}")
        import hashlib
        self.assertEqual(support.object_sha256(self.st, key), hashlib.sha256(b"".join(chunks)).hexdigest())
        return out["err"]

    def test_whoami_is_a_subcommand_like_the_others(self):
        r = support.run(["whoam"], self.env())
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("(expected export, upload, tenant, run, daemon, whoami or serve)", r.stderr)
        r = support.run(["whoami", "--help"], self.env())
        self.assertEqual(r.returncode, 0, r)
        for flag in ("--profile", "--region", "--sts-endpoint-url", "--role-arn", "--ca-file", "--output"):
            self.assertIn(flag, r.stdout)

    # ------------------------------------------------------------------ web identity

    def web_identity_env(self, token_path: Path, sts_url: str, **extra) -> dict:
        return self.env(AWS_WEB_IDENTITY_TOKEN_FILE=str(token_path), AWS_ROLE_ARN=self.st["role"]["arn"],
                        AWS_ROLE_SESSION_NAME="irsa-pod", AWS_ENDPOINT_URL_STS=sts_url, **extra)

    def test_web_identity_against_moto_uploads_exports_and_whoami_names_it(self):
        """moto's own AssumeRoleWithWebIdentity, sent unsigned, as AWS expects it."""
        token = self.token_file("irsa-token", "eyJhbGciOiJSUzI1NiJ9.irsa-" + uuid.uuid4().hex)
        env = self.web_identity_env(token, self.st["endpoint"])
        self.upload(env)
        self.export(env)
        doc = self.whoami(env)
        self.assertEqual(doc["credentials"]["source"],
                         f"web identity (AWS_WEB_IDENTITY_TOKEN_FILE={token}, role {self.st['role']['arn']})")
        self.assertTrue(doc["credentials"]["temporary"])
        self.assertIn(":assumed-role/customer-role/irsa-pod", doc["arn"])

    def test_web_identity_from_a_profile(self):
        token = self.token_file("profile-token", "eyJ.profile-" + uuid.uuid4().hex)
        config = self.dir / "config-web-identity"
        config.write_text(f"[profile irsa]\nweb_identity_token_file = {token}\nrole_arn = {self.st['role']['arn']}\n"
                          f"role_session_name = from-profile\nsts =\n  endpoint_url = {self.st['endpoint']}\n")
        env = self.env(AWS_CONFIG_FILE=str(config))
        doc = self.whoami(env, ["--profile", "irsa"])
        self.assertEqual(doc["credentials"]["source"], f"web identity (profile 'irsa' web_identity_token_file={token}, "
                                                       f"role {self.st['role']['arn']})")
        self.assertIn("/from-profile", doc["arn"])

    def test_web_identity_refreshes_before_expiry_and_reads_the_rotated_token(self):
        first = "eyJ.first-" + uuid.uuid4().hex
        second = "eyJ.rotated-" + uuid.uuid4().hex
        token = self.token_file("rotating-token", first)
        support.remember_secrets([second])
        with credential_stubs.web_identity_sts(self.st, expires_in=SHORT) as sts:
            env = self.web_identity_env(token, sts.url)

            def rotate(i):
                # After two parts the multipart upload has started, so the first token was used.
                if i == 2:  # Kubernetes replaces the projected token; the next refresh must send it
                    self.assertTrue(sts.wait_for_calls(1))
                    token.write_text(second)

            err = self.slow_upload(env, 8, rotate)
            support.remember_secrets(sts.secrets)
        self.assertGreaterEqual(len(sts.calls), 2, f"no refresh: {sts.calls}")
        self.assertTrue(all(c["action"] == "AssumeRoleWithWebIdentity" and not c["signed"] for c in sts.calls))
        self.assertEqual(sts.calls[0]["token"], first)
        self.assertEqual(sts.calls[-1]["token"], second, "the rotated token file was not read again")
        self.assertEqual({c["role_arn"] for c in sts.calls}, {self.st["role"]["arn"]})
        self.assertEqual({c["session"] for c in sts.calls}, {"irsa-pod"})
        self.assertNotIn("credentials expired", err, "refreshed before expiry, not after a refusal")

    def test_a_missing_token_file_or_role_is_a_clear_error(self):
        env = self.env(AWS_WEB_IDENTITY_TOKEN_FILE=str(self.dir / "absent"), AWS_ROLE_ARN=self.st["role"]["arn"],
                       AWS_ENDPOINT_URL_STS=self.st["endpoint"])
        r = support.run(["whoami"], env)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("cannot read the web identity token file " + str(self.dir / "absent"), r.stderr)
        del env["AWS_ROLE_ARN"]
        r = support.run(["whoami"], env)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("AWS_ROLE_ARN", r.stderr)

    # ------------------------------------------------------------------ container credentials

    def test_container_credentials_with_a_token_file_upload_export_and_whoami(self):
        token = self.token_file("pod-identity-token", "pod-identity-" + uuid.uuid4().hex)
        with credential_stubs.container_endpoint(self.st, token_of=lambda: token.read_text()) as ep:
            env = self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ep.full_uri,
                           AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token))
            self.upload(env)
            self.export(env)
            doc = self.whoami(env)
            support.remember_secrets(ep.secrets)
        self.assertEqual(doc["credentials"]["source"],
                         f"container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI={ep.full_uri})")
        self.assertIn(":assumed-role/customer-role/", doc["arn"])
        self.assertTrue(ep.calls)
        self.assertEqual({c["status"] for c in ep.calls}, {200})

    def test_container_credentials_refresh_before_expiry_with_the_rotated_token(self):
        first = "pod-token-" + uuid.uuid4().hex
        second = "pod-token-rotated-" + uuid.uuid4().hex
        token = self.token_file("rotating-pod-token", first)
        support.remember_secrets([second])
        with credential_stubs.container_endpoint(self.st, token_of=lambda: token.read_text(), expires_in=SHORT) as ep:
            env = self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ep.full_uri,
                           AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token))

            def rotate(i):
                if i == 2:  # the agent rotates the file; the old token is refused from now on
                    self.assertTrue(ep.wait_for_calls(1))
                    token.write_text(second)

            err = self.slow_upload(env, 8, rotate)
            support.remember_secrets(ep.secrets)
        self.assertGreaterEqual(len(ep.calls), 2, f"no refresh: {ep.calls}")
        self.assertEqual(ep.calls[0]["authorization"], first)
        self.assertEqual(ep.calls[-1]["authorization"], second)
        self.assertEqual({c["status"] for c in ep.calls}, {200}, "every fetch sent the token of the moment")
        self.assertNotIn("credentials expired", err, "refreshed before expiry, not after a refusal")

    def test_container_credentials_with_the_token_in_the_environment(self):
        token = "ecs-token-" + uuid.uuid4().hex
        support.remember_secrets([token])
        with credential_stubs.container_endpoint(self.st, token_of=lambda: token) as ep:
            env = self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=ep.full_uri, AWS_CONTAINER_AUTHORIZATION_TOKEN=token)
            self.upload(env)
            support.remember_secrets(ep.secrets)
            # A wrong token: the endpoint refuses, and the error says where to look, not the token.
            env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong-" + token
            r = support.run(["whoami"], env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("answered HTTP 401", r.stderr)
        self.assertIn("AWS_CONTAINER_AUTHORIZATION_TOKEN", r.stderr)
        self.assertNotIn(token, r.stderr)

    def test_plain_http_to_a_non_loopback_container_endpoint_is_refused(self):
        token = "never-sent-" + uuid.uuid4().hex
        support.remember_secrets([token])
        env = self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10:8080/v1/credentials",
                       AWS_CONTAINER_AUTHORIZATION_TOKEN=token)
        started = time.monotonic()
        r = support.run(["upload", *self.endpoint, "-", f"s3://{self.st['bucket']}/{support.unique('refused')}"], env,
                        stdin_bytes=b"x")
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("is plain http to 192.0.2.10", r.stderr)
        self.assertIn("neither a loopback address nor 169.254.170.2", r.stderr)
        self.assertLess(time.monotonic() - started, 5, "refused before any connection")

    # ------------------------------------------------------------------ credential_process

    def process_profile(self, name: str, *args: str) -> Path:
        """A config file whose profile runs tools/testenv/credential_process.py, through a
        path with a space (quoted, as the AWS CLI splits it)."""
        spaced = self.dir / "with space"
        spaced.mkdir(exist_ok=True)
        script = spaced / "creds.py"
        script.write_bytes((TOOLS / "testenv/credential_process.py").read_bytes())
        script.chmod(0o755)
        # the copy imports testenv from tools/: point it there
        text = script.read_text().replace("Path(__file__).resolve().parent.parent", repr(str(TOOLS)), 1)
        script.write_text(text)
        log = self.dir / f"{name}.log"
        log.write_text("")
        config = self.dir / f"config-{name}"
        config.write_text(f"[profile {name}]\ncredential_process = {sys.executable} '{script}' --state "
                          f"\"{self.st['state_dir']}\" --log {log} {' '.join(args)}\n")
        return config

    def runs(self, name: str) -> int:
        lines = (self.dir / f"{name}.log").read_text().splitlines()
        for line in lines:
            support.remember_secrets(json.loads(line))
        return len(lines)

    def test_credential_process_uploads_exports_and_whoami_names_it(self):
        config = self.process_profile("proc", "--expires-in", "3600")
        env = self.env(AWS_CONFIG_FILE=str(config), AWS_PROFILE="proc")
        try:
            self.upload(env)
            self.export(env)
            doc = self.whoami(env)
        finally:
            self.runs("proc")
        self.assertRegex(doc["credentials"]["source"], r"^credential_process of profile 'proc'$")
        self.assertIn(":assumed-role/customer-role/", doc["arn"])

    def test_credential_process_refreshes_before_expiry_and_static_output_runs_once(self):
        config = self.process_profile("short", "--expires-in", str(SHORT))
        env = self.env(AWS_CONFIG_FILE=str(config), AWS_PROFILE="short")
        err = self.slow_upload(env, 6)
        n = self.runs("short")
        self.assertGreaterEqual(n, 2, "no refresh")
        self.assertNotIn("credentials expired", err, "refreshed before expiry, not after a refusal")

        config = self.process_profile("static", "--static")
        env = self.env(AWS_CONFIG_FILE=str(config), AWS_PROFILE="static")
        self.slow_upload(env, 4)
        self.assertEqual(self.runs("static"), 1, "credentials without Expiration are never refreshed")

    def test_a_failing_credential_process_names_profile_and_status_never_its_output(self):
        config = self.process_profile("broken", "--exit", "3")
        env = self.env(AWS_CONFIG_FILE=str(config), AWS_PROFILE="broken")
        r = support.run(["whoami"], env)
        self.runs("broken")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("credential_process of profile 'broken' gave no credentials", r.stderr)
        self.assertIn("ended with exit status 3", r.stderr)
        self.assertIn("exiting with 3 as asked", r.stderr, "the program's stderr reaches the operator")
        self.assertNotIn("output-never-printed", r.stderr)
        self.assertNotIn("AKIANEVERPRINTED", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
