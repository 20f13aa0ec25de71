import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OmGroup, OmUser } from '../../apps/omflow-emulator/src/index.js';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startLoop, startOmflowEmulator, type RunningOmflowEmulator } from '../support/omflow-emulator.js';
import { startEmulator, type RunningEmulator } from '../emulator/support.js';

type SyncUser = Record<string, string>;
interface SyncGroup {
  display_name: string;
  group_no: string;
  parent_group_no: string;
  user_list: string[];
}
type EmulatorUser = OmUser & { groups: string[] };
type EmulatorGroup = OmGroup & { parent_group_no: string | null; members: string[] };

const USER_FIELDS = ['username', 'email', 'nick_name', 'ad_no', 'company', 'phone1', 'phone2', 'extension_no', 'gender'] as const;

async function served(bridge: RunningBridge): Promise<{ users: SyncUser[]; groups: SyncGroup[] }> {
  const res = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret).send({});
  expect(res.body.status).toBe('success');
  return { users: res.body.user_info_list as SyncUser[], groups: res.body.group_info_list as SyncGroup[] };
}

/** What the emulator holds, in the shape of a /sync answer (live users only), to compare with one. */
async function held(omflow: RunningOmflowEmulator): Promise<{ users: SyncUser[]; groups: SyncGroup[] }> {
  const users = (await omflow.admin<EmulatorUser[]>('GET', '/users')).body;
  const groups = (await omflow.admin<EmulatorGroup[]>('GET', '/groups')).body;
  return {
    users: users.map((u) => Object.fromEntries(USER_FIELDS.map((f) => [f, u[f]]))),
    groups: groups.map((g) => ({ display_name: g.display_name, group_no: g.group_no, parent_group_no: g.parent_group_no ?? '', user_list: g.members })),
  };
}

function sameOrganisation(a: { users: SyncUser[]; groups: SyncGroup[] }, b: { users: SyncUser[]; groups: SyncGroup[] }): void {
  const byName = <T>(list: T[], key: (x: T) => string) => [...list].sort((x, y) => (key(x) < key(y) ? -1 : 1));
  expect(byName(a.users, (u) => u.username)).toEqual(byName(b.users, (u) => u.username));
  const groups = (list: SyncGroup[]) => byName(list, (g) => g.group_no).map((g) => ({ ...g, user_list: [...g.user_list].sort() }));
  expect(groups(a.groups)).toEqual(groups(b.groups));
}

const syncRun = async (bridge: RunningBridge) => {
  const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
  expect(res.body.status, JSON.stringify(res.body)).toBe('published');
};

describe.each(testDatabases())('OMFLOW emulator: pulling the bridge ($kind)', (db) => {
  afterAll(() => db.dropAll());

  describe('on the embedded default (the bundled sample organisation)', () => {
    let bridge: RunningBridge;
    let omflow: RunningOmflowEmulator;
    beforeAll(async () => {
      bridge = await startBridgeWith(await db.create(), { env: db.kind === 'mysql' ? { ALLOW_SAMPLE_ORGANISATION: 'true' } : {} });
      omflow = await startOmflowEmulator(bridge.url);
    });
    afterAll(async () => {
      await omflow?.close();
      await bridge?.close();
    });

    it('records a failed pull while nothing is published, and holds nothing', async () => {
      const pull = await omflow.pull();
      expect(pull).toMatchObject({ outcome: 'failed', http_status: 200, users: { added: 0 } });
      expect(pull.error).toContain('answered "fail"');
      expect((await omflow.admin<EmulatorUser[]>('GET', '/users')).body).toEqual([]);
    });

    it('holds exactly what /sync serves after a pull, and a second pull changes nothing', async () => {
      await syncRun(bridge);
      const pull = await omflow.pull();
      const answer = await served(bridge);
      expect(pull).toMatchObject({ outcome: 'applied', error: null, failures: [] });
      expect(pull.users).toEqual({ added: answer.users.length, modified: 0, deleted: 0, failed: 0, unchanged: 0 });
      expect(pull.groups).toEqual({ added: answer.groups.length, modified: 0, deleted: 0, failed: 0, unchanged: 0 });
      expect(pull.snapshot_id).toBeGreaterThan(0);
      sameOrganisation(await held(omflow), answer);

      const again = await omflow.pull();
      expect(again.outcome).toBe('applied');
      expect(again.users).toEqual({ added: 0, modified: 0, deleted: 0, failed: 0, unchanged: answer.users.length });
      expect(again.groups).toEqual({ added: 0, modified: 0, deleted: 0, failed: 0, unchanged: answer.groups.length });
      const pulls = (await omflow.admin<{ id: number; outcome: string }[]>('GET', '/pulls')).body;
      expect(pulls.map((p) => p.outcome)).toEqual(['applied', 'applied', 'failed']);
      expect((await omflow.admin<{ id: number }>('GET', `/pulls/${pulls[1].id}`)).body.id).toBe(pulls[1].id);
    });
  });

  describe('through a directory (directory emulator → bridge → OMFLOW emulator)', () => {
    let directory: RunningEmulator;
    let bridge: RunningBridge;
    let omflow: RunningOmflowEmulator;
    beforeAll(async () => {
      directory = await startEmulator();
      bridge = await startBridgeWith(await db.create(), {
        env: {
          HR_SOURCE: 'directory',
          DIRECTORY_URL: directory.url,
          DIRECTORY_ORG_CODE: 'omflow-demo',
          DIRECTORY_DOMAIN_ID: 'omflow',
          DIRECTORY_CLIENT_ID: 'hr-bridge',
          DIRECTORY_CLIENT_SECRET: 'hr-bridge-secret',
          DIRECTORY_RETRIES: '2',
          DIRECTORY_TIMEOUT_MS: '5000',
        },
      });
      omflow = await startOmflowEmulator(bridge.url);
      await syncRun(bridge);
      expect((await omflow.pull()).outcome).toBe('applied');
    });
    afterAll(async () => {
      await omflow?.close();
      await bridge?.close();
      await directory?.close();
    });

    it('follows a modification, a hire and a resignation after a run and a pull', async () => {
      type Exported = {
        id: string;
        username: string;
        locked: boolean;
        email: string;
        mobile: string;
        sn: string;
        gender: string;
        positions: { org_id: string }[];
      };
      const exported = (await directory.admin<{ result: Exported[] }>('GET', '/export')).body.result;
      const target = exported.find((e) => !e.locked && e.positions.length === 1 && e.email)!;
      // An update replaces every field: the others are given as they were.
      const { email, mobile, sn, gender } = target;
      const modified = await directory.send('POST', `/employees/${target.id}`, {
        name: 'Renamed Person',
        email,
        mobile,
        sn,
        gender,
        positions: [{ org_id: target.positions[0].org_id }],
      });
      expect(modified.body.status).toBe(0);
      const mutation = (
        await directory.admin<{ hired: { username: string }[]; resigned: { username: string }[] }>('POST', '/mutations', { hire: 1, resign: 1 })
      ).body;
      const hired = mutation.hired[0].username;
      const resigned = mutation.resigned[0].username;
      await syncRun(bridge);

      const pull = await omflow.pull();
      expect(pull.outcome).toBe('applied');
      expect(pull.users).toMatchObject({ added: 1, modified: 1, deleted: 1, failed: 0 });
      expect(pull.changes.users).toEqual({ added: [hired], modified: [target.username], deleted: [resigned] });
      sameOrganisation(await held(omflow), await served(bridge));

      expect((await omflow.admin<EmulatorUser>('GET', `/users/${target.username}`)).body.nick_name).toBe('Renamed Person');
      // OMFLOW's soft delete: the account stays, renamed <username>-<unixtime>, with delete set; the query API shows it.
      const gone = await omflow.rest<{ username: string; delete: boolean }[]>('user/list/', {
        search_conditions: [{ column: 'delete', condition: '=', value: true }],
        search_columns: ['username', 'delete'],
      });
      expect(gone.result).toHaveLength(1);
      expect(gone.result[0].username).toMatch(new RegExp(`^${resigned.replace(/\./g, '\\.')}-\\d+\\.0$`));
    });
  });

  it('runs the three together with startLoop (test/support/omflow-emulator.ts)', async () => {
    const loop = await startLoop(await db.create(), { directory: { employees: 60, departments: 8 } });
    try {
      expect((await loop.sync()).status).toBe('published');
      expect((await loop.omflow.pull()).users.added).toBeGreaterThan(40);
      const hired = await fetch(`${loop.directory.url}/_emulator/mutations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"hire":2}',
      });
      expect(hired.status).toBe(200);
      expect((await loop.sync()).status).toBe('published');
      expect((await loop.omflow.pull()).users).toMatchObject({ added: 2, deleted: 0, failed: 0 });
      sameOrganisation(await held(loop.omflow), await served(loop.bridge));
    } finally {
      await loop.close();
    }
  });
});
