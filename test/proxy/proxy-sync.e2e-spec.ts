import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { admin, caller, eventually, exported, newClient, TEST_ARGON2, type ProxyCaller } from './helpers.js';

interface RunSummary {
  id: number;
  status: string;
  trigger: string;
  requestedBy: string | null;
  diffSummary: { users: { added: number; removed: number } } | null;
}

describe.each(testDatabases())('changes through the proxy reach the next sync ($kind)', (db) => {
  let emulator: RunningEmulator;
  let bridge: RunningBridge;
  let writer: ProxyCaller;

  const runs = async (): Promise<RunSummary[]> => {
    const res = await request(bridge.url).get('/api/v1/sync/runs').set(admin);
    expect(res.status).toBe(200);
    return (res.body as { items: RunSummary[] }).items;
  };
  const pulledUsernames = async (): Promise<string[]> => {
    const res = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
    return (res.body as { user_info_list: { username: string }[] }).user_info_list.map((u) => u.username);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 30, departments: 5, seed: 21 });
    bridge = await startBridgeWith(await db.create(), {
      env: { ...TEST_ARGON2, PROXY_SYNC_AFTER_CHANGES: 'true', PROXY_SYNC_DEBOUNCE_SECONDS: '1', ...emulator.bridgeEnv() },
    });
    writer = caller(bridge, await newClient(bridge, 'hr-writer', ['directory:write']), emulator.orgCode);
    const first = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(first.body.status).toBe('published');
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('runs one sync for a burst of changes, soon after them, and OMFLOW sees the new people', async () => {
    const orgId = (await exported(emulator))[0].positions[0].org_id;
    const before = (await runs()).length;
    for (const username of ['burst-1', 'burst-2', 'burst-3']) {
      const res = await writer.send('POST', '/employees', { username, name: username, email: `${username}@example.com`, positions: [{ org_id: orgId }] });
      expect(res.body.status).toBe(0);
    }
    expect(await pulledUsernames()).not.toContain('burst-1'); // not before the run

    const run = await eventually(async () => (await runs()).find((r) => r.trigger === 'proxy' && r.status !== 'running'));
    expect(run).toMatchObject({ status: 'published', requestedBy: 'directory-proxy', diffSummary: { users: { added: 3 } } });
    expect(await pulledUsernames()).toEqual(expect.arrayContaining(['burst-1', 'burst-2', 'burst-3']));
    // One run for the burst (waiting past another debounce period to be sure no second one comes).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const all = await runs();
    expect(all.filter((r) => r.trigger === 'proxy')).toHaveLength(1);
    expect(all).toHaveLength(before + 1);
  });

  it('picks up a disable in the next run: the person leaves OMFLOW', async () => {
    const target = (await exported(emulator)).find((e) => !e.locked && e.username.startsWith('burst-'))!;
    expect((await writer.send('POST', `/employees/${target.id}/disable`)).body.status).toBe(0);
    const run = await eventually(async () => {
      const proxyRuns = (await runs()).filter((r) => r.trigger === 'proxy' && r.status !== 'running');
      return proxyRuns.length >= 2 ? proxyRuns[0] : null;
    });
    expect(run.status).toBe('published');
    expect(await pulledUsernames()).not.toContain(target.username);
  });
});
