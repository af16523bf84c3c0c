"""Bad input, as a new user and an operator give it: every case a clear error (exit 2 for bad
usage or configuration, 1 for a failure at run time) naming the input, with nothing written
that looks complete, and no secret in any output. Runs against moto (IAM enforced, TLS) where
a server is involved. Also: saved values round-trip byte for byte or are refused, concurrent
saves lose nothing, an encrypted store end to end, SIGINT's exit status."""

from __future__ import annotations

import datetime
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import support

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
TODAY = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
TENANT_SECRET = "tenant-secret-" + "k" * 26


@unittest.skipUnless(ON_MOTO, "the table runs once, against moto")
class bad_input_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.st = support.state()
        support.remember_secrets([TENANT_SECRET, support.SOURCE_TOKEN])
        cls.tmp = tempfile.mkdtemp(prefix="secexport-bad-input-")
        cls.store = os.path.join(cls.tmp, "tenants")
        cls.empty_source = cls.file("empty.ndjson", "")
        cls.secret_file = cls.file("secret", TENANT_SECRET + "\n")
        cls.shared_file = cls.file("shared-secret", TENANT_SECRET + "\n", 0o644)
        cls.empty_file = cls.file("empty-secret", "")
        cls.typo_config = cls.file("typo.ini", "[secexport]\nbukcet = acme-audit\n")
        cls.key_file = cls.file("store.key", "ab" * 32 + "\n")
        cls.other_key = cls.file("other.key", "cd" * 32 + "\n")
        os.makedirs(os.path.join(cls.tmp, "a-directory"))
        # One good tenant in the store, saved without a check (no network needed).
        r = support.run(["tenant", "save", "good", "--method", "access-key", "--access-key-id", KEY_ID,
                         "--secret-access-key-file", cls.secret_file, "--bucket", "good-bucket", "--source-url",
                         "https://events.internal", "--no-verify", "--tenants-dir", cls.store], cls.env())
        assert r.returncode == 0, r

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def file(cls, name: str, text: str, mode: int = 0o600) -> str:
        path = os.path.join(cls.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    @classmethod
    def env(cls, **extra) -> dict:
        e = support.base_env(cls.st)
        e.update(SECEXPORT_SOURCE_TOKEN=support.SOURCE_TOKEN)
        e.pop("SECEXPORT_TENANTS_DIR", None)
        e.update(extra)
        return e

    def export(self, *args: str) -> list[str]:
        base = {"--tenant": "acme", "--date": "2026-11-22", "--bucket": self.st["bucket"],
                "--endpoint-url": self.st["endpoint"], "--source-file": self.empty_source}
        given = set(a for a in args if a.startswith("--"))
        if "--source-url" in given or "--since" in given:
            base.pop("--source-file" if "--source-url" in given else "--date")
        out = ["export"]
        for k, v in base.items():
            if k not in given:
                out += [k, v]
        return out + list(args)

    def save(self, *args: str, tenant: str = "acme") -> list[str]:
        base = {"--method": "access-key", "--access-key-id": KEY_ID, "--secret-access-key-file": self.secret_file,
                "--bucket": "acme-audit", "--source-url": "https://events.internal"}
        given = set(a for a in args if a.startswith("--"))
        out = ["tenant", "save", tenant, "--no-verify", "--tenants-dir", self.store]
        for k, v in base.items():
            if k not in given:
                out += [k, v]
        return out + list(args)

    def cases(self):
        missing = os.path.join(self.tmp, "no-such-store")
        d = os.path.join(self.tmp, "a-directory")
        ep = self.st["endpoint"]
        return [
            # (name, argv, env changes, exit status, fragments that must appear)
            # -------------------------------------------------- the command line
            ("unknown subcommand", ["frobnicate"], {}, 2, ["unknown subcommand 'frobnicate'"]),
            ("global flag after the subcommand", self.export("--log-level", "debug", "--bucket", "ab"), {}, 2,
             ["bucket name 'ab'"]),
            ("bad log level", ["--log-level", "loud", "export"], {}, 2, ["loud"]),
            ("unknown flag", self.export("--no-such-flag"), {}, 2, ["--no-such-flag"]),
            ("tenant without its subcommand", ["tenant"], {}, 2, ["subcommand"]),
            # -------------------------------------------------- export: destination
            ("bucket with a slash", self.export("--bucket", "acme/audit"), {}, 2, ["contains '/'", "--prefix"]),
            ("bucket with capitals", self.export("--bucket", "AcmeAudit"), {}, 2, ["lower-case"]),
            ("bucket too short", self.export("--bucket", "ab"), {}, 2, ["3 to 63"]),
            ("bucket with underscore", self.export("--bucket", "acme_audit"), {}, 2, ["bucket name 'acme_audit'"]),
            ("bucket starting with a dash", self.export("--bucket", "-acme"), {}, 2, ["begin and end"]),
            ("bucket of 70 characters", self.export("--bucket", "a" * 70), {}, 2, ["3 to 63"]),
            ("prefix with ..", self.export("--prefix", "a/../b"), {}, 2, ["'.' and '..'"]),
            ("template without the date", self.export("--key-template", "fixed.csv"), {}, 2,
             ["every day's report would overwrite"]),
            ("template with an unknown placeholder", self.export("--key-template", "{nope}-{date}.csv"), {}, 2,
             ["unknown placeholder {nope}"]),
            ("endpoint with user information", self.export("--endpoint-url", "http://user:pw-secret@127.0.0.1:1"),
             {}, 2, ["user information"]),
            ("endpoint not http", self.export("--endpoint-url", "ftp://127.0.0.1"), {}, 2, ["https:// or http://"]),
            # -------------------------------------------------- export: source
            ("source URL with user information", self.export("--source-url", "https://u:pw-secret@127.0.0.1:1"),
             {}, 2, ["user information"]),
            ("source URL not http", self.export("--source-url", "ftp://x"), {}, 2, ["https:// or http://"]),
            ("two sources", self.export("--source-url", "https://127.0.0.1:1", "--source-file", "-"), {}, 2,
             ["exactly one"]),
            ("missing source file", self.export("--source-file", "/nonexistent/events.ndjson"), {}, 1,
             ["cannot open /nonexistent/events.ndjson"]),
            ("token file is a directory", self.export("--source-url", "https://127.0.0.1:1",
                                                      "--source-token-file", d), {}, 2, ["is a directory"]),
            ("token file others can read", self.export("--source-url", "https://127.0.0.1:1",
                                                       "--source-token-file", self.shared_file), {}, 2, ["chmod 600"]),
            ("token file empty", self.export("--source-url", "https://127.0.0.1:1", "--source-token-file",
                                             self.empty_file), {}, 2, ["is empty"]),
            ("no token", self.export("--source-url", "https://127.0.0.1:1"), {"SECEXPORT_SOURCE_TOKEN": ""}, 2,
             ["no token for the event source"]),
            ("page limit 0", self.export("--page-limit", "0"), {}, 2, ["--page-limit"]),
            # -------------------------------------------------- export: numbers and sizes
            ("read timeout 1e10", self.export("--read-timeout", "1e10"), {}, 2, ["0.1 to 3600"]),
            ("read timeout 1e300", self.export("--read-timeout", "1e300"), {}, 2, ["0.1 to 3600"]),
            ("read timeout nan", self.export("--read-timeout", "nan"), {}, 2, ["0.1 to 3600"]),
            ("connect timeout 0", self.export("--connect-timeout", "0"), {}, 2, ["0.1 to 3600"]),
            ("max memory not a size", self.export("--max-memory", "lots"), {}, 2, ["not a size"]),
            ("part size not a size", self.export("--part-size", "8 megs"), {}, 2, ["not a size"]),
            # -------------------------------------------------- export: the window
            ("today", self.export("--date", TODAY), {}, 2, ["--allow-partial-day"]),
            ("a future day", self.export("--date", "2099-01-01"), {}, 2, ["not yet past"]),
            ("not a date", self.export("--date", "2026-13-01"), {}, 2, ["not a date"]),
            ("until before since", self.export("--since", "2026-11-22T10:00:00Z", "--until",
                                               "2026-11-22T09:00:00Z"), {}, 2, ["--until must be after"]),
            ("date and since", self.export("--since", "2026-11-22T10:00:00Z", "--until", "2026-11-22T11:00:00Z",
                                           "--date", "2026-11-22"), {}, 2, ["alternatives"]),
            ("tenant with a slash", self.export("--tenant", "a/b"), {}, 2, ["tenant IDs"]),
            ("no bucket", [a for a in self.export() if a not in ("--bucket", self.st["bucket"])], {}, 2,
             ["--bucket is required"]),
            # -------------------------------------------------- export: config files
            ("config is a directory", self.export("--config", d), {}, 2, ["is a directory"]),
            ("config with a misspelt key", self.export("--config", self.typo_config), {}, 2,
             ["unknown setting 'bukcet'", "did you mean 'bucket'"]),
            ("config missing", self.export("--config", "/nonexistent.ini"), {}, 2, ["cannot read the config file"]),
            # -------------------------------------------------- upload
            ("upload to a bad bucket", ["upload", "-", "s3://AcmeAudit/key", "--endpoint-url", ep], {}, 2,
             ["bucket name 'AcmeAudit'"]),
            ("upload to no URL", ["upload", "-", "acme-audit/key"], {}, 2, ["s3://BUCKET/KEY"]),
            ("upload without a key", ["upload", "-", "s3://acme-audit/"], {}, 2, ["both a bucket and a key"]),
            ("upload to a bucket that does not exist", ["upload", "-", "s3://no-such-bucket-here/key",
                                                        "--endpoint-url", ep], {}, 1, ["no-such-bucket-here"]),
            # -------------------------------------------------- tenant save
            ("newline in the source URL", self.save("--source-url", "https://e\nbucket = other"), {}, 2,
             ["control character"]),
            ("newline in the token variable", self.save("--source-token-env", "X\nenabled = false"), {}, 2,
             ["control character"]),
            ("source URL not a URL", self.save("--source-url", "not-a-url"), {}, 2, ["source URL"]),
            ("source URL ftp", self.save("--source-url", "ftp://x"), {}, 2, ["https:// or http://"]),
            ("token variable not a name", self.save("--source-token-env", "NOT VALID=;"), {}, 2,
             ["environment variable names"]),
            ("tenant bucket with capitals", self.save("--bucket", "AcmeAudit"), {}, 2, ["lower-case"]),
            ("secret file others can read", self.save("--secret-access-key-file", self.shared_file), {}, 2,
             ["chmod 600"]),
            ("secret file is a directory", self.save("--secret-access-key-file", d), {}, 2, ["is a directory"]),
            ("tenant prefix with ..", self.save("--prefix", "a/../b"), {}, 2, ["'.' and '..'"]),
            ("role ARN", self.save("--method", "role-arn", "--role-arn", "arn:aws:s3:::bucket"), {}, 2, ["role ARN"]),
            ("region", self.save("--bucket-region", "nowhere"), {}, 2, ["region 'nowhere'"]),
            ("tenant ID with ..", self.save(tenant="../x"), {}, 2, ["tenant IDs"]),
            ("session duration", self.save("--session-duration", "60"), {}, 2, ["--session-duration"]),
            # -------------------------------------------------- tenant, the store
            ("show an unknown tenant", ["tenant", "show", "nobody", "--tenants-dir", self.store], {}, 2,
             ["no tenant nobody"]),
            ("list a store that does not exist", ["tenant", "list", "--tenants-dir", missing], {}, 2,
             ["does not exist"]),
            ("a store key that is not a key", ["tenant", "show", "good", "--tenants-dir", self.store,
                                               "--store-key-file", self.empty_file], {}, 2, ["store key"]),
            ("a store key others can read", ["tenant", "show", "good", "--tenants-dir", self.store,
                                             "--store-key-file", self.shared_file], {}, 2, ["chmod 600"]),
            ("rekey without any key", ["tenant", "rekey", "--tenants-dir", self.store], {}, 2,
             ["--new-store-key-file"]),
            # -------------------------------------------------- run and daemon
            ("run all tenants of a missing store", ["run", "--all-tenants", "--tenants-dir", missing], {}, 2,
             ["does not exist"]),
            ("run with a mistyped SECEXPORT_TENANTS_DIR", ["run", "--all-tenants"],
             {"SECEXPORT_TENANTS_DIR": missing}, 2, ["does not exist"]),
            ("run without tenants named", ["run", "--tenants-dir", self.store], {}, 2, ["name the tenants"]),
            ("run with a bad shard", ["run", "--all-tenants", "--shard", "3/2", "--tenants-dir", self.store], {}, 2,
             ["--shard"]),
            ("run with a shard count outside a Job", ["run", "--all-tenants", "--shard-count", "2",
                                                      "--tenants-dir", self.store], {}, 2, ["JOB_COMPLETION_INDEX"]),
            ("run today", ["run", "--tenant", "good", "--date", TODAY, "--tenants-dir", self.store,
                           "--endpoint-url", ep], {}, 2, ["has not ended", "--allow-partial-day"]),
            ("daemon of a missing store", ["daemon", "--tenants-dir", missing], {}, 2, ["does not exist"]),
            ("daemon with a date", ["daemon", "--date", "2026-11-22", "--tenants-dir", self.store], {}, 2,
             ["--date"]),
            ("daemon jitter out of range", ["daemon", "--jitter", "99999", "--tenants-dir", self.store], {}, 2,
             ["--jitter"]),
        ]

    def assert_clean(self, r, what):
        secrets = support.secrets_of(self.st) + [TENANT_SECRET, support.SOURCE_TOKEN, "pw-secret"]
        for s in secrets:
            self.assertNotIn(s, r.stdout + r.stderr, f"{what}: a secret in the output")
        self.assertNotIn("AddressSanitizer", r.stderr, what)
        self.assertNotIn("runtime error", r.stderr, what)

    def test_each_bad_input_is_a_clear_error_with_the_right_exit_status(self):
        cases = self.cases()
        self.assertGreaterEqual(len(cases), 50)
        for name, argv, env, status, fragments in cases:
            with self.subTest(case=name):
                r = support.run(argv, self.env(**env), stdin_bytes=b"", timeout=120)
                self.assertEqual(r.returncode, status, f"{name}: {r}")
                for f in fragments:
                    self.assertIn(f, r.stdout + r.stderr, f"{name}: {r}")
                self.assertNotIn("Traceback", r.stderr)
                self.assert_clean(r, name)
        # Nothing half-made: the refused saves left only the tenant saved in setUpClass.
        r = support.run(["tenant", "list", "--tenants-dir", self.store], self.env())
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual([l.split()[0] for l in r.stdout.splitlines()[1:]], ["good"])

    def test_a_partial_day_is_exported_only_when_asked_and_never_gets_a_manifest(self):
        prefix = support.unique("partial")
        r = support.run(self.export("--date", TODAY, "--prefix", prefix, "--allow-partial-day"), self.env())
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("no manifest: the window has not ended", r.stdout)
        key = support.report_key(prefix, "acme", TODAY)
        self.assertEqual(support.object_bytes(self.st, key).count(b"\n"), 1, "the header row of an empty day")
        self.assertIsNone(support.manifest(self.st, key), "a partial day must not look exported")

    def test_with_log_format_json_every_stderr_line_is_json(self):
        for argv in (["--log-format", "json", *self.export("--bucket", "ab")],
                     self.export("--log-format", "json", "--source-file", "/nonexistent"),
                     ["--log-format", "json", "frobnicate"]):
            r = support.run(argv, self.env())
            self.assertNotEqual(r.returncode, 0, r)
            lines = r.stderr.strip().splitlines()
            self.assertTrue(lines, r)
            for line in lines:
                obj = json.loads(line)  # raises on a plain-text line
                self.assertIn("msg", obj)
            self.assertEqual(json.loads(lines[-1])["level"], "error")

    def test_an_unreadable_tenant_file_fails_tenant_list(self):
        store = tempfile.mkdtemp(prefix="secexport-list-", dir=self.tmp)
        argv = self.save(tenant="alpha")
        argv[argv.index("--tenants-dir") + 1] = store
        r = support.run(argv, self.env())
        self.assertEqual(r.returncode, 0, r)
        os.chmod(os.path.join(store, "alpha.conf"), 0o644)
        r = support.run(["tenant", "list", "--tenants-dir", store], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("alpha", r.stdout)
        self.assertIn("readable by group or others", r.stderr)

    def test_saved_values_round_trip_byte_for_byte_or_are_refused(self):
        """Random values (every byte but NUL, which argv cannot carry) through `tenant save` and
        `tenant show`: shown exactly as given, or refused with exit 2."""
        rng = random.Random(13)
        store = tempfile.mkdtemp(prefix="secexport-rt-", dir=self.tmp)
        kept = refused = 0
        for i in range(60):
            raw = bytes(rng.choice([rng.randrange(1, 256), rng.randrange(0x61, 0x7b)]) for _ in range(rng.randrange(1, 10)))
            value = raw.decode("utf-8", errors="surrogateescape")
            flag, shown = [("--prefix", "prefix"), ("--source-token-env", "source-token-env"),
                           ("--source-url", "source-url")][i % 3]
            if flag == "--source-url":
                value = "https://e/" + value
            argv = ["tenant", "save", "rt", "--no-verify", "--tenants-dir", store, "--method", "access-key",
                    "--access-key-id", KEY_ID, "--secret-access-key-file", self.secret_file, "--bucket", "rt-bucket",
                    "--source-url", "https://events.internal", flag, value]
            p = subprocess.run([support.BIN, *[a.encode("utf-8", "surrogateescape") for a in argv]],
                               capture_output=True, env=self.env())
            if p.returncode == 2:
                refused += 1
                continue
            self.assertEqual(p.returncode, 0, p.stderr)
            show = subprocess.run([support.BIN, "tenant", "show", "rt", "--tenants-dir", store], capture_output=True,
                                  env=self.env())
            self.assertEqual(show.returncode, 0, show.stderr)
            line = next(l for l in show.stdout.split(b"\n") if l.startswith(shown.encode() + b" "))
            # The prefix is saved normalised (no empty segments): the rest byte for byte.
            expected = "/".join(x for x in value.split("/") if x) if flag == "--prefix" else value
            self.assertEqual(line[19:].decode("utf-8", "surrogateescape"), expected, f"{flag} {raw!r}")
            kept += 1
        self.assertGreater(kept, 5)
        self.assertGreater(refused, 5)

    def test_concurrent_saves_of_one_tenant_lose_no_write(self):
        store = tempfile.mkdtemp(prefix="secexport-concurrent-", dir=self.tmp)
        base = ["tenant", "save", "shared", "--no-verify", "--tenants-dir", store, "--method", "access-key",
                "--access-key-id", KEY_ID, "--secret-access-key-file", self.secret_file, "--bucket", "shared-bucket",
                "--source-url", "https://events.internal"]
        self.assertEqual(support.run(base, self.env()).returncode, 0)
        for round_ in range(8):
            a = subprocess.Popen([support.BIN, *base, "--prefix", f"p{round_}"], env=self.env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            b = subprocess.Popen([support.BIN, "tenant", "save", "shared", "--no-verify", "--tenants-dir", store,
                                  "--bucket-region", f"eu-west-{round_ + 1}"], env=self.env(),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            self.assertEqual(a.wait(timeout=60), 0, a.stderr.read())
            self.assertEqual(b.wait(timeout=60), 0, b.stderr.read())
            a.stderr.close(), b.stderr.close()
            show = support.run(["tenant", "show", "shared", "--tenants-dir", store], self.env())
            self.assertIn(f"{'prefix':<18} p{round_}\n", show.stdout)
            self.assertIn(f"{'region':<18} eu-west-{round_ + 1}\n", show.stdout)
        self.assertEqual(sorted(f for f in os.listdir(store) if not f.startswith(".")), ["shared.conf"])
        self.assertFalse([f for f in os.listdir(store) if f.endswith(".tmp")])

    def test_an_encrypted_store_works_end_to_end_and_fails_clearly_with_a_wrong_missing_or_moved_key(self):
        store = tempfile.mkdtemp(prefix="secexport-enc-", dir=self.tmp)
        keyed = self.env(SECEXPORT_STORE_KEY_FILE=self.key_file)
        user = self.st["users"]["exporter-user"]
        secret = self.file("exporter-secret", user["secret_access_key"] + "\n")
        prefix = support.unique("encrypted")
        r = support.run(["tenant", "save", "enc", "--tenants-dir", store, "--method", "access-key", "--access-key-id",
                         user["access_key_id"], "--secret-access-key-file", secret, "--bucket", self.st["bucket"],
                         "--prefix", prefix, "--source-url", "https://events.internal", "--endpoint-url",
                         self.st["endpoint"]], keyed)
        self.assertEqual(r.returncode, 0, r)
        text = open(os.path.join(store, "enc.conf")).read()
        self.assertNotIn(user["secret_access_key"], text)
        self.assertIn("enc:v1:", text)
        with support.event_source(self.st, 300) as src:
            r = support.run(["tenant", "save", "enc", "--tenants-dir", store, "--source-url", src.url, "--no-verify"],
                            keyed)
            self.assertEqual(r.returncode, 0, r)
            r = support.run(["run", "--tenant", "enc", "--date", "2026-11-22", "--tenants-dir", store,
                             "--endpoint-url", self.st["endpoint"]], keyed)
            self.assertEqual(r.returncode, 0, r)
        self.assertEqual(support.manifest(self.st, support.report_key(prefix, "enc", "2026-11-22"))["rows"], 300)

        r = support.run(["tenant", "show", "enc", "--tenants-dir", store], self.env())
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("SECEXPORT_STORE_KEY_FILE", r.stderr)
        r = support.run(["tenant", "show", "enc", "--tenants-dir", store], self.env(SECEXPORT_STORE_KEY_FILE=self.other_key))
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("cannot decrypt", r.stderr)
        shutil.copy(os.path.join(store, "enc.conf"), os.path.join(store, "moved.conf"))
        r = support.run(["tenant", "show", "moved", "--tenants-dir", store], keyed)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("another tenant", r.stderr)
        os.remove(os.path.join(store, "moved.conf"))
        # Rotation: every secret under the new key, the old key no longer opens them.
        r = support.run(["tenant", "rekey", "--tenants-dir", store, "--new-store-key-file", self.other_key], keyed)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn("rekeyed 1 tenant(s)", r.stdout)
        self.assertEqual(support.run(["tenant", "show", "enc", "--tenants-dir", store], keyed).returncode, 2)
        r = support.run(["tenant", "show", "enc", "--tenants-dir", store], self.env(SECEXPORT_STORE_KEY_FILE=self.other_key))
        self.assertEqual(r.returncode, 0, r)
        self.assert_clean(r, "show")

    def test_a_missing_bucket_is_named_as_such_not_as_a_missing_permission(self):
        admin = self.st["users"]["admin"]
        support.remember_secrets([admin["secret_access_key"]])
        secret = self.file("admin-secret", admin["secret_access_key"] + "\n")
        r = support.run(["tenant", "test", "good", "--tenants-dir", self.store, "--access-key-id",
                         admin["access_key_id"], "--secret-access-key-file", secret, "--bucket",
                         "no-such-bucket-here", "--endpoint-url", self.st["endpoint"]], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("FAILED at GetBucketLocation: NoSuchBucket", r.stdout)
        self.assertIn("the bucket does not exist", r.stdout)
        self.assertNotIn("is needed", r.stdout)
        self.assert_clean(r, "tenant test")

    def test_external_id_with_sts_unreachable_leaves_no_half_made_tenant(self):
        store = tempfile.mkdtemp(prefix="secexport-ext-", dir=self.tmp)
        r = support.run(["tenant", "external-id", "half", "--tenants-dir", store, "--sts-endpoint-url",
                         "https://127.0.0.1:1", "--max-attempts", "1"], self.env())
        self.assertEqual(r.returncode, 1, r)
        self.assertFalse(os.path.exists(os.path.join(store, "half.conf")))

    def test_sigint_exits_130_and_sigterm_143(self):
        for sig, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with support.event_source(self.st, 20_000, latency_ms=200) as src:
                p = subprocess.Popen([support.BIN, *self.export("--source-url", src.url, "--page-limit", "100",
                                                                "--source-concurrency", "1",
                                                                "--prefix", support.unique("signal"))],
                                     env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                time.sleep(1.5)
                p.send_signal(sig)
                out, err = p.communicate(timeout=60)
                support._capture(err)
                self.assertEqual(p.returncode, status, err)


if __name__ == "__main__":
    unittest.main()
