import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OmUser, PullRecord } from '../../apps/omflow-emulator/src/index.js';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startOmflowEmulator, type RunningOmflowEmulator } from '../support/omflow-emulator.js';

type Row = Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testDatabases())('OMFLOW emulator: simulated OMFLOW problems ($kind)', (db) => {
  let bridge: RunningBridge;
  let omflow: RunningOmflowEmulator;
  const user = async (name: string) => (await omflow.admin<OmUser>('GET', `/users/${name}`)).body;
  const queried = async (username: string) =>
    (await omflow.rest<Row[]>('user/list/', { search_conditions: [{ column: 'username', condition: '=', value: username }] })).result[0];

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create(), { env: db.kind === 'mysql' ? { ALLOW_SAMPLE_ORGANISATION: 'true' } : {} });
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    omflow = await startOmflowEmulator(bridge.url, { docs: true });
    expect((await omflow.pull()).outcome).toBe('applied');
  });
  afterAll(async () => {
    await omflow?.close();
    await bridge?.close();
    await db.dropAll();
  });

  it('edits a user by hand (any field): the query API shows it until the next pull puts it back', async () => {
    const before = await user('ethan.wilson');
    const edited = await omflow.admin<OmUser>('PATCH', '/users/ethan.wilson', {
      nick_name: 'Hand Edited',
      phone1: '123',
      email: 'hand@example.com',
      gender: 'female',
    });
    expect(edited.status).toBe(200);
    expect(await queried('ethan.wilson')).toMatchObject({ nick_name: 'Hand Edited', phone1: '123', email: 'hand@example.com' });
    const pull = await omflow.pull();
    expect(pull.changes.users.modified).toEqual(['ethan.wilson']);
    expect(await user('ethan.wilson')).toMatchObject({ nick_name: before.nick_name, email: before.email, phone1: before.phone1 });
  });

  it('holds a user created or deleted by hand until the next pull, which deletes or recreates it', async () => {
    expect((await omflow.admin('POST', '/users', { username: 'local.admin', email: 'local.admin@example.com', nick_name: 'Local' })).status).toBe(201);
    expect(await queried('local.admin')).toMatchObject({ nick_name: 'Local', delete: false });
    const removed = await omflow.admin<OmUser>('DELETE', '/users/pengbin');
    expect(removed.body).toMatchObject({ delete: true, username: expect.stringMatching(/^pengbin-\d+\.0$/) as string });
    const pull = await omflow.pull();
    expect(pull.changes.users.deleted).toEqual(['local.admin']);
    // The deleted account keeps its email (OMFLOW's unique key): the person's account cannot come back.
    expect(pull.failures).toEqual([{ type: 'user', key: 'pengbin', reason: expect.stringContaining('is already used by the deleted user') as string }]);
  });

  it('fails a whole pull on demand: nothing applied, the next pull applies', async () => {
    await omflow.admin('PATCH', '/users/ethan.wilson', { nick_name: 'Drifted' });
    expect((await omflow.admin('PUT', '/faults', { whole: true })).body).toEqual({ whole: true, users: [], groups: [] });
    const failed = await omflow.pull();
    expect(failed).toMatchObject({ outcome: 'failed', http_status: 200, users: { modified: 0, failed: 0 } });
    expect(failed.error).toContain('simulated failure');
    expect((await user('ethan.wilson')).nick_name).toBe('Drifted');
    expect((await omflow.admin('GET', '/faults')).body).toEqual({ whole: false, users: [], groups: [] });
    expect((await omflow.pull()).changes.users.modified).toEqual(['ethan.wilson']);
  });

  it('fails the named records of the next pull only', async () => {
    const groups = (await omflow.admin<{ group_no: string; display_name: string }[]>('GET', '/groups')).body;
    await omflow.admin('PATCH', '/users/ethan.wilson', { nick_name: 'Drifted' });
    await omflow.admin('PATCH', '/users/dingyong', { nick_name: 'Drifted too' });
    await omflow.admin('PUT', '/faults', { users: ['ETHAN.WILSON'], groups: [groups[1].group_no] });
    const pull = await omflow.pull();
    expect(pull.outcome).toBe('partial');
    expect(pull.failures).toEqual(
      expect.arrayContaining([
        { type: 'user', key: 'ethan.wilson', reason: 'simulated failure' },
        { type: 'group', key: groups[1].group_no, reason: 'simulated failure' },
      ]),
    );
    // pengbin's email is still held by the account deleted by hand above.
    expect(pull.failures).toHaveLength(3);
    expect(pull.changes.users.modified).toEqual(['dingyong']);
    expect((await user('ethan.wilson')).nick_name).toBe('Drifted');
    const next = await omflow.pull();
    expect(next.failures.map((f) => f.key)).toEqual(['pengbin']);
    expect((await user('ethan.wilson')).nick_name).not.toBe('Drifted');
  });

  it('shows its state', async () => {
    const state = (await omflow.admin<Row>('GET', '/state')).body;
    expect(state).toMatchObject({ hr_url: bridge.url, paused: false, pulling: false, delete_mode: 'soft', deleted_users: 2, groups: 41 });
    expect((state.last_pull as PullRecord).outcome).toBe('partial');
  });

  it('refuses bad admin input', async () => {
    const cases: [string, string, unknown, number][] = [
      ['PATCH', '/users/ethan.wilson', { nickname: 'x' }, 400],
      ['PATCH', '/users/ethan.wilson', { nick_name: 5 }, 400],
      ['PATCH', '/users/ethan.wilson', { nick_name: 'x'.repeat(51) }, 400],
      ['PATCH', '/users/ethan.wilson', { company: '公'.repeat(21) }, 400],
      ['PATCH', '/users/ethan.wilson', { email: 'DINGYONG@example.com' }, 409],
      ['PATCH', '/users/ethan.wilson', { username: 'Dingyong' }, 409],
      ['PATCH', '/users/nobody', { nick_name: 'x' }, 404],
      ['GET', '/users/nobody', undefined, 404],
      ['GET', '/users?state=gone', undefined, 400],
      ['POST', '/users', { username: 'x' }, 400],
      ['POST', '/users', { username: 'x', email: 'not-an-email' }, 400],
      ['DELETE', '/users/pengbin-0', undefined, 404],
      ['GET', '/pulls/abc', undefined, 400],
      ['GET', '/pulls/99999', undefined, 404],
      ['GET', '/pulls?limit=0', undefined, 400],
      ['PUT', '/faults', { whole: 'yes' }, 400],
      ['PUT', '/faults', { users: 'ethan.wilson' }, 400],
      ['PUT', '/faults', { other: true }, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await omflow.admin<{ message: unknown }>(method as 'GET', path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.message).toBeDefined();
    }
    expect((await omflow.admin<{ message: string }>('PATCH', '/users/ethan.wilson', { nick_name: 'x'.repeat(51) })).body.message).toContain(
      "OMFLOW's column holds 50",
    );
  });

  it('serves its Swagger UI and OpenAPI document', async () => {
    const doc = (await (await fetch(`${omflow.url}/docs-json`)).json()) as { info: { title: string }; paths: Record<string, unknown> };
    expect(doc.info.title).toBe('OMFLOW emulator');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/accounts/api/login', '/rest/accounts/api/user/list', '/_omflow/pulls', '/_omflow/faults']),
    );
    expect((await fetch(`${omflow.url}/docs/`)).headers.get('content-type')).toContain('text/html');
  });
});

describe('OMFLOW emulator: the pull schedule and the admin token', () => {
  let bridge: RunningBridge;
  let db: ReturnType<typeof testDatabases>[number];
  beforeAll(async () => {
    db = testDatabases()[0];
    bridge = await startBridgeWith(await db.create());
    await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200);
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('pulls at start and on schedule, not while paused, again once resumed', async () => {
    const omflow = await startOmflowEmulator(bridge.url, { pullSeconds: 1, pullOnStart: true });
    const pulls = async () => (await omflow.admin<PullRecord[]>('GET', '/pulls?limit=1000')).body;
    try {
      await sleep(1600);
      const started = await pulls();
      expect(started.length).toBeGreaterThanOrEqual(2);
      expect(started.at(-1)?.trigger).toBe('start');
      expect(started[0].trigger).toBe('schedule');
      expect((await omflow.admin('POST', '/pulls/pause')).body).toEqual({ paused: true });
      const paused = (await pulls()).length;
      await sleep(2300);
      expect((await pulls()).length).toBe(paused);
      expect((await omflow.admin<Row>('GET', '/state')).body.paused).toBe(true);
      // An explicit pull still runs while the schedule is paused.
      expect((await omflow.pull()).trigger).toBe('manual');
      expect((await omflow.admin('POST', '/pulls/resume')).body).toEqual({ paused: false });
      await sleep(1600);
      expect((await pulls()).length).toBeGreaterThan(paused + 1);
    } finally {
      await omflow.close();
    }
  });

  it('keeps its users, departments and pulls in a database file across restarts', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'omflow-emulator-')), 'omflow.sqlite');
    let omflow = await startOmflowEmulator(bridge.url, { db: file });
    try {
      expect((await omflow.pull()).outcome).toBe('applied');
      await omflow.admin('PATCH', '/users/ethan.wilson', { nick_name: 'Kept' });
      await omflow.admin('DELETE', '/users/pengbin');
      const users = (await omflow.admin<OmUser[]>('GET', '/users?state=all')).body;
      await omflow.close();
      omflow = await startOmflowEmulator(bridge.url, { db: file });
      expect((await omflow.admin<OmUser[]>('GET', '/users?state=all')).body).toEqual(users);
      expect((await omflow.admin<OmUser>('GET', '/users/ethan.wilson')).body.nick_name).toBe('Kept');
      expect((await omflow.admin<PullRecord[]>('GET', '/pulls')).body).toHaveLength(1);
      expect((await omflow.admin<{ groups: number }>('GET', '/state')).body.groups).toBe(41);
      // New accounts continue the numbering.
      const created = await omflow.admin<OmUser>('POST', '/users', { username: 'new.one', email: 'new.one@example.com' });
      expect(created.body.id).toBe(Math.max(...users.map((u) => u.id)) + 1);
    } finally {
      await omflow.close();
    }
  });

  it('asks for the admin token when one is set, on every admin call and only there', async () => {
    const token = 'emulator-admin-token-0123456789';
    const omflow = await startOmflowEmulator(bridge.url, { adminToken: token });
    try {
      for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${Buffer.from(`admin:${token}`).toString('base64')}`]) {
        const res = await fetch(`${omflow.url}/_omflow/state`, { headers: authorization ? { authorization } : {} });
        expect(res.status).toBe(401);
      }
      expect((await fetch(`${omflow.url}/_omflow/pulls`, { method: 'POST' })).status).toBe(401);
      expect((await omflow.admin('GET', '/state')).status).toBe(200);
      expect((await omflow.pull()).outcome).toBe('applied');
      expect((await omflow.rest<Row[]>('group/list/')).status).toBe(200);
    } finally {
      await omflow.close();
    }
  });
});
