"""`secexport export` end to end over TLS: the local event source generates a tenant's day,
secexport exports it into a real S3 server (moto with IAM enforced and the customer's exact
policy, or Ceph radosgw), and the report is read back with Python's csv module and compared
row for row, in order, with the events the generator says it served; the manifest's row
count and SHA-256 must match the object."""

from __future__ import annotations

import itertools
import json
import os
import unittest

import support

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
TENANT = "acme-corp"


class export_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()

    def export(self, src, date, prefix, extra=(), env=None, tenant=TENANT):
        return support.run(["export", "--tenant", tenant, "--date", date, "--source-url", src.url,
                            "--bucket", self.st["bucket"], "--prefix", prefix, "--endpoint-url", self.st["endpoint"],
                            *extra], env or support.export_env(self.st), timeout=1800)

    def assert_report_matches(self, src, date, key, tenant=TENANT, start=None, end=None):
        start = start or f"{date}T00:00:00Z"
        if end is None:
            from datetime import date as d, timedelta
            end = (d.fromisoformat(date) + timedelta(days=1)).isoformat() + "T00:00:00Z"
        rows = support.report_rows(self.st, key)
        self.assertEqual(next(rows), support.HEADER)
        n = 0
        for e, row in itertools.zip_longest(src.dump(tenant, start, end), rows):
            self.assertIsNotNone(e, f"row {n + 1} has no event: {row}")
            self.assertIsNotNone(row, f"event {e and e['id']} is missing from the report (row {n + 1})")
            want = support.expected_row(e)
            self.assertEqual(row[:5], want[:5], f"row {n + 1} ({e['id']})")
            self.assertEqual(json.loads(row[5]), want[5], f"row {n + 1} ({e['id']}) JsonProperties")
            self.assertNotIn(" ", row[5].replace('" ', '"').strip()[:1])  # minified: no leading space
            self.assertEqual(row[6], "1")
            n += 1
        m = support.manifest(self.st, key)
        self.assertIsNotNone(m, "no manifest")
        self.assertEqual(m["rows"], n)
        self.assertEqual(m["sha256"], support.object_sha256(self.st, key))
        s3 = support.clients.client(self.st, "s3", "admin")
        self.assertEqual(m["bytes"], s3.head_object(Bucket=self.st["bucket"], Key=key)["ContentLength"])
        self.assertEqual(m["tenant"], tenant)
        return n, m

    def test_days_of_0_1_and_10000_events_match_the_source_row_for_row(self):
        for n in (0, 1, 10_000):
            with self.subTest(events=n), support.event_source(self.st, n) as src:
                prefix = support.unique("export")
                r = self.export(src, "2026-11-22", prefix, ["--page-limit", "700", "--source-concurrency", "6"])
                self.assertEqual(r.returncode, 0, r)
                self.assertIn(f"exported {n} rows", r.stdout)
                rows, _ = self.assert_report_matches(src, "2026-11-22", support.report_key(prefix, TENANT, "2026-11-22"))
                self.assertEqual(rows, n)

    @unittest.skipUnless(ON_MOTO, "one server is enough for the 2,000,000-event day")
    def test_a_day_of_two_million_events(self):
        with support.event_source(self.st, 2_000_000, threads=2) as src:
            prefix = support.unique("big")
            r = self.export(src, "2026-11-22", prefix, ["--page-limit", "5000", "--part-size", "16MiB"])
            self.assertEqual(r.returncode, 0, r)
            rows, m = self.assert_report_matches(src, "2026-11-22", support.report_key(prefix, TENANT, "2026-11-22"))
            self.assertEqual(rows, 2_000_000)
            self.assertGreater(m["object"]["parts"], 1)

    def test_window_edges_land_on_exactly_one_day_whatever_the_time_zone(self):
        """Events at 23:59:59.999(999) and at 00:00:00.000 go to the day they belong to, with TZ
        set to zones far from UTC (the host's zone must never matter)."""
        for tz in ("Pacific/Chatham", "America/St_Johns"):
            with self.subTest(tz=tz), support.event_source(self.st, 3000) as src:
                env = support.export_env(self.st)
                env["TZ"] = tz
                prefix = support.unique("edges")
                for date in ("2026-11-22", "2026-11-23"):
                    r = self.export(src, date, prefix, env=env)
                    self.assertEqual(r.returncode, 0, r)
                    self.assert_report_matches(src, date, support.report_key(prefix, TENANT, date))
                day1 = list(support.report_rows(self.st, support.report_key(prefix, TENANT, "2026-11-22")))
                day2 = list(support.report_rows(self.st, support.report_key(prefix, TENANT, "2026-11-23")))
                self.assertEqual(day1[-1][0], "2026-11-22T23:59:59.999Z")
                self.assertEqual(day2[1][0], "2026-11-23T00:00:00.000Z")
                self.assertFalse(any(r[0].startswith("2026-11-23") for r in day1[1:]))
                self.assertFalse(any(r[0].startswith("2026-11-22") for r in day2[1:]))

    def test_the_ndjson_file_source_exports_exactly_the_day(self):
        with support.event_source(self.st, 2000) as src:
            lines = [json.dumps(e, ensure_ascii=False) for e in src.dump(TENANT, "2026-11-21T00:00:00Z",
                                                                        "2026-11-24T00:00:00Z")]
            prefix = support.unique("file")
            env = support.export_env(self.st)
            env["TZ"] = "Asia/Kathmandu"
            r = support.run(["export", "--tenant", TENANT, "--date", "2026-11-22", "--source-file", "-",
                             "--bucket", self.st["bucket"], "--prefix", prefix, "--endpoint-url",
                             self.st["endpoint"]], env, stdin_bytes=("\n".join(lines) + "\n").encode())
            self.assertEqual(r.returncode, 0, r)
            self.assertIn("exported 2000 rows", r.stdout)
            _, m = self.assert_report_matches(src, "2026-11-22", support.report_key(prefix, TENANT, "2026-11-22"))
            self.assertEqual(m["source"]["outside_window_dropped"], 4000)

    def test_a_rerun_overwrites_the_same_key_with_identical_bytes(self):
        with support.event_source(self.st, 5000) as src:
            prefix = support.unique("rerun")
            key = support.report_key(prefix, TENANT, "2026-11-22")
            digests = []
            for concurrency in ("1", "8"):
                r = self.export(src, "2026-11-22", prefix, ["--source-concurrency", concurrency, "--page-limit", "300"])
                self.assertEqual(r.returncode, 0, r)
                digests.append(support.object_sha256(self.st, key))
            self.assertEqual(digests[0], digests[1])
            s3 = support.clients.client(self.st, "s3", "admin")
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=self.st["bucket"], Prefix=prefix)["Contents"]]
            self.assertEqual(sorted(keys), sorted([key, key[:-4] + ".manifest.json"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
