"""Compressed reports (`--compress gzip|zstd`) end to end over TLS against moto and radosgw:
the same generated day exported plain, as gzip and as zstd; the compressed objects read back
with boto3 decompress (Python's gzip, the `zstd` command) to exactly the bytes of the plain
CSV; keys, Content-Type (no Content-Encoding) and the manifest's codec, sizes and SHA-256
(of the stored bytes) are checked. A rerun with another codec leaves one report per day, a
failed one leaves the earlier report; `tenant save --compress` then `run` uses the tenant's
codec, and an explicit `run --compress` overrides it."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import uuid

import support
from support import admin, clients, policies

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
TENANT = "zip-corp"
DAY = "2026-11-22"


def unzstd(data: bytes) -> bytes:
    """The `zstd` command (Debian's zstd package), as a customer would run it."""
    p = subprocess.run(["zstd", "-d", "-c", "-q"], input=data, capture_output=True, check=True)
    return p.stdout


class compress_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()
        cls.s3 = clients.client(cls.st, "s3", "admin")

    def export(self, src, prefix, *extra, tenant=TENANT, date=DAY):
        return support.run(["export", "--tenant", tenant, "--date", date, "--source-url", src.url,
                            "--bucket", self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"],
                            *extra], support.export_env(self.st), timeout=1800)

    def keys(self, prefix) -> list[str]:
        return sorted(o["Key"] for o in
                      self.s3.list_objects_v2(Bucket=self.st["bucket"], Prefix=prefix).get("Contents", []))

    def check_compressed(self, key: str, codec: str, level: int, csv: bytes, summary: str) -> dict:
        head = self.s3.head_object(Bucket=self.st["bucket"], Key=key)
        self.assertEqual(head["ContentType"], {"gzip": "application/gzip", "zstd": "application/zstd"}[codec])
        self.assertNotIn("ContentEncoding", head, "the object is a .gz/.zst file, not CSV in a transfer encoding")
        stored = support.object_bytes(self.st, key)
        self.assertEqual(gzip.decompress(stored) if codec == "gzip" else unzstd(stored), csv)
        if len(csv) > 4096:  # a header alone is smaller than a codec's framing
            self.assertLess(len(stored), len(csv))
        m = support.manifest(self.st, key.rsplit(".", 1)[0])  # beside the .csv key, whatever the codec
        self.assertIsNotNone(m, "no manifest")
        self.assertEqual(m["object"]["key"], key)
        self.assertEqual(m["compression"], {"codec": codec, "level": level})
        self.assertEqual(m["csv_bytes"], len(csv))
        self.assertEqual(m["bytes"], len(stored))
        self.assertEqual(m["bytes"], head["ContentLength"])
        self.assertEqual(m["sha256"], hashlib.sha256(stored).hexdigest(), "the SHA-256 of the bytes a download gives")
        self.assertIn(f"({len(csv)} bytes of CSV, {len(stored)} as {codec} level {level})", summary)
        return m

    def test_gzip_and_zstd_reports_decompress_to_exactly_the_plain_csv(self):
        for events in (0, 3000):
            with self.subTest(events=events), support.event_source(self.st, events) as src:
                plain = support.unique("plain")
                r = self.export(src, plain, "--page-limit", "500")
                self.assertEqual(r.returncode, 0, r)
                plain_key = support.report_key(plain, TENANT, DAY)
                csv = support.object_bytes(self.st, plain_key)
                self.assertTrue(csv.startswith(b"CreatedAt,"))
                pm = support.manifest(self.st, plain_key)
                self.assertEqual(pm["compression"], {"codec": "none", "level": 0})
                self.assertEqual(pm["csv_bytes"], pm["bytes"])
                self.assertEqual(pm["csv_bytes"], len(csv))
                for codec, level, flags in (("gzip", 1, ["--compress", "gzip"]), ("zstd", 1, ["--compress", "zstd"]),
                                            ("gzip", 9, ["--compress", "gzip", "--compress-level", "9"]),
                                            ("zstd", 3, ["--compress", "zstd", "--compress-level", "3"])):
                    prefix = support.unique(codec)
                    r = self.export(src, prefix, "--page-limit", "500", *flags)
                    self.assertEqual(r.returncode, 0, r)
                    self.assertIn(f"exported {events} rows", r.stdout)
                    key = support.report_key(prefix, TENANT, DAY) + (".gz" if codec == "gzip" else ".zst")
                    m = self.check_compressed(key, codec, level, csv, r.stdout)
                    self.assertEqual(m["rows"], events)
                    self.assertEqual(self.keys(prefix), sorted([key, key.rsplit(".", 2)[0] + ".manifest.json"]))

    @unittest.skipUnless(ON_MOTO, "one server is enough for the multipart day")
    def test_a_compressed_report_of_several_parts(self):
        """120,000 events are about 47 MB of CSV: several 5 MiB parts even compressed."""
        with support.event_source(self.st, 120_000, threads=2) as src:
            plain = support.unique("big-plain")
            self.assertEqual(self.export(src, plain, "--page-limit", "5000").returncode, 0)
            csv = support.object_bytes(self.st, support.report_key(plain, TENANT, DAY))
            for codec in ("gzip", "zstd"):
                prefix = support.unique("big-" + codec)
                r = self.export(src, prefix, "--page-limit", "5000", "--part-size", "5MiB", "--compress", codec)
                self.assertEqual(r.returncode, 0, r)
                key = support.report_key(prefix, TENANT, DAY) + (".gz" if codec == "gzip" else ".zst")
                m = self.check_compressed(key, codec, 1, csv, r.stdout)
                self.assertGreaterEqual(m["object"]["parts"], 2, m)

    def test_a_rerun_with_another_codec_leaves_one_report_and_a_failed_one_leaves_the_earlier(self):
        with support.event_source(self.st, 2000) as src:
            prefix = support.unique("recodec")
            base = support.report_key(prefix, TENANT, DAY)
            manifest_key = base.removesuffix(".csv") + ".manifest.json"
            for codec, suffix in (("none", ""), ("gzip", ".gz"), ("zstd", ".zst"), ("none", "")):
                r = self.export(src, prefix, "--compress", codec)
                self.assertEqual(r.returncode, 0, r)
                self.assertEqual(self.keys(prefix), sorted([base + suffix, manifest_key]), codec)
                self.assertEqual(support.manifest(self.st, base)["object"]["key"], base + suffix)

            # A rerun that fails (the source is gone) before its report is complete: the earlier
            # report and its manifest stay exactly as they were, and no .csv.gz appears.
            before = support.object_sha256(self.st, base)
            r = support.run(["export", "--tenant", TENANT, "--date", DAY, "--source-url", "https://127.0.0.1:1",
                             "--bucket", self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"],
                             "--compress", "gzip", "--max-attempts", "1"], support.export_env(self.st))
            self.assertEqual(r.returncode, 1, r)
            self.assertEqual(self.keys(prefix), sorted([base, manifest_key]))
            self.assertEqual(support.object_sha256(self.st, base), before)

    def test_bad_codec_and_level_are_usage_errors(self):
        for flags, words in ((["--compress", "lz4"], "--compress"), (["--compress", "gzip", "--compress-level", "12"],
                                                                     "gzip level (1 to 9)"),
                             (["--compress-level", "3"], "needs a codec")):
            r = support.run(["export", "--tenant", TENANT, "--date", DAY, "--source-url", "https://127.0.0.1:1",
                             "--bucket", self.st["bucket"], "--endpoint-url", self.st["endpoint"], *flags],
                            support.export_env(self.st))
            self.assertEqual(r.returncode, 2, r)
            self.assertIn(words, r.stderr)


@unittest.skipUnless(ON_MOTO, "tenants need IAM users with the customer policy: moto's part of the suite")
class tenant_compress_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()
        cls.s3 = clients.client(cls.st, "s3", "admin")
        cls.bucket = cls.st["bucket"]

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="secexport-compress-tenants-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def env(self, **extra) -> dict:
        e = support.export_env(self.st)
        e.update(SECEXPORT_TENANTS_DIR=self.dir, **extra)
        return e

    def run_job(self, *args) -> support.run_result:
        return support.run(["run", "--tenant", "omega", "--tenants-dir", self.dir, "--endpoint-url",
                            self.st["endpoint"], *args], self.env(), timeout=600)

    def keys(self, prefix) -> list[str]:
        return sorted(o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", []))

    def test_tenant_save_compress_then_run_and_the_command_line_overrides_it(self):
        name = "customer-" + uuid.uuid4().hex[:8]
        user = admin.create_user(self.st, name, policies.spec_policy(self.bucket))
        support.remember_secrets([user["secret_access_key"]])
        prefix = support.unique("tenant-zstd")
        base = support.report_key(prefix, "omega", DAY)
        manifest_key = base.removesuffix(".csv") + ".manifest.json"
        with support.event_source(self.st, 1500) as src:
            r = support.run(["tenant", "save", "omega", "--method", "access-key", "--access-key-id",
                             user["access_key_id"], "--bucket", self.bucket, "--prefix", prefix, "--source-url",
                             src.url, "--compress", "zstd", "--endpoint-url", self.st["endpoint"]],
                            self.env(SECEXPORT_TENANT_SECRET_ACCESS_KEY=user["secret_access_key"]))
            self.assertEqual(r.returncode, 0, r)
            show = support.run(["tenant", "show", "omega"], self.env())
            self.assertRegex(show.stdout, r"compress\s+zstd")

            r = self.run_job("--date", DAY)
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(self.keys(prefix), [base + ".zst", manifest_key])
            m = support.manifest(self.st, base)
            self.assertEqual(m["compression"]["codec"], "zstd")
            csv = unzstd(support.object_bytes(self.st, base + ".zst"))
            self.assertEqual(len(csv), m["csv_bytes"])
            self.assertEqual(csv.count(b"\r\n"), 1501)

            # The day is done whatever codec did it: the next pass finds its manifest.
            r = self.run_job("--date", DAY)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("1 day(s) already exported", r.stdout)

            # An explicit --compress on the command line wins over the tenant's codec, and the
            # rerun replaces the .csv.zst: one report per day.
            r = self.run_job("--date", DAY, "--force", "--compress", "gzip")
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(self.keys(prefix), [base + ".gz", manifest_key])
            self.assertEqual(gzip.decompress(support.object_bytes(self.st, base + ".gz")), csv)
            self.assertEqual(support.manifest(self.st, base)["compression"]["codec"], "gzip")

            # `tenant save --compress none` switches the tenant back to plain CSV.
            r = support.run(["tenant", "save", "omega", "--compress", "none", "--no-verify"], self.env())
            self.assertEqual(r.returncode, 0, r)
            r = self.run_job("--date", DAY, "--force")
            self.assertEqual(r.returncode, 0, r)
            self.assertEqual(self.keys(prefix), [base, manifest_key])
            self.assertEqual(support.object_bytes(self.st, base), csv)


if __name__ == "__main__":
    unittest.main(verbosity=2)
