import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startOmflowEmulator, type RunningOmflowEmulator } from '../support/omflow-emulator.js';
import { people, writeOrganisation } from '../support/organisation.js';

const PASSWORD = 'Correct-Horse-2026';

/** OMFLOW's login call as its login form makes it: HTTP Basic on POST /accounts/api/login/. */
async function login(omflow: RunningOmflowEmulator, name: string | null, password = PASSWORD): Promise<{ status: number; message: string }> {
  const headers: Record<string, string> = name === null ? {} : { authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}` };
  const res = await fetch(`${omflow.url}/accounts/api/login/`, { method: 'POST', headers });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: number; message: string };
}

describe.each(testDatabases())('OMFLOW emulator: logins through the bridge ($kind)', (db) => {
  let bridge: RunningBridge;
  let omflow: RunningOmflowEmulator;
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'omflow-emulator-')), 'org.json');
    writeOrganisation(file, people(5));
    bridge = await startBridgeWith(await db.create(), { env: { HR_SOURCE: 'file', HR_FILE: file } });
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    for (const username of ['user1', 'user2'])
      await request(bridge.url).put(`/api/v1/auth/passwords/${username}`).set(admin).send({ password: PASSWORD }).expect(200);
    omflow = await startOmflowEmulator(bridge.url);
    expect((await omflow.pull()).outcome).toBe('applied');
  });
  afterAll(async () => {
    await omflow?.close();
    await bridge?.close();
    await db.dropAll();
  });

  it('logs in with the password the bridge checks, by username (as the collation matches it) or by email, and sets last_login', async () => {
    expect(await login(omflow, 'user1')).toEqual({ status: 200, message: 'Login successful.', result: null });
    expect((await login(omflow, 'USER1')).status).toBe(200);
    expect((await login(omflow, 'user1@acme.test')).status).toBe(200);
    const rows = await omflow.rest<{ username: string; last_login: string | null }[]>('user/list/', {
      search_columns: ['username', 'last_login'],
      order_columns: ['username'],
    });
    const lastLogin = Object.fromEntries(rows.result.map((r) => [r.username, r.last_login]));
    expect(lastLogin.user1).not.toBeNull();
    expect(lastLogin.user3).toBeNull();
    // The bridge saw the logins of the account OMFLOW holds.
    const audit = await request(bridge.url).get('/api/v1/audit/events?action=auth.login.succeeded&limit=50').set(admin);
    expect(JSON.stringify(audit.body)).toContain('user1');
  });

  it('refuses a wrong password, an unknown user, no credentials and a user deactivated in OMFLOW', async () => {
    expect(await login(omflow, 'user1', 'wrong-password')).toMatchObject({ status: 403, message: 'Login failed.' });
    expect(await login(omflow, 'nobody')).toMatchObject({ status: 403, message: 'Login failed, no such user account.' });
    expect((await login(omflow, null)).status).toBe(403);
    expect((await omflow.admin('PATCH', '/users/user2', { is_active: false })).status).toBe(200);
    expect(await login(omflow, 'user2')).toMatchObject({ status: 403, message: 'Login failed.' });
  });

  it('refuses every login while the Custom HR application cannot be reached', async () => {
    const cut = await startOmflowEmulator('http://127.0.0.1:9', { hrTimeoutMs: 2000 });
    try {
      await cut.admin('POST', '/users', { username: 'user1', email: 'user1@acme.test' });
      expect(await login(cut, 'user1')).toMatchObject({ status: 403, message: expect.stringContaining('could not check the password') as string });
    } finally {
      await cut.close();
    }
  });
});
