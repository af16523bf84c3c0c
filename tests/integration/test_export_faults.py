"""Every fault kind of the local event source, and S3-side faults, injected during an export:
the outcome is either a complete, correct report plus manifest (byte-identical to a fault-free
export where the fault loses nothing), or a non-zero exit with a clear message and NO
manifest, never a manifest for wrong data. A previous report and manifest of the same day stay
exactly as they were until the new report replaces the old one: a failed rerun leaves them
untouched. A multipart upload a killed export left behind is aborted by the next run where the
policy allows, and counted where it does not."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
import unittest
import uuid

import support
from support import admin, policies

TENANT = "faulty-tenant"
DATE = "2026-11-22"
EVENTS = 6000


class export_fault_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()
        with support.event_source(cls.st, EVENTS) as src:  # the fault-free reference
            prefix = support.unique("reference")
            r = cls.run_export(cls, src, prefix)
            assert r.returncode == 0, r
            cls.reference = support.object_sha256(cls.st, support.report_key(prefix, TENANT, DATE))

    def run_export(self, src, prefix, extra=(), endpoint=None, env=None):
        defaults = []
        for flag, value in (("--max-attempts", "6"), ("--page-limit", "500"), ("--source-concurrency", "4")):
            if flag not in extra:
                defaults += [flag, value]
        return support.run(["export", "--tenant", TENANT, "--date", DATE, "--source-url", src.url,
                            "--bucket", self.st["bucket"], "--prefix", prefix,
                            "--endpoint-url", endpoint or self.st["endpoint"], *defaults, *extra],
                           env or support.export_env(self.st))

    def key(self, prefix):
        return support.report_key(prefix, TENANT, DATE)

    def assert_exported_identically(self, r, prefix):
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(support.object_sha256(self.st, self.key(prefix)), self.reference)
        m = support.manifest(self.st, self.key(prefix))
        self.assertIsNotNone(m)
        self.assertEqual(m["sha256"], self.reference)
        return m

    def assert_failed_without_manifest(self, r, prefix, *fragments):
        self.assertNotEqual(r.returncode, 0, r)
        for f in fragments:
            self.assertIn(f, r.stderr)
        self.assertIsNone(support.manifest(self.st, self.key(prefix)), "a failed export left a manifest")

    def test_retryable_faults_leave_an_identical_report(self):
        for fault in ("500:every=3,times=4", "503:every=4,times=3,retry_after=1", "429:request=2,retry_after=1",
                      "slow:request=3,delay_ms=4000", "truncate:every=5,times=2", "reset:request=4",
                      "malformed:request=2"):
            with self.subTest(fault=fault), support.event_source(self.st, EVENTS, faults=[fault]) as src:
                prefix = support.unique("fault")
                r = self.run_export(src, prefix, ["--read-timeout", "2"])
                m = self.assert_exported_identically(r, prefix)
                self.assertGreater(m["source"]["retries"], 0, fault)
                fired = sum(src.stats()["faults"].values()) if isinstance(src.stats()["faults"], dict) else 1
                self.assertGreater(fired, 0)

    def test_repeated_and_out_of_range_events_are_dropped_and_counted(self):
        for fault, counter in (("duplicate:every=2", "duplicates_dropped"),
                               ("outside:every=3", "outside_request_dropped")):
            with self.subTest(fault=fault), support.event_source(self.st, EVENTS, faults=[fault]) as src:
                prefix = support.unique("content")
                m = self.assert_exported_identically(self.run_export(src, prefix), prefix)
                self.assertGreater(m["source"][counter] + m["source"]["outside_window_dropped"], 0)

    def test_a_bad_event_fails_the_export_naming_the_page_or_is_skipped_and_counted(self):
        with support.event_source(self.st, EVENTS, faults=["badevent:request=3"]) as src:
            prefix = support.unique("bad")
            r = self.run_export(src, prefix)
            self.assert_failed_without_manifest(r, prefix, "is unusable", "tenant " + TENANT, "--on-bad-event skip")
            self.assertRegex(r.stderr, r"event \d+ of the page for tenant faulty-tenant, 2026-11-2\dT")
        with support.event_source(self.st, EVENTS, faults=["badevent:request=3"]) as src:  # the fault anew
            r = self.run_export(src, prefix, ["--on-bad-event", "skip"])
            self.assertEqual(r.returncode, 0, r)
            m = support.manifest(self.st, self.key(prefix))
            self.assertEqual(m["source"]["bad_events_skipped"], 1)
            self.assertEqual(m["rows"], EVENTS - 1)

    def test_invalid_utf8_is_replaced_and_counted(self):
        with support.event_source(self.st, EVENTS, faults=["badutf8:request=2"]) as src:
            prefix = support.unique("utf8")
            r = self.run_export(src, prefix)
            self.assertEqual(r.returncode, 0, r)
            m = support.manifest(self.st, self.key(prefix))
            self.assertGreaterEqual(m["source"]["invalid_utf8_replaced"], 1)
            self.assertEqual(m["rows"], EVENTS)
            text = b"".join(support.clients.client(self.st, "s3", "admin").get_object(
                Bucket=self.st["bucket"], Key=self.key(prefix))["Body"].read().split(b"\n"))
            self.assertIn("\ufffd".encode(), text)
            text.decode("utf-8")  # strictly valid

    def object_version(self, key):
        """ETag and LastModified: a rewrite with the same bytes still changes the time."""
        h = support.clients.client(self.st, "s3", "admin").head_object(Bucket=self.st["bucket"], Key=key)
        return h["ETag"], h["LastModified"]

    def test_a_failed_rerun_leaves_the_previous_report_and_manifest_untouched(self):
        prefix = support.unique("rerun")
        with support.event_source(self.st, EVENTS) as src:
            self.assertEqual(self.run_export(src, prefix).returncode, 0)
        report, manifest = self.key(prefix), self.key(prefix).removesuffix(".csv") + ".manifest.json"
        before = (self.object_version(report), self.object_version(manifest))
        time.sleep(1.1)  # LastModified has one-second resolution
        cases = {
            "503 until the attempts run out": (["503:first=1000"], ["--max-attempts", "3"], None),
            "401 at the first page": ([], [], "a-wrong-token-value"),
            "unreachable": (None, ["--source-url", "https://127.0.0.1:9", "--max-attempts", "2"], None),
        }
        for name, (faults, extra, token) in cases.items():
            with self.subTest(source=name):
                env = support.export_env(self.st)
                if token:
                    env["SECEXPORT_SOURCE_TOKEN"] = token
                if faults is None:
                    args = ["export", "--tenant", TENANT, "--date", DATE, "--bucket", self.st["bucket"], "--prefix",
                            prefix, "--endpoint-url", self.st["endpoint"], *extra]
                    r = support.run(args, env)
                else:
                    with support.event_source(self.st, EVENTS, faults=faults) as src:
                        r = self.run_export(src, prefix, extra, env=env)
                self.assertNotEqual(r.returncode, 0, r)
                self.assertEqual((self.object_version(report), self.object_version(manifest)), before, name)
        r = support.run(["export", "--tenant", TENANT, "--date", DATE, "--source-file", "/nonexistent/events.ndjson",
                         "--bucket", self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"]],
                        support.export_env(self.st))
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("/nonexistent/events.ndjson", r.stderr)
        self.assertEqual((self.object_version(report), self.object_version(manifest)), before)
        self.assertEqual(support.open_uploads(self.st, prefix), [])

    def kill_mid_upload(self, prefix, env):
        """Starts a long export and SIGKILLs it once its multipart upload is open."""
        with support.event_source(self.st, 400_000, latency_ms=50) as src:
            args = [support.BIN, "export", "--tenant", TENANT, "--date", DATE, "--source-url", src.url, "--bucket",
                    self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"],
                    "--part-size", "5MiB"]
            p = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 120
            while not support.open_uploads(self.st, prefix) and time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.1)
            p.kill()
            _, err = p.communicate(timeout=60)
            support._capture(err.decode(errors="replace"))
        self.assertEqual(len(support.open_uploads(self.st, prefix)), 1, err)

    def customer(self, with_cleanup: bool) -> dict:
        policy = policies.spec_policy(self.st["bucket"])
        if with_cleanup:  # the optional statement `secexport tenant policy` prints
            policy["Statement"] += [
                {"Effect": "Allow", "Action": ["s3:ListBucketMultipartUploads"], "Resource": f"arn:aws:s3:::{self.st['bucket']}"},
                {"Effect": "Allow", "Action": ["s3:AbortMultipartUpload"], "Resource": f"arn:aws:s3:::{self.st['bucket']}/*"}]
        u = admin.create_user(self.st, "killed-" + uuid.uuid4().hex[:8], policy)
        support.remember_secrets([u["secret_access_key"]])
        env = support.export_env(self.st, user=None)
        env.update(AWS_ACCESS_KEY_ID=u["access_key_id"], AWS_SECRET_ACCESS_KEY=u["secret_access_key"])
        return env

    def test_after_a_sigkill_the_rerun_aborts_the_leftover_upload_where_the_policy_allows(self):
        prefix = support.unique("killed")
        env = self.customer(with_cleanup=True)
        self.kill_mid_upload(prefix, env)
        with support.event_source(self.st, EVENTS) as src:
            r = self.run_export(src, prefix, env=env)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(support.open_uploads(self.st, prefix), [], "the leftover upload of this key is aborted")
        m = support.manifest(self.st, self.key(prefix))
        self.assertEqual(m["upload"]["leftover_uploads"], {"found": 1, "aborted": 1, "left": 0})

    def test_after_a_sigkill_without_the_cleanup_permissions_the_leftover_upload_is_counted(self):
        prefix = support.unique("killed-spec")
        env = self.customer(with_cleanup=False)
        self.kill_mid_upload(prefix, env)
        with support.event_source(self.st, EVENTS) as src:
            r = self.run_export(src, prefix, env=env)
        self.assertEqual(r.returncode, 0, r)
        m = support.manifest(self.st, self.key(prefix))
        self.assertEqual(m["upload"]["leftover_uploads"], {"found": 1, "aborted": 0, "left": 1})
        self.assertIn("could not be aborted", r.stdout)
        self.assertIn("AbortIncompleteMultipartUpload", r.stdout)
        self.assertEqual(len(support.open_uploads(self.st, prefix)), 1, "without permission it stays")
        with support.event_source(self.st, EVENTS) as src:  # counted once, not by every rerun
            r = self.run_export(src, prefix, env=env)
        self.assertEqual(support.manifest(self.st, self.key(prefix))["upload"]["leftover_uploads"]["found"], 0)
        s3 = support.clients.client(self.st, "s3", "admin")
        for u in support.open_uploads(self.st, prefix):
            s3.abort_multipart_upload(Bucket=self.st["bucket"], Key=u["Key"], UploadId=u["UploadId"])

    def test_a_source_that_refuses_the_token_is_not_retried(self):
        with support.event_source(self.st, EVENTS) as src:
            env = support.export_env(self.st)
            env["SECEXPORT_SOURCE_TOKEN"] = "a-wrong-token-value"
            prefix = support.unique("token")
            r = self.run_export(src, prefix, env=env)
            self.assert_failed_without_manifest(r, prefix, "the event source refused", "HTTP 401")
            self.assertNotIn("a-wrong-token-value", r.stderr)
            self.assertLess(src.stats()["requests"], 10)

    def test_sigkill_at_seeded_random_moments_never_leaves_a_manifest_beside_a_wrong_report(self):
        """The promise itself: whenever the process dies, a manifest exists only beside a
        report whose bytes hash to the manifest's sha256; a final run writes the exact report."""
        rng = random.Random(20261202)
        prefix = support.unique("crash")
        s3 = support.clients.client(self.st, "s3", "admin")
        with support.event_source(self.st, 60_000) as src:
            args = [support.BIN, "export", "--tenant", TENANT, "--date", DATE, "--source-url", src.url, "--bucket",
                    self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"], "--part-size",
                    "5MiB", "--page-limit", "500", "--source-concurrency", "4"]
            env = support.export_env(self.st, "admin")
            started = time.monotonic()
            r = support.run(args[1:], env)
            duration = time.monotonic() - started
            self.assertEqual(r.returncode, 0, r)
            expected = support.object_sha256(self.st, self.key(prefix))
            kills = 0
            for _ in range(12):
                p = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                time.sleep(rng.uniform(0.05, duration * 1.1))
                if p.poll() is None:
                    p.kill()
                    kills += 1
                _, err = p.communicate(timeout=60)
                support._capture(err.decode(errors="replace"))
                m = support.manifest(self.st, self.key(prefix))
                if m is not None:
                    head = s3.head_object(Bucket=self.st["bucket"], Key=self.key(prefix))
                    self.assertEqual(head["ContentLength"], m["bytes"])
                    self.assertEqual(support.object_sha256(self.st, self.key(prefix)), m["sha256"],
                                     "a manifest vouches for a report with other bytes")
            self.assertGreaterEqual(kills, 10, "most of the seeded moments must fall inside an export")
            r = support.run(args[1:], env)
            self.assertEqual(r.returncode, 0, r)
        self.assertEqual(support.object_sha256(self.st, self.key(prefix)), expected)
        self.assertEqual(support.manifest(self.st, self.key(prefix))["sha256"], expected)
        self.assertEqual(support.open_uploads(self.st, prefix), [], "every killed run's upload was aborted later")

    def run_hostile(self, fault, prefix, extra=(), events=EVENTS, max_limit=None):
        with support.event_source(self.st, events, faults=[fault], max_limit=max_limit) as src:
            started = time.monotonic()
            r = self.run_export(src, prefix, ["--max-attempts", "3", "--read-timeout", "1", *extra])
            return r, time.monotonic() - started

    def test_a_200_mb_page_is_refused_by_its_size_before_it_is_read(self):
        prefix = support.unique("huge")
        r, _ = self.run_hostile("huge:request=2", prefix)
        self.assert_failed_without_manifest(r, prefix, "is 200000", "--max-memory", "tenant " + TENANT,
                                            "--page-limit")
        self.assertRegex(r.stderr, r"(first page|cursor ')")

    def test_50_mb_pages_fail_clearly_under_the_default_budget_and_pass_when_the_budget_allows(self):
        prefix = support.unique("big-pages")
        r, _ = self.run_hostile("huge:bytes=50000000,every=3", prefix, ["--max-memory", "256MiB"])
        self.assert_failed_without_manifest(r, prefix, "is 50000", "more than the")
        # 20,000-event pages get 7 x 20,000 x 768 bytes (~107 MB) of the 256 MiB: a 50 MB page fits.
        r, _ = self.run_hostile("huge:bytes=50000000,every=3", prefix,
                                ["--max-memory", "256MiB", "--page-limit", "20000", "--source-concurrency", "1"],
                                max_limit=20000)
        self.assertEqual(r.returncode, 0, r)
        m = support.manifest(self.st, self.key(prefix))
        self.assertEqual(m["rows"], EVENTS)

    def test_hostile_pages_end_in_a_clear_error_or_are_handled(self):
        budget = ["more than the", "--max-memory", "tenant " + TENANT]
        cases = [
            # (fault, extra flags, must the export succeed?, fragments of the message)
            # properties 10,000 levels deep are carried through as the JSON text they are.
            ("deep:request=2", [], True, []),
            # A 10 MB string fits the page share of 2,000-event pages (about 24 MB) ...
            ("bigstring:request=2", ["--page-limit", "2000"], True, []),
            # ... and not that of 500-event pages (about 6 MB): refused by size, before parsing.
            ("bigstring:request=2", [], False, budget),
            ("nul:request=1", [], True, []),
            ("nul:request=2", [], True, []),
            # Every page points back at itself: found at the second page of a chain.
            ("cursorloop", [], False, ["next_cursor", "would never end"]),
            # One page rewinds to the chain's start: the repeated events break the order.
            ("cursorloop:request=2", [], False, ["broke its order", "tenant " + TENANT]),
            ("endless:request=2", [], False, ["tenant " + TENANT]),
            # A login page is retried like any unreadable page, then named in the error.
            ("html", [], False, ["text/html", "Gateway login"]),
            ("html:request=2", [], True, []),
        ]
        for fault, extra, succeeds, fragments in cases:
            with self.subTest(fault=fault, extra=extra):
                prefix = support.unique("hostile")
                r, seconds = self.run_hostile(fault, prefix, ["--on-bad-event", "fail", *extra])
                if succeeds:
                    self.assertEqual(r.returncode, 0, r)
                    self.assertEqual(support.manifest(self.st, self.key(prefix))["rows"], EVENTS)
                else:
                    self.assert_failed_without_manifest(r, prefix, *fragments)
                self.assertLess(seconds, 300, "bounded time")
                self.assertNotIn("AddressSanitizer", r.stderr)
                if fault.startswith("deep"):
                    body = support.object_bytes(self.st, self.key(prefix))
                    self.assertIn(b'{""a"":' * 9999 + b"{}" + b"}" * 9999, body)

    def test_s3_faults_during_an_export_are_retried(self):
        with support.event_source(self.st, 60_000) as src, support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "UploadPart", "after": 1, "times": 3, "status": 503, "code": "SlowDown"},
                          {"op": "UploadPart", "after": 5, "times": 1, "action": "reset"}])
            prefix = support.unique("s3faults")
            r = self.run_export(src, prefix, ["--part-size", "5MiB"], endpoint=fp.endpoint)
            self.assertEqual(r.returncode, 0, r)
            rows = sum(1 for _ in support.report_rows(self.st, self.key(prefix))) - 1
            self.assertEqual(rows, 60_000)
            self.assertEqual(support.manifest(self.st, self.key(prefix))["sha256"],
                             support.object_sha256(self.st, self.key(prefix)))

    def test_sigterm_mid_export_leaves_no_manifest(self):
        with support.event_source(self.st, 200_000, latency_ms=300) as src:
            prefix = support.unique("sigterm")
            args = [support.BIN, "export", "--tenant", TENANT, "--date", DATE, "--source-url", src.url, "--bucket",
                    self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"],
                    "--part-size", "5MiB"]
            p = support.subprocess.Popen(args, env=support.export_env(self.st, "admin"),
                                         stdout=support.subprocess.PIPE, stderr=support.subprocess.PIPE)
            threading.Timer(3.0, lambda: p.send_signal(signal.SIGTERM)).start()
            out, err = p.communicate(timeout=120)
            err = err.decode()
            support._capture(err)
            self.assertEqual(p.returncode, 143, err)  # 128 + SIGTERM
            self.assertIn("terminated (SIGTERM)", err)
            self.assertIsNone(support.manifest(self.st, self.key(prefix)))
            self.assertEqual(support.open_uploads(self.st, prefix), [], "admin may abort: nothing left behind")


if __name__ == "__main__":
    unittest.main(verbosity=2)
