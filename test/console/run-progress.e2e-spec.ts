import type { Browser } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

/** A run started in the console, followed live over its event stream while a slowed directory is read. */
describe.each(testDatabases())("the console follows a run's progress ($kind)", (db) => {
  let emulator: RunningEmulator;
  let bridge: RunningBridge;
  let browser: Browser;

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 200, departments: 20, seed: 17 });
    bridge = await startBridgeWith(await db.create(), { env: emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '5' }) });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('journey: start a run and watch its phase and items advance live, then the ended run', async () => {
    await request(emulator.url).put('/_emulator/faults').send({ latency_ms: 80 }).expect(200);
    const context = await browser.newContext();
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    // Every event stream the page opens, to prove the progress came over server-sent events.
    const streams: string[] = [];
    page.on('request', (r) => r.url().endsWith('/events') && streams.push(r.url()));
    await signIn(page, bridge.url, 'admin', TEST_ADMIN_TOKEN);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('button', { name: 'Start a run' }).click();
    await page.getByTestId('progress-phase').getByText('read').waitFor();
    const employees = page.getByTestId('progress').getByRole('listitem').filter({ hasText: 'employees' });
    const firstSeen = (await employees.textContent()) ?? '';
    await expect.poll(() => employees.textContent(), { timeout: 20_000 }).not.toBe(firstSeen);
    await expectAccessible(page, 'a running run');
    await request(emulator.url).put('/_emulator/faults').send({ latency_ms: 0 }).expect(200);
    await page.getByTestId('run-status').getByText('published').waitFor();
    expect(streams).toHaveLength(1);
    expect(streams[0]).toMatch(/\/api\/v1\/sync\/runs\/\d+\/events$/);
    await context.close();
  });
});
