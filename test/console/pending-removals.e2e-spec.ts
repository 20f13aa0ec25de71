import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, OMFLOW, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

/** The grace window in the console: leavers wait, one is expedited, one cancelled. */
describe.each(testDatabases())('the console and pending removals ($kind)', (db) => {
  let bridge: RunningBridge;
  let browser: Browser;
  let file: string;

  const runSync = async () => (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200)).body as { status: string };
  const served = async () =>
    (
      (await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret).expect(200)).body as { user_info_list: { username: string }[] }
    ).user_info_list.map((u) => u.username);

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-console-grace-')), 'org.json');
    writeOrganisation(file, people(30));
    bridge = await startBridgeWith(await db.create(), { env: { HR_SOURCE: 'file', HR_FILE: file, GUARD_DELETION_GRACE_HOURS: '24' } });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await db.dropAll();
  });

  it('journey: expedite a pending removal (the person leaves /sync now) and cancel another (kept)', async () => {
    expect((await runSync()).status).toBe('published');
    writeOrganisation(file, people(28));
    await runSync();
    expect(await served()).toEqual(expect.arrayContaining(['user29', 'user30']));

    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signIn(page, bridge.url, 'admin', TEST_ADMIN_TOKEN);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: '2 pending' }).click();
    await page.getByRole('heading', { name: 'Pending removals' }).waitFor();
    const rows = page.getByRole('row');
    await expect.poll(() => rows.count()).toBe(3);
    await expectAccessible(page, 'pending removals');
    // Without a note, nothing can be done.
    expect(await page.getByRole('button', { name: 'Expedite user29' }).isDisabled()).toBe(true);
    await page.getByLabel('Note for expedite or cancel (required)').fill('HR confirmed the leaver');
    await page.getByRole('button', { name: 'Expedite user29' }).click();
    await page.getByText('user29 removed from /sync now.').waitFor();
    await page.getByRole('button', { name: 'Cancel user30' }).click();
    await page.getByText("user30's removal cancelled.").waitFor();

    const now = await served();
    expect(now).not.toContain('user29');
    expect(now).toContain('user30');
    const list = (await request(bridge.url).get('/api/v1/sync/pending-removals').set(admin).expect(200)).body as {
      items: { username: string; status: string; note: string | null }[];
    };
    expect(list.items.find((r) => r.username === 'user30')).toMatchObject({ status: 'cancelled', note: 'HR confirmed the leaver' });
    await context.close();
  });
});
