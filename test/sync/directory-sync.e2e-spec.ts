import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '#app/database';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

interface OmflowUser {
  username: string;
  email: string;
  nick_name: string;
}
interface SyncBody {
  status: string;
  user_info_list: OmflowUser[];
  group_info_list: { group_no: string; parent_group_no: string; display_name: string; user_list: string[] }[];
}

/**
 * OMFLOW's side of /sync, as its documentation describes it: users matched on username and
 * departments on group_no; what is new is added, what differs is modified, what is missing is
 * deleted.
 */
class OmflowModel {
  users = new Map<string, OmflowUser>();
  groups = new Map<string, SyncBody['group_info_list'][number]>();
  apply(body: SyncBody): void {
    expect(body.status).toBe('success');
    const users = new Map(body.user_info_list.map((u) => [u.username.toLowerCase(), u]));
    for (const key of [...this.users.keys()]) if (!users.has(key)) this.users.delete(key);
    for (const [key, user] of users) this.users.set(key, user);
    const groups = new Map(body.group_info_list.map((g) => [g.group_no, g]));
    for (const key of [...this.groups.keys()]) if (!groups.has(key)) this.groups.delete(key);
    for (const [key, group] of groups) this.groups.set(key, group);
  }
}

describe.each(testDatabases())('sync from the directory emulator over HTTP ($kind)', (db) => {
  let emulator: RunningEmulator;
  let bridge: RunningBridge;
  const omflow = new OmflowModel();

  const runSync = async () => {
    const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.status).toBe(200);
    return res.body;
  };
  const pull = async (): Promise<SyncBody> => (await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret)).body as SyncBody;
  const faults = (settings: Record<string, number>) => request(emulator.url).put('/_emulator/faults').send(settings).expect(200);
  /** What the directory holds now, as OMFLOW should end up seeing it (active people by username). */
  const directoryUsers = async () => {
    const exported = await request(emulator.url).get('/_emulator/export');
    return new Set((exported.body.result as { username: string; locked: boolean }[]).filter((e) => !e.locked).map((e) => e.username.toLowerCase()));
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 200, departments: 20, seed: 42 });
    bridge = await startBridgeWith(await db.create(), { env: emulator.bridgeEnv() });
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('publishes the whole organisation on the first sync, and OMFLOW ends up with the directory', async () => {
    const run = await runSync();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    const state = (await request(emulator.url).get('/_emulator/state')).body;
    expect(run.counts.read).toBe(state.employees);
    expect(run.counts.excluded).toBe(state.locked);
    const body = await pull();
    omflow.apply(body);
    expect(new Set(omflow.users.keys())).toEqual(await directoryUsers());
    expect(body.group_info_list).toHaveLength(state.nodes);
  });

  it('keeps the token in the database and reuses it (the directory holds one token per app)', async () => {
    const ds = await new DataSource(buildDataSourceOptions(bridge.config.database)).initialize();
    try {
      const rows: { access_token: string | null }[] = await ds.query("SELECT access_token FROM directory_token WHERE name = 'default'");
      expect(rows[0].access_token).toMatch(/.{16,}/);
      expect((await runSync()).status).toBe('unchanged');
      const again: { access_token: string }[] = await ds.query("SELECT access_token FROM directory_token WHERE name = 'default'");
      expect(again[0].access_token).toBe(rows[0].access_token);
    } finally {
      await ds.destroy();
    }
  });

  it('reflects hires, moves and resignations in the next snapshot and its diff', async () => {
    const mutation = (await request(emulator.url).post('/_emulator/mutations').send({ hire: 3, move: 2, resign: 2 }).expect(200)).body;
    expect(mutation).toBeTruthy();
    const run = await runSync();
    expect(run.status).toBe('published');
    expect(run.diffSummary.users.added).toBe(3);
    expect(run.diffSummary.users.removed).toBe(2);
    expect(run.diffSummary.moves).toBe(2);
    omflow.apply(await pull());
    expect(new Set(omflow.users.keys())).toEqual(await directoryUsers());
  });

  it('holds renames for a decision, then publishes the accepted new usernames', async () => {
    await request(emulator.url).post('/_emulator/mutations').send({ rename: 2 }).expect(200);
    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.holdReasons.map((h: { kind: string }) => h.kind)).toEqual(['renames']);
    const approved = await request(bridge.url).post(`/api/v1/sync/runs/${held.id}/approve`).set(admin).send({});
    expect(approved.body.status).toBe('published');
    omflow.apply(await pull());
    expect(new Set(omflow.users.keys())).toEqual(await directoryUsers());
  });

  it('recovers from a few 500s and a dropped connection by retrying', async () => {
    await request(emulator.url).post('/_emulator/mutations').send({ hire: 1 }).expect(200);
    await faults({ error_count: 2 });
    const run = await runSync();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
    await faults({ drop_count: 1 });
    expect((await runSync()).status).toBe('unchanged');
    await faults({});
  });

  it('fetches a new token when the directory expires the old one (10011)', async () => {
    await request(emulator.url).post('/_emulator/token/expire').expect(200);
    await request(emulator.url).post('/_emulator/mutations').send({ hire: 1 }).expect(200);
    const run = await runSync();
    expect(run.error).toBeNull();
    expect(run.status).toBe('published');
  });

  it.each([
    ['persistent 500s', { error_rate: 1 }, /HTTP 500/],
    ['broken JSON', { malformed_rate: 1 }, /not JSON/],
    ['short pages', { short_page_count: 1 }, /Short read/],
    ['latency beyond the timeout', { latency_ms: 1300 }, /no answer within|cannot reach/],
  ])(
    'fails the run on %s, and /sync keeps serving the last good snapshot',
    async (_name, settings, message) => {
      const before = await pull();
      await request(emulator.url).post('/_emulator/mutations').send({ hire: 1 }).expect(200);
      await faults(settings);
      try {
        const run = await runSync();
        expect(run.status).toBe('failed');
        expect(run.error).toMatch(message);
        expect(await pull()).toEqual(before);
      } finally {
        await faults({});
      }
    },
    30_000,
  );
});
