// Drives the settings page of `secexport serve` in Debian's headless Chromium with
// playwright-core (never a downloaded browser), as a customer would: token, tenant, role ARN,
// Test credentials (six passes, shown as they arrive), Save changes, reload; then a role whose
// trust policy names another external ID fails at AssumeRole with that explanation.
//
//   node settings_page.mjs CONFIG.json    (written by test_settings_page.py)
// CONFIG: {url, token, ca_ignore, tenant, good_role, bad_role, bucket, prefix, source_url,
//          external_id, bad_tenant, artifacts}
// Exits 0 when every check holds; prints what failed otherwise.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'secexport-chromium-'));
const shot = (name) => path.join(cfg.artifacts, name);

const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true, // the suite's own CA; the certificate is checked by the API tests
  locale: cfg.locale || 'en-US',
  viewport: { width: 1100, height: 1300 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = browser.pages()[0] || await browser.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push('page error: ' + e.message));
// Script errors and CSP violations count; a 404 of an unknown tenant or of /favicon.ico does not.
page.on('console', (m) => {
  if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push('console: ' + m.text());
});

async function login() {
  await page.fill('#token', cfg.token);
  await page.click('#token-submit');
  await page.waitForSelector('#app:not([hidden])');
  assert.equal(await page.inputValue('#token'), '', 'the token field is emptied at once');
}

async function openTenant(id) {
  await page.fill('#tenant', id);
  await page.click('#load');
  // The page marks the section busy until this tenant's settings, external ID and exports are in.
  await page.waitForSelector(`#settings[data-tenant="${id}"][aria-busy="false"]`);
}

async function runTest(expectSteps) {
  await page.click('#test');
  await page.waitForFunction((n) => document.querySelectorAll('#steps li').length === n, expectSteps,
                             { timeout: 120000 });
  await page.waitForFunction(() => /pass|fail/.test(document.querySelector('#check-result').className),
                             null, { timeout: 120000 });
  return page.$$eval('#steps li', (lis) => lis.map((li) => ({
    action: li.dataset.action, status: li.className, text: li.textContent })));
}

try {
  await page.goto(cfg.url, { waitUntil: 'load' });
  assert.equal(await page.textContent('#test'), 'Test credentials');
  // Korean labels, chosen with the switch (and from the browser's language).
  await page.click('#lang-ko');
  assert.equal(await page.textContent('#test'), '자격 증명 테스트');
  assert.equal(await page.textContent('#save'), '변경 사항 저장');
  await page.click('#lang-en');
  await login();

  // ---- the issued external ID's role: six passes, save, reload
  await openTenant(cfg.tenant);
  await page.check('#method-role');
  // The saved tenant already shows its ID; the account ID and the trust policy arrive with the
  // page's own POST .../external-id, which sets all three at once.
  await page.waitForFunction(() => /^\d{12}$/.test(document.querySelector('#account-id').textContent));
  assert.equal(await page.textContent('#external-id'), cfg.external_id);
  assert.match(await page.textContent('#trust-policy'), new RegExp(cfg.external_id));
  await page.fill('#role-arn', cfg.good_role);
  await page.fill('#bucket', cfg.bucket);
  await page.click('.advanced summary');
  await page.fill('#prefix', cfg.prefix);
  await page.fill('#source-url', cfg.source_url);
  assert.equal(await page.isDisabled('#save'), true, 'Save is disabled before a test');
  const steps = await runTest(6);
  assert.deepEqual(steps.map((s) => s.action),
                   ['AssumeRole', 'GetBucketLocation', 'ListObjectsV2', 'PutObject', 'GetObject', 'DeleteObject']);
  assert.deepEqual(steps.map((s) => s.status), Array(6).fill('pass'), JSON.stringify(steps));
  assert.equal(await page.isDisabled('#save'), false, 'Save is enabled after a passing test');
  // A change of any value disables Save until the new values pass.
  await page.fill('#bucket', cfg.bucket + '-x');
  assert.equal(await page.isDisabled('#save'), true, 'a changed value needs a new test');
  await page.fill('#bucket', cfg.bucket);
  assert.equal(await page.isDisabled('#save'), false);
  await page.screenshot({ path: shot('settings-page-passed.png'), fullPage: true });
  await page.click('#save');
  await page.waitForFunction(() => document.querySelector('#message').textContent === 'Saved.');

  await page.reload({ waitUntil: 'load' });
  assert.equal(await page.isVisible('#login'), true, 'the token is not kept across a reload');
  await login(); // the tenant comes back from the URL's #tenant=
  await page.waitForFunction(() => document.querySelector('#saved-state').textContent.includes('export on'));
  assert.equal(await page.isChecked('#method-role'), true);
  assert.equal(await page.inputValue('#role-arn'), cfg.good_role);
  assert.equal(await page.inputValue('#bucket'), cfg.bucket);
  assert.equal(await page.isChecked('#enabled'), true);
  assert.match(await page.textContent('#saved-state'), /export on, method role-arn/);
  await page.waitForSelector('#exports tbody tr');

  // ---- a role whose trust policy has another external ID
  await openTenant(cfg.bad_tenant);
  await page.check('#method-role');
  await page.waitForFunction(() => document.querySelector('#external-id').textContent.startsWith('sx-'));
  const issued = await page.textContent('#external-id');
  await page.fill('#role-arn', cfg.bad_role);
  await page.fill('#bucket', cfg.bucket);
  const bad = await runTest(6);
  assert.equal(bad[0].action, 'AssumeRole');
  assert.equal(bad[0].status, 'fail', JSON.stringify(bad));
  assert.ok(bad[0].text.includes(issued), 'the AssumeRole step names the external ID: ' + bad[0].text);
  assert.deepEqual(bad.slice(1).map((s) => s.status), Array(5).fill('skip'));
  assert.match(await page.textContent('#check-result'), /failed at AssumeRole/);
  assert.equal(await page.isDisabled('#save'), true, 'no Save after a failing test');
  await page.screenshot({ path: shot('settings-page-wrong-external-id.png'), fullPage: true });

  // No secret was ever written into a field, and the token lives in no storage.
  const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie]));
  assert.ok(!stored.includes(cfg.token), 'the token is in no storage');
  assert.deepEqual(problems, [], problems.join('\n'));
  console.log(JSON.stringify({ ok: true, steps, bad_assume_role: bad[0].text }));
} catch (e) {
  await page.screenshot({ path: shot('settings-page-failure.png'), fullPage: true }).catch(() => {});
  console.error(e.stack || String(e));
  console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
