import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

/**
 * The README's screenshots are taken by these journeys. They are written to docs/screenshots only
 * with UPDATE_SCREENSHOTS=1 (a test run leaves the checkout as it was); otherwise to a scratch
 * folder, and still checked to be PNG images of the page.
 */
const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '../../docs/screenshots') : mkdtempSync(join(tmpdir(), 'console-shots-'));

describe.each(testDatabases())('the operator console in chromium ($kind)', (db) => {
  let bridge: RunningBridge;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let file: string;
  const screenshots = db.kind === 'sqlite';

  const runSync = async () =>
    (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200)).body as {
      id: number;
      status: string;
      snapshotId: number | null;
    };
  const newPage = async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    return page;
  };

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-console-')), 'org.json');
    writeOrganisation(file, people(30));
    bridge = await startBridgeWith(await db.create(), {
      env: {
        HR_SOURCE: 'file',
        HR_FILE: file,
        GUARD_MAX_USER_REMOVALS: '5',
        GUARD_MAX_USER_REMOVAL_PERCENT: '20',
        CONSOLE_SESSION_IDLE_MINUTES: '5',
        GUARD_FOUR_EYES_USER_REMOVALS: '1',
      },
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await db.dropAll();
  });

  it('serves the console offline with a strict Content-Security-Policy, under 300 KB compressed', async () => {
    const index = await request(bridge.url).get('/console/').expect(200);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['content-security-policy']).toContain("default-src 'none'");
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.text).not.toMatch(/https?:\/\//);
    let compressed = 0;
    for (const path of ['/console/', '/console/console.js', '/console/console.css']) {
      const res = await request(bridge.url)
        .get(path)
        .set('accept-encoding', 'gzip')
        .buffer(true)
        .parse((r, cb) => {
          let n = 0;
          r.on('data', (c: Buffer) => (n += c.length));
          r.on('end', () => cb(null, n));
        });
      expect(res.status).toBe(200);
      if (path !== '/console/') expect(res.headers['content-encoding']).toBe('gzip');
      compressed += res.body as number;
    }
    expect(compressed).toBeLessThan(300 * 1024);
  });

  it('signs in with a client id and secret: wrong secret refused, an HttpOnly SameSite=Strict cookie, audited', async () => {
    await newPage();
    await signIn(page, bridge.url, 'admin', 'wrong-secret');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong');
    await expectAccessible(page, 'sign-in');
    await signIn(page, bridge.url, 'admin', TEST_ADMIN_TOKEN);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'omflow_console', httpOnly: true, sameSite: 'Strict', secure: false });
    const events = await request(bridge.url).get('/api/v1/audit/events?action=console.signin').set(admin).expect(200);
    expect(events.body.items.map((e: { outcome: string }) => e.outcome).sort()).toEqual(['failure', 'success']);
    expect(JSON.stringify(events.body.items)).not.toContain(TEST_ADMIN_TOKEN);
  });

  it('the session cookie works as the bearer token does; a change without the CSRF header is refused; sign-out ends it', async () => {
    const jar = `omflow_console=${(await context.cookies())[0].value}`;
    const who = await request(bridge.url).get('/api/v1/whoami').set('cookie', jar).expect(200);
    expect(who.body).toMatchObject({ clientId: 'admin', via: 'session' });
    const session = await request(bridge.url).get('/api/v1/console/session').set('cookie', jar).expect(200);
    const refused = await request(bridge.url)
      .post('/api/v1/clients')
      .set('cookie', jar)
      .send({ name: 'x', scopes: ['audit:read'] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/CSRF/);
    const wrong = await request(bridge.url)
      .post('/api/v1/clients')
      .set('cookie', jar)
      .set('x-csrf-token', 'nope')
      .send({ name: 'x', scopes: ['audit:read'] });
    expect(wrong.status).toBe(403);
    const ok = await request(bridge.url)
      .post('/api/v1/clients')
      .set('cookie', jar)
      .set('x-csrf-token', session.body.csrfToken)
      .send({ name: 'csrf ok', scopes: ['audit:read'] });
    expect(ok.status).toBe(201);
    // Bad inputs of the sign-in.
    expect((await request(bridge.url).post('/api/v1/console/session').send({ clientId: 'admin' })).status).toBe(400);
    expect(
      (
        await request(bridge.url)
          .post('/api/v1/console/session')
          .send({ clientId: 'admin', secret: 'x'.repeat(600) })
      ).status,
    ).toBe(400);
    expect((await request(bridge.url).get('/api/v1/console/session')).status).toBe(401);
    expect((await request(bridge.url).get('/api/v1/whoami').set('cookie', 'omflow_console=forged')).status).toBe(401);
  });

  it('journey: the overview links to each page, keyboard-usable and accessible', async () => {
    await runSync();
    await page.goto(`${bridge.url}/console/#/`);
    await page.reload();
    await page.getByRole('link', { name: 'Snapshot 1' }).waitFor();
    // The cards read /health: counts, not an object printed as text; the read-back says it is not configured.
    await page.getByRole('link', { name: '0 left out by the last run' }).waitFor();
    await page.getByRole('link', { name: '0 pending' }).waitFor();
    await page.getByRole('link', { name: 'not configured (OMFLOW_URL)' }).waitFor();
    expect(await page.locator('.cards').textContent()).not.toContain('[object Object]');
    await expectAccessible(page, 'overview');
    if (screenshots) expect((await page.screenshot({ path: join(SCREENSHOTS, 'overview.png'), fullPage: true })).subarray(1, 4).toString()).toBe('PNG');
    // Keyboard: Tab reaches the navigation, Enter follows a link.
    for (let i = 0; i < 10 && (await page.evaluate('document.activeElement?.textContent')) !== 'Runs'; i += 1) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    await expectAccessible(page, 'runs');
  });

  it('journey: diff two snapshots and roll back, with a confirmation stating what OMFLOW will add and delete', async () => {
    writeOrganisation(file, people(32));
    const second = await runSync();
    expect(second.snapshotId).toBe(2);
    await page.goto(`${bridge.url}/console/#/snapshots`);
    await page.reload();
    await page.getByRole('link', { name: 'Snapshot 1', exact: true }).click();
    await page.getByTestId('diff-summary').waitFor();
    expect(await page.getByTestId('diff-summary').textContent()).toContain('people +0 −2');
    await page.getByLabel('Search a person').fill('user31');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await expectAccessible(page, 'snapshot diff');
    await page.getByRole('button', { name: 'Re-publish snapshot 1…' }).click();
    expect(await page.getByRole('alertdialog').textContent()).toContain('add 0 people and delete 2 people');
    await page.getByRole('button', { name: 'Yes, publish snapshot 1' }).click();
    await page.getByText('Snapshot 1 is what /sync serves now.').waitFor();
    const status = await request(bridge.url).get('/api/v1/sync/status').set(admin).expect(200);
    expect(status.body.publishedSnapshotId).toBe(1);
  });

  it('journey: review a held mass removal (screenshot) and publish part of it with four-eyes; a person without sync:admin cannot decide', async () => {
    writeOrganisation(file, people(20));
    const held = await runSync();
    expect(held.status).toBe('held');
    await page.goto(`${bridge.url}/console/#/runs/${held.id}`);
    await page.reload();
    const review = page.getByRole('region', { name: 'Held: review' });
    await review.waitFor();
    expect(await review.textContent()).toContain('user-removals');
    // The changes are listed once the run's paged diff is read (no sample shown meanwhile).
    await expect.poll(() => review.getByRole('row').count()).toBeGreaterThan(10);
    expect(await page.getByTestId('four-eyes').textContent()).toContain('No approval yet');
    await expectAccessible(page, 'held-run review');
    if (screenshots) expect((await page.screenshot({ path: join(SCREENSHOTS, 'held-run-review.png'), fullPage: true })).subarray(1, 4).toString()).toBe('PNG');

    // An auditor sees no runs and cannot decide: not in the console, not through the API with the session.
    const auditor = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ name: 'Auditor', scopes: ['audit:read'] })
      .expect(201);
    const auditorContext = await browser.newContext();
    const auditorPage = await auditorContext.newPage();
    await signIn(auditorPage, bridge.url, auditor.body.id, auditor.body.secret);
    await auditorPage.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await auditorPage.getByRole('navigation', { name: 'Console' }).textContent()).not.toContain('Runs');
    await auditorPage.goto(`${bridge.url}/console/#/runs/${held.id}`);
    await auditorPage.getByText('This page needs the sync:admin scope.').waitFor();
    const jar = `omflow_console=${(await auditorContext.cookies())[0].value}`;
    const csrf = (await request(bridge.url).get('/api/v1/console/session').set('cookie', jar).expect(200)).body.csrfToken as string;
    for (const verb of ['decide', 'approve', 'reject']) {
      const refused = await request(bridge.url)
        .post(`/api/v1/sync/runs/${held.id}/${verb}`)
        .set('cookie', jar)
        .set('x-csrf-token', csrf)
        .send({ note: 'no', kinds: { 'user-removals': 'accept' } });
      expect(refused.status).toBe(403);
    }
    await auditorContext.close();

    // The admin accepts two removals by name and rejects the rest by kind: the first of two approvals.
    await review.getByLabel('Decision for all user-removals').selectOption('reject');
    await review.getByLabel('Decision for user21').selectOption('accept');
    await review.getByLabel('Decision for user22').selectOption('accept');
    await review.getByLabel('Note (required)').fill('two leavers confirmed by HR; the rest is a directory glitch');
    await review.getByRole('button', { name: 'Publish the accepted changes' }).click();
    await page.getByText('Approval recorded').waitFor();
    expect((await request(bridge.url).get(`/api/v1/sync/runs/${held.id}`).set(admin).expect(200)).body.status).toBe('held');

    // A second operator sees the four-eyes state, with the first decision pre-filled, and publishes it.
    const operator = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ name: 'Operator B', scopes: ['sync:admin'] })
      .expect(201);
    const operatorContext = await browser.newContext();
    const operatorPage = await operatorContext.newPage();
    operatorContext.setDefaultTimeout(10_000);
    await signIn(operatorPage, bridge.url, operator.body.id, operator.body.secret);
    await operatorPage.getByRole('heading', { name: 'Overview' }).waitFor();
    await operatorPage.goto(`${bridge.url}/console/#/runs/${held.id}`);
    const second = operatorPage.getByRole('region', { name: 'Held: review' });
    await second.waitFor();
    expect(await operatorPage.getByTestId('four-eyes').textContent()).toContain('Approved by admin');
    expect(await second.getByLabel('Decision for user21').inputValue()).toBe('accept');
    await second.getByLabel('Note (required)').fill('agreed');
    await second.getByRole('button', { name: 'Publish the accepted changes' }).click();
    // The run page reloads the run: the review gives way to the published run.
    await operatorPage.getByTestId('run-status').getByText('published').waitFor();
    await operatorContext.close();

    const run = (await request(bridge.url).get(`/api/v1/sync/runs/${held.id}`).set(admin).expect(200)).body as {
      status: string;
      decision: { approvedBy: string[] };
    };
    expect(run.status).toBe('published');
    expect(run.decision.approvedBy).toEqual(['admin', operator.body.id]);
    // What /sync serves: the 30 people less the two removals accepted.
    const status = (await request(bridge.url).get('/api/v1/sync/status').set(admin).expect(200)).body as { publishedSnapshotId: number };
    const snapshot = (await request(bridge.url).get(`/api/v1/snapshots/${status.publishedSnapshotId}`).set(admin).expect(200)).body as { userCount: number };
    expect(snapshot.userCount).toBe(28);
  });

  it('journey: verify the audit trail, with the result shown', async () => {
    await page.goto(`${bridge.url}/console/#/audit`);
    await page.getByRole('button', { name: 'Verify the trail' }).click();
    await page.getByText('The audit trail verifies').waitFor();
    await page.getByLabel('Action').fill('console.signin');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(async () => (await page.getByRole('row').allTextContents()).slice(1).every((row) => row.includes('console.signin'))).toBe(true);
    expect(await page.getByRole('row').count()).toBeGreaterThanOrEqual(5);
    await expectAccessible(page, 'audit');
  });

  it('journey: create a client (secret shown once) and rotate its secret: the old one stops working', async () => {
    await page.goto(`${bridge.url}/console/#/access`);
    await page.getByLabel('Name', { exact: true }).fill('Reporting');
    await page.getByLabel('users:query').check();
    await page.getByRole('button', { name: 'Create' }).click();
    const first = (await page.getByTestId('secret').textContent()) ?? '';
    const id = /Created (\S+):/.exec((await page.getByRole('status').first().textContent()) ?? '')?.[1] ?? '';
    expect(id).toMatch(/^cl_/);
    await request(bridge.url).get('/api/v1/whoami').set('authorization', `Bearer ${first}`).expect(200);
    await expectAccessible(page, 'access');
    await page.getByRole('button', { name: `Rotate ${id}` }).click();
    await page.getByText(`Rotated ${id}`).waitFor();
    const second = (await page.getByTestId('secret').textContent()) ?? '';
    expect(second).not.toBe(first);
    expect((await request(bridge.url).get('/api/v1/whoami').set('authorization', `Bearer ${first}`)).status).toBe(401);
    await request(bridge.url).get('/api/v1/whoami').set('authorization', `Bearer ${second}`).expect(200);
  });

  it('journey: search the published snapshot for a person and open their history across snapshots', async () => {
    await page.goto(`${bridge.url}/console/#/people`);
    await page.reload();
    await page.getByLabel('Username, email or name').fill('user2');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'user20', exact: true }).waitFor();
    // user21 left with the partly published held run: no longer served.
    expect(await page.getByRole('link', { name: 'user21', exact: true }).count()).toBe(0);
    await page.goto(`${bridge.url}/console/#/people?q=user21&u=user21`);
    const history = page.getByRole('region', { name: 'user21' });
    await history.getByText('Not in the published snapshot.').waitFor();
    await history.getByText(/Snapshot \d+ .*: removed/).waitFor();
    await expectAccessible(page, 'people');
  });

  it('every page of the console passes axe-core (no serious or critical violation)', async () => {
    for (const [hash, heading] of [
      ['#/quality', 'Data quality'],
      ['#/removals', 'Pending removals'],
      ['#/readback', 'Read-back of OMFLOW'],
      ['#/notifications', 'Notifications'],
      ['#/snapshots', 'Snapshots'],
      ['#/runs/1', 'Run 1'],
    ]) {
      await page.goto(`${bridge.url}/console/${hash}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await expectAccessible(page, hash);
    }
  });

  it('signs out: the cookie no longer works', async () => {
    const jar = `omflow_console=${(await context.cookies())[0].value}`;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect((await request(bridge.url).get('/api/v1/whoami').set('cookie', jar)).status).toBe(401);
    await context.close();
  });
});
