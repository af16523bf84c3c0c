"""The settings page in a real browser (Debian's headless Chromium driven by playwright-core,
settings_page.mjs) against `secexport serve` and moto with IAM enforced: the role-ARN flow with
the issued external ID passes six steps, saves and shows the tenant saved and enabled after a
reload; a role trusting another external ID fails at AssumeRole with that explanation. Then the
tenant saved on the page is exported by `secexport run` from the same store. Screenshots are
kept in SECEXPORT_ARTIFACTS (the build directory)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

import support  # noqa: E402
from serve_support import serve, store_key_file  # noqa: E402
from support import admin, policies  # noqa: E402

ON_MOTO = os.environ.get("SECEXPORT_TESTENV", "").endswith("moto")
CHROMIUM = "/usr/bin/chromium"


@unittest.skipUnless(ON_MOTO, "IAM policies, STS and external IDs are moto's part of the suite")
class settings_page_test(unittest.TestCase):
    def test_role_arn_flow_in_chromium_and_the_saved_tenant_is_exported_by_run(self):
        if not os.path.exists(CHROMIUM):
            self.fail("Debian's chromium is missing: run tools/install-deps.sh")
        if not (HERE / "node_modules" / "playwright-core").exists():
            self.fail("playwright-core is missing: run tools/install-deps.sh (npm ci in tests/browser)")
        st = support.state()
        tmp = tempfile.mkdtemp(prefix="secexport-browser-")
        self.addCleanup(shutil.rmtree, tmp, True)
        tenants = os.path.join(tmp, "tenants")
        keys = os.path.join(tmp, "keys")
        os.makedirs(keys)
        key_file = store_key_file(keys)
        identity = admin.create_user(st, "exporter-" + uuid.uuid4().hex[:8], policies.allow("sts:AssumeRole", "*"))
        support.remember_secrets([identity["secret_access_key"]])
        env = support.base_env(st, user=None)
        env.update(AWS_ACCESS_KEY_ID=identity["access_key_id"], AWS_SECRET_ACCESS_KEY=identity["secret_access_key"],
                   SECEXPORT_SOURCE_TOKEN=support.SOURCE_TOKEN, SECEXPORT_STORE_KEY_FILE=key_file)
        artifacts = Path(os.environ.get("SECEXPORT_ARTIFACTS", tmp))
        artifacts.mkdir(parents=True, exist_ok=True)
        prefix = support.unique("browser")
        tenant, bad_tenant = "web-" + uuid.uuid4().hex[:6], "web-wrong-" + uuid.uuid4().hex[:6]

        with support.event_source(st, 300) as src, serve(st, env, tenants, store_key=key_file) as srv:
            # The customer's role, made from the trust policy the page will show (the ID is
            # issued once per tenant, so the page shows this same ID).
            status, info, _ = srv.call("POST", f"/v1/tenants/{tenant}/external-id")
            self.assertEqual(status, 200, info)
            good_role = admin.create_role(st, "customer-" + uuid.uuid4().hex[:8], info["trust_policy"],
                                          policies.spec_policy(st["bucket"]))
            wrong = json.loads(json.dumps(info["trust_policy"]))
            wrong["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = "sx-someone-elses-id"
            bad_role = admin.create_role(st, "customer-" + uuid.uuid4().hex[:8], wrong, policies.spec_policy(st["bucket"]))

            config = dict(url=srv.url, token=srv.token, tenant=tenant, bad_tenant=bad_tenant, good_role=good_role,
                          bad_role=bad_role, bucket=st["bucket"], prefix=prefix, source_url=src.url,
                          external_id=info["external_id"], artifacts=str(artifacts))
            cfg = Path(tmp) / "config.json"
            cfg.write_text(json.dumps(config))
            os.chmod(cfg, 0o600)
            node_env = dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1", PLAYWRIGHT_BROWSERS_PATH="0")
            p = subprocess.run(["node", str(HERE / "settings_page.mjs"), str(cfg)], cwd=HERE, env=node_env,
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            result = json.loads(p.stdout.strip().splitlines()[-1])
            self.assertTrue(result["ok"])
            for name in ("settings-page-passed.png", "settings-page-wrong-external-id.png"):
                self.assertGreater((artifacts / name).stat().st_size, 10_000, name)

            # What the page saved is in the store, as the CLI and the daily job see it.
            status, saved, _ = srv.call("GET", f"/v1/tenants/{tenant}")
            self.assertEqual((status, saved["enabled"], saved["method"], saved["role_arn"]),
                             (200, True, "role-arn", good_role), saved)
            status, _, _ = srv.call("GET", f"/v1/tenants/{bad_tenant}")
            self.assertEqual(srv.call("GET", f"/v1/tenants/{bad_tenant}")[1]["method"], "none",
                             "the failing settings were not saved")
            day = "2026-11-22"
            r = support.run(["run", "--all-tenants", "--date", day, "--tenants-dir", tenants, "--endpoint-url",
                             st["endpoint"], "--sts-endpoint-url", st["endpoint"]], env, timeout=600)
            self.assertRegex(r.stdout, rf"{tenant}\s+ok\s+{day}", r)
            m = support.manifest(st, support.report_key(prefix, tenant, day))
            self.assertIsNotNone(m, r)
            self.assertEqual(m["rows"], sum(1 for _ in src.dump(tenant, day + "T00:00:00Z", "2026-11-23T00:00:00Z")))
            said = "".join(srv.stderr_lines) + "\n".join(srv.bodies) + p.stdout + p.stderr
            self.assertNotIn(srv.token, "".join(srv.stderr_lines))
            self.assertNotIn(identity["secret_access_key"], said)


if __name__ == "__main__":
    unittest.main()
