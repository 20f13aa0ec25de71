import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '#app/database';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

interface SyncBody {
  status: string;
  user_info_list: { username: string }[];
  group_info_list: { group_no: string; user_list: string[] }[];
}
interface Exported {
  id: string;
  username: string;
  locked: boolean;
  positions: { org_id: string; primary: boolean }[];
}

/**
 * The measured failure of issue 15: a consistent-looking read in which one small department (15
 * of about 290 people, under every count limit) has lost everyone. OMFLOW deletes whoever `/sync`
 * stops listing, so the run must wait for a decision. Seed 4 (300 people, 20 departments) has a
 * department of exactly 15 active people (primary position), the smallest of at least 15, which
 * the emulator's `empty_department_size: 15` fault empties.
 */
describe.each(testDatabases())('a run that empties a department is held ($kind)', (db) => {
  let emulator: RunningEmulator;
  let database: DatabaseConfig;
  let bridge: RunningBridge;
  let department: { id: string; name: string; employees: number };
  /** The department's people (primary position there), by username. */
  let people: string[];

  const runSync = async (on = bridge) => {
    const res = await request(on.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.status).toBe(200);
    return res.body;
  };
  const pull = async (on = bridge): Promise<SyncBody> => (await request(on.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret)).body as SyncBody;
  const listed = (body: SyncBody) => new Set(body.user_info_list.map((u) => u.username));
  const faults = (settings: Record<string, number>) => request(emulator.url).put('/_emulator/faults').send(settings).expect(200);
  const publishedId = async (on = bridge): Promise<number> => {
    const res = await request(on.url).get('/api/v1/snapshots').set(admin).expect(200);
    return (res.body.items as { id: number; published: boolean }[]).find((s) => s.published)!.id;
  };
  /** Locks or unlocks people through the directory's own API (real HTTP, its own token). */
  const directory = async (ids: string[], operation: 'lock' | 'unlock') => {
    const token = await fetch(`${emulator.url}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        scope: 'app',
        domain_id: emulator.domainId,
        org_id: emulator.orgCode,
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
      }),
    }).then(async (r) => ((await r.json()) as { result: { access_token: string } }).result.access_token);
    for (const id of ids) {
      const res = await fetch(`${emulator.url}/v1/admin/organizations/${emulator.orgCode}/employees/${id}/${operation}?access_token=${token}`, { method: 'POST' });
      expect(((await res.json()) as { status: number }).status).toBe(0);
    }
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 300, departments: 20, seed: 4 });
    database = await db.create();
    bridge = await startBridgeWith(database, { env: emulator.bridgeEnv() });
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('publishes the organisation first; the fault picks a department of 15 people', async () => {
    expect((await runSync()).status).toBe('published');
    await faults({ empty_department_size: 15 });
    department = (await request(emulator.url).get('/_emulator/state').expect(200)).body.emptied_department;
    expect(department).toMatchObject({ employees: 15 });
    const exported = (await request(emulator.url).get('/_emulator/export').expect(200)).body.result as Exported[];
    people = exported.filter((e) => !e.locked && (e.positions.find((p) => p.primary) ?? e.positions[0])?.org_id === department.id).map((e) => e.username);
    expect(people).toHaveLength(15);
    const body = await pull();
    for (const username of people) expect(listed(body).has(username)).toBe(true);
  });

  it('holds the run with reason emptied-departments, under every count limit, and publishes nothing', async () => {
    const before = await publishedId();
    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.diffSummary.users.removed).toBe(15);
    expect(held.holdReasons).toEqual([
      {
        kind: 'emptied-departments',
        count: 1,
        limit: 5,
        departments: [{ group_no: department.id, name: department.name, before: 15 }],
        message: `1 department(s) of at least 5 people would lose all their members: ${department.name} (${department.id}, 15)`,
      },
    ]);
    expect(await publishedId()).toBe(before);
    const body = await pull();
    for (const username of people) expect(listed(body).has(username)).toBe(true);
    expect(body.group_info_list.find((g) => g.group_no === department.id)!.user_list).toEqual(expect.arrayContaining(people));
    // The held run's details say the same.
    const detail = await request(bridge.url).get(`/api/v1/sync/runs/${held.id}`).set(admin).expect(200);
    expect(detail.body.holdReasons[0].departments).toEqual([{ group_no: department.id, name: department.name, before: 15 }]);
  });

  it('is rejected and approved through the usual routes: rejected, /sync keeps the 15; approved, they go', async () => {
    const first = await runSync();
    expect(first.status).toBe('held');
    const rejected = await request(bridge.url).post(`/api/v1/sync/runs/${first.id}/reject`).set(admin).send({ note: 'directory glitch' }).expect(200);
    expect(rejected.body.status).toBe('rejected');
    for (const username of people) expect(listed(await pull()).has(username)).toBe(true);

    const second = await runSync();
    expect(second.holdReasons.map((r: { kind: string }) => r.kind)).toEqual(['emptied-departments']);
    const approved = await request(bridge.url).post(`/api/v1/sync/runs/${second.id}/approve`).set(admin).send({ note: 'the department was closed' }).expect(200);
    expect(approved.body.status).toBe('published');
    const body = await pull();
    for (const username of people) expect(listed(body).has(username)).toBe(false);
  });

  it('does not hold a department that comes back, nor one that shrinks but keeps a member', async () => {
    await faults({});
    const back = await runSync();
    expect(back.status).toBe('published');
    expect(back.diffSummary.users.added).toBe(15);
    expect(back.holdReasons).toBeNull();

    const exported = (await request(emulator.url).get('/_emulator/export').expect(200)).body.result as Exported[];
    const ids = exported.filter((e) => people.includes(e.username)).map((e) => e.id);
    await directory(ids.slice(0, 14), 'lock');
    const shrunk = await runSync();
    expect(shrunk.error).toBeNull();
    expect(shrunk.status).toBe('published');
    expect(shrunk.diffSummary.users.removed).toBe(14);
    expect(shrunk.holdReasons).toBeNull();
    const body = await pull();
    expect(people.filter((u) => listed(body).has(u))).toHaveLength(1);
    await directory(ids.slice(0, 14), 'unlock');
    expect((await runSync()).status).toBe('published');
  });

  it('publishes the emptying run with GUARD_HOLD_EMPTIED_DEPARTMENTS=0', async () => {
    await bridge.close();
    bridge = await startBridgeWith(database, { env: emulator.bridgeEnv({ GUARD_HOLD_EMPTIED_DEPARTMENTS: '0' }) });
    for (const username of people) expect(listed(await pull()).has(username)).toBe(true);
    await faults({ empty_department_size: 15 });
    const run = await runSync();
    expect(run.status).toBe('published');
    expect(run.diffSummary.users.removed).toBe(15);
    expect(run.holdReasons).toBeNull();
    const body = await pull();
    for (const username of people) expect(listed(body).has(username)).toBe(false);
    await faults({});
  });
});
