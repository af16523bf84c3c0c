"""Faults injected between secexport and a real server (tools/testenv/faultproxy.py): the
upload either produces a byte-identical object or fails with a clear message and nothing that
looks complete; the retry, credential-refresh, clock and redirect paths each do their job."""

from __future__ import annotations

import os
import shutil
import unittest

import support
from support import MiB

ON_RGW = os.environ.get("SECEXPORT_TESTENV", "").endswith("rgw")


class fault_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()

    def upload(self, fp, size, extra=(), env=None, seed=1):
        key = f"{support.unique('faults')}/obj"
        args = ["upload", "--endpoint-url", fp.endpoint, "--part-size", "5MiB", "--concurrency", "4", *extra,
                "-", f"s3://{self.st['bucket']}/{key}"]
        r = support.run_piped(args, env or support.base_env(self.st), size, seed=seed)
        return key, r

    def assert_identical(self, key, r):
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(support.object_sha256(self.st, key), r.sha256)

    def test_a_byte_flipped_in_part_bodies_is_caught_and_the_part_sent_again_in_every_payload_mode(self):
        """One byte flipped in 10% of the part bodies between secexport and the store (which,
        like radosgw and moto, may ignore x-amz-checksum-crc32c): never exit 0 with other
        bytes in the store; here every mode can check, so every upload ends identical."""
        modes = {"unsigned+crc32c": [], "signed": ["--payload", "signed"],
                 "unsigned, no crc32c": ["--payload", "unsigned", "--checksum", "none"]}
        for name, extra in modes.items():
            with self.subTest(mode=name), support.fault_proxy(self.st) as fp:
                fp.set_rules([{"op": "UploadPart", "action": "corrupt", "probability": 0.1, "times": -1, "seed": 7},
                              {"op": "PutObject", "action": "corrupt", "probability": 0.5, "times": -1, "seed": 3}])
                key, r = self.upload(fp, 100 * MiB, extra)
                corrupted = [q for q in fp.requests() if q["fault"] == "corrupt"]
                self.assertGreater(len(corrupted), 0, "the proxy flipped no byte: the test proves nothing")
                self.assert_identical(key, r)
                self.assertRegex(r.stdout, r"integrity (md5-verified|crc32c-verified-by-store|crc32c-and-md5-verified)")
                self.assertIn("retrying", r.stderr)
                # A single PutObject is checked the same way.
                key, r = self.upload(fp, 3 * MiB, extra, seed=5)
                self.assert_identical(key, r)

    def test_a_storm_of_503_slowdown_is_ridden_out(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "UploadPart", "after": 1, "times": 6, "status": 503, "code": "SlowDown"}])
            key, r = self.upload(fp, 23 * MiB)
            self.assert_identical(key, r)
            self.assertRegex(r.stdout, r", [6-9] retries")
            self.assertEqual(sum(1 for q in fp.requests() if q["fault"]), 6)
            self.assertIn("retrying", r.stderr)
            self.assertIn("SlowDown", r.stderr)

    def test_connection_resets_and_truncated_responses_are_retried(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "UploadPart", "after": 0, "times": 2, "action": "reset"},
                          {"op": "UploadPart", "after": 3, "times": 1, "action": "truncate"},
                          {"op": "PutObject", "times": 1, "action": "reset"}])
            key, r = self.upload(fp, 21 * MiB)
            self.assert_identical(key, r)
            key, r = self.upload(fp, 100, seed=2)
            self.assert_identical(key, r)

    def test_a_stalled_request_times_out_and_is_retried(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "UploadPart", "after": 1, "times": 1, "action": "stall", "seconds": 6}])
            key, r = self.upload(fp, 12 * MiB, ["--read-timeout", "2"])
            self.assert_identical(key, r)
            self.assertIn("timeout", r.stderr.lower())

    def test_a_persistent_error_fails_after_the_attempt_limit_and_aborts(self):
        env = support.base_env(self.st, user="admin")  # may abort
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "UploadPart", "after": 1, "times": -1, "status": 500, "code": "InternalError"}])
            key, r = self.upload(fp, 16 * MiB, ["--max-attempts", "3"], env=env)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("InternalError (HTTP 500)", r.stderr)
            self.assertIn("after 3 attempts", r.stderr)
            self.assertIn("the multipart upload was aborted", r.stderr)
            self.assertIn("AbortMultipartUpload", fp.ops())
            self.assertEqual(support.open_uploads(self.st, key), [])
            s3 = support.clients.client(self.st, "s3", "admin")
            self.assertNotIn("Contents", s3.list_objects_v2(Bucket=self.st["bucket"], Prefix=key))

    def test_access_denied_is_not_retried(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "PutObject", "times": -1, "status": 403, "code": "AccessDenied"}])
            key, r = self.upload(fp, 10)
            self.assertEqual(r.returncode, 1, r)
            self.assertEqual(fp.ops().count("PutObject"), 1)

    @unittest.skipIf(ON_RGW, "moto is where STS with an external ID works")
    def test_expired_token_forces_one_refresh_and_a_retry(self):
        env = support.base_env(self.st, user="exporter-identity")
        with support.fault_proxy(self.st) as fp:
            role = ["--role-arn", self.st["role"]["arn"], "--external-id", self.st["role"]["external_id"],
                    "--sts-endpoint-url", fp.endpoint]
            fp.set_rules([{"op": "UploadPart", "after": 1, "times": 1, "status": 400, "code": "ExpiredToken",
                           "message": "The provided token has expired."}])
            key, r = self.upload(fp, 16 * MiB, role, env=env)
            self.assert_identical(key, r)
            self.assertEqual(fp.ops().count("AssumeRole"), 2, fp.ops())
            self.assertIn("credentials expired; refreshing", r.stderr)

    @unittest.skipIf(ON_RGW, "the redirect is injected; one server is enough")
    def test_a_permanent_redirect_to_another_region_is_followed_once(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "PutObject", "times": 1, "status": 301, "code": "PermanentRedirect",
                           "headers": {"x-amz-bucket-region": "eu-west-3"}}])
            key, r = self.upload(fp, 1000)
            self.assert_identical(key, r)
            self.assertIn("bucket is in another region", r.stderr)
            self.assertIn("eu-west-3", r.stderr)

    def test_a_complete_whose_answer_was_lost_is_retried(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "CompleteMultipartUpload", "times": 1, "action": "forward_then_reset"}])
            key, r = self.upload(fp, 12 * MiB)
            self.assert_identical(key, r)
            self.assertEqual(fp.ops().count("CompleteMultipartUpload"), 2)

    def test_a_complete_that_fails_inside_a_200_response_is_retried(self):
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "CompleteMultipartUpload", "times": 1, "status": 200, "code": "InternalError",
                           "message": "We encountered an internal error. Please try again."}])
            key, r = self.upload(fp, 12 * MiB)
            self.assert_identical(key, r)
            self.assertEqual(fp.ops().count("CompleteMultipartUpload"), 2)
            self.assertIn("InternalError", r.stderr)

    def test_a_retried_complete_answered_with_no_such_upload_is_confirmed_with_head_object(self):
        """Stores that forget a completed upload answer the retry with NoSuchUpload; the
        object's ETag part count and length then decide."""
        with support.fault_proxy(self.st) as fp:
            fp.set_rules([{"op": "CompleteMultipartUpload", "times": 1, "action": "forward_then_reset"},
                          {"op": "CompleteMultipartUpload", "times": 1, "status": 404,
                           "code": "NoSuchUpload"}])  # rules are tried in order: this takes the retry
            key, r = self.upload(fp, 12 * MiB)
            self.assert_identical(key, r)
            self.assertEqual(fp.ops()[-1], "HeadObject")

    @unittest.skipUnless(ON_RGW and shutil.which("faketime"), "radosgw checks the request time like S3")
    def test_a_skewed_clock_is_corrected_from_the_servers_date(self):
        # Ahead, not behind: behind, the test CA's fresh certificate would not be valid yet.
        env = support.base_env(self.st)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
        key = f"{support.unique('skew')}/obj"
        p = support.subprocess.run(["faketime", "-f", "+25m", support.BIN, "upload", "--endpoint-url",
                                    self.st["endpoint"], "--part-size", "5MiB", "-",
                                    f"s3://{self.st['bucket']}/{key}"],
                                   input=b"x" * (11 * MiB), capture_output=True, env=env, timeout=300)
        err = p.stderr.decode()
        support._capture(err)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("clock skew corrected", err)
        self.assertIn("offset_seconds=-15", err)  # about 25 minutes = 1500 s
        s3 = support.clients.client(self.st, "s3", "admin")
        self.assertEqual(s3.head_object(Bucket=self.st["bucket"], Key=key)["ContentLength"], 11 * MiB)


if __name__ == "__main__":
    unittest.main(verbosity=2)
