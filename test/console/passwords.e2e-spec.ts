import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, OMFLOW, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';
import { TEST_ARGON2 } from '../auth/helpers.js';
import { expectAccessible, launchBrowser, signIn } from './browser.js';

const SECRET = 'Console-2026-secret';

/** Issue 17: an admin sets, removes a person's password and clears a lockout from the Access page. */
describe.each(testDatabases())('the console and passwords ($kind)', (db) => {
  let bridge: RunningBridge;
  let browser: Browser;

  const login = async (username: string, password: string) =>
    (await request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({ username, password }).expect(200)).body as { status: string };
  /** Calls the page makes to the password routes. */
  const watchPasswordCalls = (page: Page) => {
    const calls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/auth/passwords/')) calls.push(`${r.method()} ${r.url()}`);
    });
    return calls;
  };
  const openAccess = async (clientId: string, secret: string) => {
    const context = await browser.newContext();
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    await signIn(page, bridge.url, clientId, secret);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.goto(`${bridge.url}/console/#/access`);
    return page;
  };

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bridge-console-passwords-')), 'org.json');
    writeOrganisation(file, people(5));
    bridge = await startBridgeWith(await db.create(), {
      env: { HR_SOURCE: 'file', HR_FILE: file, AUTH_VERIFIER: 'local', AUTH_LOCKOUT_THRESHOLD: '3', ...TEST_ARGON2 },
    });
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200)).body.status).toBe('published');
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
    await db.dropAll();
  });

  it('journey: a wrong confirmation is refused without a call; a password set by keyboard then logs in through /authenticate', async () => {
    const page = await openAccess('admin', TEST_ADMIN_TOKEN);
    await page.getByRole('heading', { name: 'Passwords' }).waitFor();
    await expectAccessible(page, 'access with passwords and lockouts');
    const calls = watchPasswordCalls(page);
    const username = page.getByLabel('Username', { exact: true });
    const password = page.getByLabel('New password', { exact: true });
    const again = page.getByLabel('Confirm new password');

    await username.fill('user2');
    await password.fill(SECRET);
    await again.fill(`${SECRET}!`);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').getByText('The two passwords differ').waitFor();
    expect(calls).toEqual([]);
    expect(await password.inputValue()).toBe('');
    expect(await again.inputValue()).toBe('');
    expect((await login('user2', SECRET)).status).toBe('fail');

    // By keyboard only: type, Tab, type, Tab, type, Enter submits the form.
    await username.focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('user2');
    await page.keyboard.press('Tab');
    await page.keyboard.type(SECRET);
    await page.keyboard.press('Tab');
    await page.keyboard.type(SECRET);
    await page.keyboard.press('Enter');
    await page.getByText('Password set for user2.').waitFor();
    expect(calls).toEqual([`PUT ${bridge.url}/api/v1/auth/passwords/user2`]);
    expect(await password.inputValue()).toBe('');
    expect(await again.inputValue()).toBe('');
    expect(await page.content()).not.toContain(SECRET);
    expect(await login('user2', SECRET)).toEqual({ status: 'success' });
    expect((await login('user2', 'not-the-password')).status).toBe('fail');

    // The API's own validation: an empty password is refused by the bridge, and the page says why.
    await username.fill('user3');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('alert').getByText(/password/i).waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/400/);
    expect(calls).toHaveLength(2);
    await expectAccessible(page, 'access after a refused password');
    await page.context().close();
  });

  it('journey: clear a lockout (the right password works again) and remove a password (it stops working)', async () => {
    await request(bridge.url).put('/api/v1/auth/passwords/user4').set(admin).send({ password: SECRET }).expect(200);
    for (let i = 0; i < 3; i++) expect((await login('user4', 'wrong-one')).status).toBe('fail');
    expect((await login('user4', SECRET)).status).toBe('fail'); // locked

    const page = await openAccess('admin', TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Unlock user4' }).click();
    await page.getByText('Unlocked user4.').waitFor();
    await page.getByText('No username or source IP is locked.').waitFor();
    expect(await login('user4', SECRET)).toEqual({ status: 'success' });

    await page.getByLabel('Username', { exact: true }).fill('user4');
    await page.getByRole('button', { name: 'Remove password' }).click();
    await page.getByText('Password removed for user4').waitFor();
    expect((await login('user4', SECRET)).status).toBe('fail');
    await page.getByRole('button', { name: 'Remove password' }).click();
    await page.getByText('user4 had no password.').waitFor();
    await expectAccessible(page, 'access after unlocking');
    await page.context().close();
  });

  it('shows neither passwords nor lockouts to a client without the admin scope', async () => {
    const created = (await request(bridge.url).post('/api/v1/clients').set(admin).send({ name: 'Operators', scopes: ['sync:admin', 'audit:read'] }).expect(201))
      .body as { id: string; secret: string };
    const page = await openAccess(created.id, created.secret);
    await page.getByText('This page needs the admin scope.').waitFor();
    expect(await page.getByRole('heading', { name: 'Passwords' }).count()).toBe(0);
    expect(await page.getByLabel('New password', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Access' }).count()).toBe(0);
    await page.context().close();
  });
});
