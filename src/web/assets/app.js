// The settings page of `secexport serve`: plain JavaScript, no framework. It talks to the
// settings API (docs/API.md) with the admin token, which lives in `token` below and nowhere
// else (no storage, no cookie). Secrets typed into the page are sent to the API and never
// written back into a field.
'use strict';

(() => {
  const T = {
    en: {
      title: 'Security event export to Amazon S3', login_title: 'Admin token',
      login_help: "Enter the admin token of this server. It is kept in this page's memory only and is gone when you reload.",
      token: 'Admin token', continue: 'Continue', tenant: 'Tenant', load: 'Open',
      export_to_s3: 'Export to AWS S3', enabled: 'On', disabled: 'Off', method: 'Authentication method',
      method_key: 'AWS secret access key', method_role: 'AWS role ARN',
      role_help: 'Create an IAM role trusted by this account with "Require external ID" set to the value below, attach the permissions policy, and enter the role\'s ARN.',
      account_id: 'Account ID', external_id: 'External ID', copy: 'Copy', copied: 'Copied',
      trust_policy: 'Trust policy', access_key_id: 'AWS access key ID', secret_access_key: 'AWS secret access key',
      secret_saved: 'A secret is saved; leave this empty to keep it.', key_saved: 'Saved: {0}; leave empty to keep it.',
      role_arn: 'Role ARN', bucket: 'AWS S3 bucket name', advanced: 'More settings', prefix: 'Key prefix (optional)',
      region: 'Bucket region (optional)', source_url: 'Event source URL', policy: 'Permissions policy for this bucket',
      test: 'Test credentials', save: 'Save changes',
      save_hint: 'Save changes is available after a passing test of the values shown.',
      exports: 'Recent exports', day: 'Day (UTC)', status: 'Status', rows: 'Rows', bytes: 'Bytes', finished: 'Finished',
      exported: 'exported', missing: 'missing', export_again: 'Export again', export_now: 'Export',
      pass: 'pass', fail: 'fail', skip: 'skip', testing: 'Testing…',
      check_passed: 'Credential check passed. You can save the changes.',
      check_failed: 'Credential check failed at {0}.', check_failed_perm: 'Credential check failed at {0}: {1} is needed.',
      saved: 'Saved.', not_saved: 'Not saved yet.', saved_state: 'Saved settings: {0}, method {1}.',
      state_on: 'export on', state_off: 'export off', bad_token: 'That token was not accepted.',
      export_started: 'Export of {0} started.', export_done: 'Export of {0}: {1}.',
      new_tenant: 'New tenant {0}: choose the method and enter the settings.', error: 'Error',
    },
    ko: {
      title: 'Amazon S3로 보안 이벤트 내보내기', login_title: '관리자 토큰',
      login_help: '이 서버의 관리자 토큰을 입력하세요. 토큰은 이 페이지의 메모리에만 보관되며 새로 고치면 사라집니다.',
      token: '관리자 토큰', continue: '계속', tenant: '테넌트', load: '열기',
      export_to_s3: 'AWS S3로 내보내기', enabled: '켜짐', disabled: '꺼짐', method: '인증 방법',
      method_key: 'AWS 비밀 액세스 키', method_role: 'AWS 역할 ARN',
      role_help: '이 계정을 신뢰하고 "외부 ID 필요"를 아래 값으로 설정한 IAM 역할을 만들고, 권한 정책을 첨부한 다음 역할 ARN을 입력하세요.',
      account_id: '계정 ID', external_id: '외부 ID', copy: '복사', copied: '복사됨',
      trust_policy: '신뢰 정책', access_key_id: 'AWS 액세스 키 ID', secret_access_key: 'AWS 비밀 액세스 키',
      secret_saved: '비밀 키가 저장되어 있습니다. 유지하려면 비워 두세요.', key_saved: '저장됨: {0}. 유지하려면 비워 두세요.',
      role_arn: '역할 ARN', bucket: 'AWS S3 버킷 이름', advanced: '추가 설정', prefix: '키 접두사(선택 사항)',
      region: '버킷 리전(선택 사항)', source_url: '이벤트 소스 URL', policy: '이 버킷의 권한 정책',
      test: '자격 증명 테스트', save: '변경 사항 저장',
      save_hint: '표시된 값으로 자격 증명 테스트를 통과한 후에 변경 사항을 저장할 수 있습니다.',
      exports: '최근 내보내기', day: '날짜(UTC)', status: '상태', rows: '행', bytes: '바이트', finished: '완료 시각',
      exported: '내보냄', missing: '없음', export_again: '다시 내보내기', export_now: '내보내기',
      pass: '통과', fail: '실패', skip: '건너뜀', testing: '테스트 중…',
      check_passed: '자격 증명 검사를 통과했습니다. 변경 사항을 저장할 수 있습니다.',
      check_failed: '자격 증명 검사가 {0} 단계에서 실패했습니다.', check_failed_perm: '자격 증명 검사가 {0} 단계에서 실패했습니다: {1} 권한이 필요합니다.',
      saved: '저장했습니다.', not_saved: '아직 저장되지 않았습니다.', saved_state: '저장된 설정: {0}, 방법 {1}.',
      state_on: '내보내기 켜짐', state_off: '내보내기 꺼짐', bad_token: '토큰이 받아들여지지 않았습니다.',
      export_started: '{0} 내보내기를 시작했습니다.', export_done: '{0} 내보내기: {1}.',
      new_tenant: '새 테넌트 {0}: 방법을 선택하고 설정을 입력하세요.', error: '오류',
    },
  };

  const $ = (id) => document.getElementById(id);
  const wanted = (navigator.languages || [navigator.language || 'en']).find((l) => /^(en|ko)/i.test(l)) || 'en';
  let lang = wanted.toLowerCase().startsWith('ko') ? 'ko' : 'en';
  let token = null;        // the admin token: in memory only
  let current = null;      // the tenant's saved settings, as the API returned them (no secrets)
  let tenantId = '';
  let tested = null;       // the values of the last passing test
  let testing = false;

  const t = (key, ...args) => {
    let s = (T[lang] && T[lang][key]) || T.en[key] || key;
    args.forEach((a, i) => { s = s.replace('{' + i + '}', a); });
    return s;
  };

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.title = t('title');
    $('lang-en').setAttribute('aria-pressed', String(lang === 'en'));
    $('lang-ko').setAttribute('aria-pressed', String(lang === 'ko'));
    renderSwitch();
    renderSavedState();
    renderHints();
  }

  function say(text, isError) {
    const m = $('message');
    m.textContent = text || '';
    m.className = isError ? 'error' : '';
  }

  class ApiError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || 'HTTP ' + status);
      this.status = status;
      this.code = e.code || '';
      this.field = e.field || '';
      this.body = body;
    }
  }

  async function call(method, path, body, accept) {
    const headers = { Authorization: 'Bearer ' + token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (accept) headers.Accept = accept;
    return fetch(path, {
      method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function api(method, path, body) {
    const res = await call(method, path, body);
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }

  const tenantPath = (suffix) => '/v1/tenants/' + encodeURIComponent(tenantId) + (suffix || '');

  function showError(err) {
    if (err instanceof ApiError && err.status === 401) {
      token = null;
      $('app').hidden = true;
      $('login').hidden = false;
      $('login-error').textContent = t('bad_token');
      $('login-error').hidden = false;
      return;
    }
    say(t('error') + ': ' + err.message, true);
    markField(err.field);
  }

  function markField(field) {
    document.querySelectorAll('#settings-form input').forEach((i) => i.removeAttribute('aria-invalid'));
    if (!field) return;
    const input = document.querySelector('#settings-form [name="' + field + '"]');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      if (input.closest('details')) input.closest('details').open = true;
      input.focus();
    }
  }

  // ---------------------------------------------------------------- login and tenants

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    $('login-error').hidden = true;
    try {
      const data = await api('GET', '/v1/tenants');
      $('login').hidden = true;
      $('app').hidden = false;
      const list = $('tenant-list');
      list.replaceChildren(...data.tenants.map((x) => { const o = document.createElement('option'); o.value = x.tenant; return o; }));
      const fromHash = new URLSearchParams(location.hash.slice(1)).get('tenant');
      if (fromHash) { $('tenant').value = fromHash; await openTenant(fromHash); } else { $('tenant').focus(); }
    } catch (err) {
      showError(err);
    }
  });

  $('tenant-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    openTenant($('tenant').value.trim());
  });

  async function openTenant(id) {
    if (!id) return;
    tenantId = id;
    $('settings').setAttribute('aria-busy', 'true'); // until the tenant's settings, ID and exports are in
    history.replaceState(null, '', '#tenant=' + encodeURIComponent(id));
    say('');
    tested = null;
    $('steps').replaceChildren();
    $('check-result').textContent = '';
    try {
      current = await api('GET', tenantPath());
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) { showError(err); $('settings').removeAttribute('aria-busy'); return; }
      current = null;
      say(t('new_tenant', id));
    }
    fillForm();
    $('settings').hidden = false;
    if (methodOf() === 'role-arn') await loadExternalId();
    await loadPolicy();
    await loadExports();
    if (tenantId === id) { $('settings').dataset.tenant = id; $('settings').setAttribute('aria-busy', 'false'); }
  }

  function fillForm() {
    const c = current || {};
    const method = c.method && c.method !== 'none' ? c.method : 'role-arn';
    $('method-key').checked = method === 'access-key';
    $('method-role').checked = method === 'role-arn';
    $('access-key-id').value = '';            // the saved one is masked: never written back
    $('secret-access-key').value = '';        // a secret is never written back
    $('role-arn').value = c.role_arn || '';
    $('bucket').value = c.bucket || '';
    $('prefix').value = c.prefix || '';
    $('region').value = c.region || '';
    $('source-url').value = c.source_url || '';
    // A tenant that is not set up yet (none, or only its external ID issued) is saved switched on.
    $('enabled').checked = current && current.method !== 'none' ? !!c.enabled : true;
    $('external-id').textContent = c.external_id || '';
    $('trust-policy').textContent = ''; // the previous tenant's; loadExternalId writes this one's
    markField('');
    renderMethod();
    renderSwitch();
    renderSavedState();
    renderHints();
    updateSave();
  }

  function renderHints() {
    const c = current || {};
    $('secret-hint').hidden = !c.secret_access_key_set;
    $('access-key-id').placeholder = c.access_key_id ? t('key_saved', c.access_key_id) : '';
  }

  function renderSavedState() {
    $('saved-state').textContent = current && current.method !== 'none'
      ? t('saved_state', current.enabled ? t('state_on') : t('state_off'), current.method)
      : t('not_saved');
  }

  function renderSwitch() { $('enabled-label').textContent = $('enabled').checked ? t('enabled') : t('disabled'); }

  const methodOf = () => ($('method-role').checked ? 'role-arn' : 'access-key');

  function renderMethod() {
    const m = methodOf();
    document.querySelectorAll('[data-method]').forEach((el) => { el.hidden = el.dataset.method !== m; });
    $('role-info').hidden = m !== 'role-arn';
  }

  for (const id of ['method-key', 'method-role']) {
    $(id).addEventListener('change', async () => {
      renderMethod();
      updateSave();
      if (methodOf() === 'role-arn') await loadExternalId();
    });
  }

  async function loadExternalId() {
    try {
      const info = await api('POST', tenantPath('/external-id'));
      $('account-id').textContent = info.account_id;
      $('external-id').textContent = info.external_id;
      $('trust-policy').textContent = JSON.stringify(info.trust_policy, null, 2);
    } catch (err) {
      showError(err);
    }
  }

  let policyTimer = null;
  async function loadPolicy() {
    const bucket = $('bucket').value.trim();
    if (!bucket) { $('policy').textContent = ''; return; }
    const q = new URLSearchParams({ bucket, prefix: $('prefix').value.trim() });
    try {
      const data = await api('GET', tenantPath('/policy?' + q));
      $('policy').textContent = JSON.stringify(data.policy, null, 2);
    } catch (err) {
      $('policy').textContent = err.message;
    }
  }

  // ---------------------------------------------------------------- test and save

  function formValues() {
    const m = methodOf();
    const v = { method: m, bucket: $('bucket').value.trim(), prefix: $('prefix').value.trim(),
                region: $('region').value.trim(), source_url: $('source-url').value.trim() };
    if (m === 'role-arn') v.role_arn = $('role-arn').value.trim();
    if (m === 'access-key') {
      const id = $('access-key-id').value.trim();
      const secret = $('secret-access-key').value;
      if (id) v.access_key_id = id;
      if (secret) v.secret_access_key = secret;
    }
    return v;
  }

  // What a test vouches for: the tenant and every value (the secret included, compared in
  // memory only).
  const fingerprint = () => JSON.stringify([tenantId, formValues()]);

  function updateSave() {
    $('save').disabled = testing || tested === null || tested !== fingerprint();
  }

  $('settings-form').addEventListener('input', () => {
    updateSave();
    clearTimeout(policyTimer);
    policyTimer = setTimeout(loadPolicy, 400);
  });

  function stepItem(s) {
    const li = document.createElement('li');
    li.className = s.status;
    li.dataset.action = s.action;
    const cells = [[t(s.status), 'status'], [s.action, 'action'], [s.permission, 'permission'],
                   [(s.code ? s.code + ': ' : '') + s.message, 'message']];
    for (const [text, cls] of cells) {
      const span = document.createElement('span');
      span.className = cls;
      span.textContent = text;
      li.append(span);
    }
    return li;
  }

  $('test').addEventListener('click', async () => {
    const values = formValues();
    const fp = fingerprint();
    tested = null;
    testing = true;
    updateSave();
    markField('');
    say('');
    $('steps').replaceChildren();
    const result = $('check-result');
    result.className = '';
    result.textContent = t('testing');
    $('test').disabled = true;
    try {
      const res = await call('POST', tenantPath('/test'), values, 'application/x-ndjson');
      if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let report = null;
      for (;;) {
        const { value, done } = await reader.read();
        if (value) buffer += decoder.decode(value, { stream: true });
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line);
          if (msg.step) $('steps').append(stepItem(msg.step));
          if (msg.report) report = msg.report;
        }
        if (done) break;
      }
      if (report && report.passed) {
        tested = fp;
        result.className = 'pass';
        result.textContent = t('check_passed');
      } else {
        const f = report && report.steps.find((s) => s.status === 'fail');
        result.className = 'fail';
        result.textContent = f ? (f.denied ? t('check_failed_perm', f.action, f.permission) : t('check_failed', f.action)) : t('error');
      }
    } catch (err) {
      result.textContent = '';
      showError(err);
    } finally {
      testing = false;
      $('test').disabled = false;
      updateSave();
    }
  });

  $('settings-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if ($('save').disabled) return;
    const body = Object.assign(formValues(), { enabled: $('enabled').checked });
    $('save').disabled = true;
    try {
      const data = await api('PUT', tenantPath(), body);
      current = data.tenant;
      const keep = tested;
      fillForm();                 // clears the secret field: it is never shown again
      tested = keep === fingerprint() ? keep : null;
      updateSave();
      say(t('saved'));
      await loadExports();
    } catch (err) {
      showError(err);
      updateSave();
    }
  });

  $('enabled').addEventListener('change', async () => {
    renderSwitch();
    if (!current || current.method === 'none') return; // a new tenant: the switch is saved with it
    const on = $('enabled').checked;
    try {
      current = await api('POST', tenantPath(on ? '/enable' : '/disable'));
      renderSavedState();
    } catch (err) {
      $('enabled').checked = !on;
      renderSwitch();
      showError(err);
    }
  });

  // ---------------------------------------------------------------- exports

  async function loadExports() {
    const box = $('exports-box');
    if (!current || !current.bucket || current.method === 'none') { box.hidden = true; return; }
    box.hidden = false;
    const body = $('exports').tBodies[0];
    try {
      const data = await api('GET', tenantPath('/exports?days=7'));
      body.replaceChildren(...data.days.map(dayRow));
      const running = data.runs.find((r) => r.status === 'running');
      $('exports-note').textContent = running ? t('export_started', running.date) : '';
    } catch (err) {
      body.replaceChildren();
      $('exports-note').textContent = err.message;
    }
  }

  function dayRow(d) {
    const tr = document.createElement('tr');
    const cells = [[d.date], [t(d.status), d.status], [d.rows !== undefined ? String(d.rows) : ''],
                   [d.bytes !== undefined ? String(d.bytes) : ''], [d.finished_at || '']];
    for (const [text, cls] of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
    }
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = d.status === 'exported' ? t('export_again') : t('export_now');
    b.addEventListener('click', () => startExport(d.date));
    td.append(b);
    tr.append(td);
    return tr;
  }

  async function startExport(date) {
    try {
      let run = await api('POST', tenantPath('/exports'), { date });
      say(t('export_started', date));
      while (run.status === 'running') {
        await new Promise((r) => setTimeout(r, 1000));
        run = await api('GET', tenantPath('/exports/' + run.id));
      }
      say(t('export_done', date, run.status + (run.error ? ' — ' + run.error : '')), run.status !== 'succeeded');
      await loadExports();
    } catch (err) {
      showError(err);
    }
  }

  // ---------------------------------------------------------------- copy, language

  document.querySelectorAll('button.copy').forEach((b) => {
    b.addEventListener('click', async () => {
      const text = $(b.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        b.textContent = t('copied');
        setTimeout(() => { b.textContent = t('copy'); }, 1500);
      } catch (err) {
        const range = document.createRange();
        range.selectNodeContents($(b.dataset.copy));
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
    });
  });

  for (const b of document.querySelectorAll('.lang button')) {
    b.addEventListener('click', () => { lang = b.dataset.lang; applyLanguage(); });
  }

  applyLanguage();
  $('token').focus();
})();
