// The documented set-up clicked through in Chromium against the doubles:
// Developer Tools -> App connectors -> Connect in Smartsheet -> sign in and
// Allow -> Test now -> Connected -> the last seven days in the activity log.
// Also a denied consent and a non-admin user, each ending in the portal's
// error.  Starts its own doubles on port 0; a screenshot per step goes to
// $KIT_REPORT_DIR/screenshots.  Nothing is downloaded at run time.
'use strict';
const { chromium } = require('playwright-core');
const { spawn } = require('node:child_process');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = process.env.KIT_BIN_DIR;
const REPORTS = process.env.KIT_REPORT_DIR || path.join(__dirname, '..', 'build', 'reports');
const SHOTS = path.join(REPORTS, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const children = [];

// Starts a double and resolves with the URL of its "listening on" line.
function startDouble(name, args) {
  return new Promise((resolve, reject) => {
    const log = fs.openSync(path.join(REPORTS, `e2e-${name}.log`), 'w');
    const child = spawn(path.join(BIN, name), args, { stdio: ['ignore', 'pipe', log] });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not announce itself`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited ${code}`)); });
  });
}

// Stops the doubles; each must stop cleanly (exit 0: no sanitizer report,
// every connector it started stopped).  Returns the ones that did not.
async function stopAll() {
  const bad = [];
  for (const c of children.reverse()) {
    if (c.exitCode !== null || c.signalCode !== null) {
      bad.push(`${c.spawnfile} had already ended (${c.exitCode ?? c.signalCode})`);
      continue;
    }
    const done = new Promise((r) => c.once('exit', (code, sig) => r(code ?? sig)));
    c.kill('SIGTERM');
    const how = await done;
    if (how !== 0) bad.push(`${path.basename(c.spawnfile)} stopped with ${how}`);
  }
  return bad;
}

let step = 0;
async function shot(page, name) {
  step += 1;
  const file = path.join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`  step ${step}: ${name}`);
}

// Polls fn (which returns a value or null) until it gives a value.
async function until(what, fn, ms = 120000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// Adds an app connector from the portal and follows "Connect in Smartsheet"
// to the Smartsheet sign-in page.
async function addConnector(page, cas, name, creds, shots) {
  await page.goto(`${cas}/connectors`);
  if (shots) await shot(page, 'app-connectors-empty');
  await page.getByRole('link', { name: 'Add an app connector' }).click();
  if (shots) await shot(page, 'choose-smartsheet');
  await page.getByRole('link', { name: /Smartsheet/ }).click();
  await page.getByLabel('Instance name').fill(name);
  await page.getByLabel('Client ID').fill(creds.clientId);
  await page.getByLabel('Client Secret').fill(creds.secret);
  if (shots) await shot(page, 'instance-client-id-secret');
  await page.getByRole('button', { name: 'Connect in Smartsheet' }).click();
  await page.getByRole('heading', { name: 'Log in to Smartsheet' }).waitFor();
}

function row(page, name) {
  return page.locator('tr', { hasText: name });
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.unlinkSync(path.join(SHOTS, f));
  const ss = await startDouble('mock-smartsheet', ['--listen', '127.0.0.1:0']);
  let r = await fetch(`${ss}/_mock/consent`, { method: 'POST', body: '{"mode":"page"}' });
  assert.equal(r.status, 200, 'consent mode page');
  const cas = await startDouble('mock-cas', ['--listen', '127.0.0.1:0', '--connector-cmd',
    path.join(BIN, 'connector'), '--smartsheet-url', ss]);
  const users = await (await fetch(`${ss}/_mock/users`)).json();
  const list = Array.isArray(users) ? users : users.data;
  const admin = list.find((u) => u.admin && u.status === 'ACTIVE');
  const plain = list.find((u) => !u.admin && u.status === 'ACTIVE');
  assert.ok(admin && plain, 'the scenario has an active admin and an active non-admin');

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(30000);

    // 1. Developer Tools: register, developer profile, Create New App.
    await page.goto(`${ss}/developer`);
    await page.getByLabel('Email address').fill(admin.email);
    await shot(page, 'developer-register');
    await page.getByRole('button', { name: 'Register' }).click();
    const fullName = admin.email.split('@')[0].split('.')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
    await page.getByLabel('Name').fill(fullName);
    await shot(page, 'developer-profile');
    await page.getByRole('button', { name: 'Create Profile' }).click();
    await page.getByLabel('App name').fill('Cloud App Security connector');
    await page.getByLabel('App description').fill('Sends users and Event Reporting to CAS');
    await page.getByLabel('App URL').fill('https://portal.cloudappsecurity.com');
    await page.getByLabel('App contact/support').fill(admin.email);
    await page.getByLabel('App redirect URL').fill(`${cas}/api/oauth/saga`);
    await page.getByLabel('No').check();
    await shot(page, 'create-new-app');
    await page.getByRole('button', { name: 'Save' }).click();
    const creds = {
      clientId: (await page.locator('#client-id').textContent()).trim(),
      secret: (await page.locator('#app-secret').textContent()).trim(),
    };
    assert.ok(creds.clientId.length >= 16 && creds.secret.length >= 16, 'client id and secret shown');
    await shot(page, 'app-client-id-and-secret');

    // 2-3. App connectors: "+", Smartsheet, instance name, Client ID/Secret.
    await addConnector(page, cas, 'Smartsheet production', creds, true);

    // 4. Sign in as a System Admin and allow.
    await page.getByLabel(new RegExp(admin.email.replace(/[.+]/g, '\\$&'))).check();
    await shot(page, 'smartsheet-sign-in');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    await shot(page, 'smartsheet-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/connectors\?/);
    assert.match(await page.locator('#flash').textContent(), /authorized/);
    await shot(page, 'authorized');

    // 5-6. Test now, Connected.
    await row(page, 'Smartsheet production').getByRole('button', { name: 'Test now' }).click();
    await page.waitForURL(/tested=1/);
    assert.match(await row(page, 'Smartsheet production').textContent(), /Connected/);
    await shot(page, 'test-now-connected');

    // 7. The first sync (the seven-day backfill) fills the activity log.
    const now = Date.now();
    const events = await (await fetch(`${ss}/_mock/events?numericDates=true`)).json();
    const inWindow = events.filter((e) => e.eventTimestamp >= now - 7 * 86400000 + 60000).length;
    assert.ok(inWindow > 0, 'the scenario has events in the last seven days');
    const total = await until('the backfill', async () => {
      await page.goto(`${cas}/activities`);
      const c = page.locator('#count');
      if (!(await c.count())) return null;
      const m = /of (\d+) activities/.exec(await c.textContent());
      return m && Number(m[1]) >= inWindow ? Number(m[1]) : null;
    });
    const oldest = events.filter((e) => e.eventTimestamp >= now - 8 * 86400000).length;
    assert.ok(total <= oldest, `no activity older than the backfill window (${total} <= ${oldest})`);
    await page.goto(`${cas}/connectors`);
    assert.match(await row(page, 'Smartsheet production').textContent(), /Connected/);
    // Test now again: still Connected, the connector keeps running.
    await row(page, 'Smartsheet production').getByRole('button', { name: 'Test now' }).click();
    await page.waitForURL(/tested=1/);
    const again = await row(page, 'Smartsheet production').textContent();
    assert.match(again, /Connected/);
    assert.match(again, /connector running/);
    assert.match(again, new RegExp(`${total} activities`));
    await shot(page, 'connected-with-counts');
    await page.goto(`${cas}/activities`);
    await shot(page, 'activity-log');

    // The filters: one user's activities only.
    const firstUser = (await page.locator('#activities tbody tr td:nth-child(3)').first().textContent()).trim();
    await page.getByLabel('User').fill(firstUser);
    await page.getByRole('button', { name: 'Apply' }).click();
    const shown = await page.locator('#activities tbody tr td:nth-child(3)').allTextContents();
    assert.ok(shown.length > 0 && shown.every((u) => u.trim() === firstUser), 'user filter');
    await shot(page, 'activity-log-filtered');
    await page.locator('#activities tbody tr a').first().click();
    await page.getByRole('heading', { name: 'Smartsheet event (rawDataJson)' }).waitFor();
    assert.match(await page.locator('pre').nth(1).textContent(), /"eventId"/);
    await shot(page, 'activity-record-and-raw-event');

    // Paging: page 2 of the whole log differs from page 1.
    await page.goto(`${cas}/activities`);
    if (total > 25) {
      await page.getByRole('link', { name: 'Next' }).click();
      assert.match(await page.locator('#count').textContent(), /Showing 26 to/);
    }
    await page.goto(`${cas}/charts`);
    assert.equal(await page.locator('#rate-chart polyline').count() > 0, true, 'chart has a series');
    await shot(page, 'requests-per-minute-chart');

    // A denied consent ends in the portal's error.
    await addConnector(page, cas, 'Denied consent', creds, false);
    await page.getByLabel(new RegExp(admin.email.replace(/[.+]/g, '\\$&'))).check();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(/\/connectors\?/);
    assert.match(await page.locator('#flash').textContent(), /failed/);
    assert.match(await row(page, 'Denied consent').textContent(), /Error|Not connected/);
    await shot(page, 'consent-denied-error');

    // A user who is not a System Admin: Test now ends in the admin error.
    await addConnector(page, cas, 'Not an admin', creds, false);
    await page.getByLabel(new RegExp(plain.email.replace(/[.+]/g, '\\$&'))).check();
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/connectors\?/);
    await row(page, 'Not an admin').getByRole('button', { name: 'Test now' }).click();
    await page.waitForURL(/tested=1/);
    const text = await row(page, 'Not an admin').textContent();
    assert.match(text, /Error/);
    assert.match(text, /System Admin/);
    await shot(page, 'not-admin-error');
  } catch (e) {
    const pages = context.pages();
    if (pages.length) await shot(pages[0], 'FAILED').catch(() => {});
    throw e;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  async () => {
    const bad = await stopAll();
    if (bad.length) {
      console.error(`browser test FAILED: ${bad.join('; ')} (logs: ${REPORTS}/e2e-*.log)`);
      process.exit(1);
    }
    console.log(`browser test passed (screenshots in ${SHOTS})`);
  },
  async (e) => {
    console.error(`browser test FAILED: ${e.stack || e}`);
    await stopAll();
    process.exit(1);
  },
);
