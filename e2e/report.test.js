// report.html in Chromium, offline, as a reviewer opens a CI artefact: the
// conformance runner judges a connector with one defect (RL-002 fails,
// RL-003 warns) on a few requirements, then the page must load from its
// file alone (no request leaves it), show the verdicts by group, filter
// them (failed / warnings / not judged / all), and draw a test's timeline.
// Screenshots: $KIT_REPORT_DIR/screenshots/report-*.png.
'use strict';
const { chromium } = require('playwright-core');
const { spawnSync } = require('node:child_process');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = process.env.KIT_BIN_DIR;
const TESTBIN = process.env.KIT_TEST_BIN_DIR || '';
const REPORTS = process.env.KIT_REPORT_DIR || path.join(__dirname, '..', 'build', 'reports');
const SHOTS = path.join(REPORTS, 'screenshots');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = path.join(REPORTS, 'report-e2e');

// The defect build when the tests were built (make check), else the
// reference connector (everything passes; the filters still work).
function judge() {
  const defective = path.join(TESTBIN, 'connector-defective');
  const broken = TESTBIN && fs.existsSync(defective);
  const r = spawnSync(path.join(BIN, 'conformance'), ['--connector',
    broken ? defective : path.join(BIN, 'connector'), '--only', 'RL-002,RL-003,OAUTH-001',
    '--report-dir', OUT, '--quiet'], {
    env: { ...process.env, KIT_DEFECT: 'short-wait-after-429' }, encoding: 'utf8',
    timeout: 300000,
  });
  assert.equal(r.status, broken ? 1 : 0, `conformance exited ${r.status}: ${r.stdout}${r.stderr}`);
  return broken;
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const broken = judge();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'kit-e2e-report-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    offline: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(30000);
    const away = [];
    page.on('request', (req) => { if (!req.url().startsWith('file:')) away.push(req.url()); });
    await page.goto(`file://${path.join(OUT, 'report.html')}`);
    await page.getByRole('heading', { name: /Connector conformance: (PASS|FAIL)/ }).waitFor();
    assert.match(await page.locator('table.meta').textContent(), /contract version\s*\d+\.\d+/);
    const rows = page.locator('tr.r');
    assert.equal(await rows.count(), 3, 'one row per selected requirement');
    const visible = async () => (await rows.evaluateAll(
      (trs) => trs.filter((tr) => tr.offsetParent !== null).map((tr) => tr.id))).sort();
    assert.deepEqual(await visible(), ['OAUTH-001', 'RL-002', 'RL-003']);
    await page.screenshot({ path: path.join(SHOTS, 'report-all.png'), fullPage: true });
    await page.locator('label[for=f-failed]').click();
    assert.deepEqual(await visible(), broken ? ['RL-002'] : []);
    if (broken) {
      // the connector's output beside the failed requirement
      await page.locator('#RL-002 details summary').last().click();
      assert.match(await page.locator('#RL-002 details[open]').textContent(), /stdout|stderr/);
      await page.screenshot({ path: path.join(SHOTS, 'report-failed.png'), fullPage: true });
    }
    await page.locator('label[for=f-warnings]').click();
    assert.deepEqual(await visible(), broken ? ['RL-003'] : []);
    await page.locator('label[for=f-all]').click();
    assert.equal((await visible()).length, 3);
    // the timeline of the test behind RL-002
    await page.locator('#t-rate_limit_429_backoff > summary').click();
    const svg = page.locator('#t-rate_limit_429_backoff svg').first();
    await svg.waitFor();
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 300 && box.height > 100, 'the timeline is drawn');
    assert.match(await svg.textContent(), /429/);
    await page.screenshot({ path: path.join(SHOTS, 'report-timeline.png'), fullPage: true });
    assert.deepEqual(away, [], 'report.html loads nothing from elsewhere');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => console.log(`report test passed (screenshots in ${SHOTS})`),
  (e) => { console.error(`report test FAILED: ${e.stack || e}`); process.exit(1); },
);
