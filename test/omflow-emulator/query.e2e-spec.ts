import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { OMFLOW_API, startOmflowEmulator, type RunningOmflowEmulator } from '../support/omflow-emulator.js';

type Row = Record<string, unknown>;
interface Answer {
  status: number;
  message: string;
  result: unknown;
}

/**
 * The columns both sides fill the same way. `id` and `updatetime` are each system's own numbers
 * and times, `frequency` is OmUser's default (5) on the emulator and a constant 10 on the bridge,
 * the bridge answers an empty text field null where OMFLOW stores the "" /sync sent, and
 * `default_group` is the directory's primary department on the bridge, which /sync does not
 * carry: OMFLOW takes the first department of the answer that lists the person.
 */
const COMPARED = [
  'username',
  'email',
  'nick_name',
  'ad_no',
  'company',
  'phone1',
  'phone2',
  'extension_no',
  'gender',
  'is_active',
  'delete',
  'password',
  'is_superuser',
  'first_name',
  'last_name',
  'birthday',
  'ad_flag',
  'ad_sid',
  'last_login',
];

const normalise = (rows: Row[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r)
        .filter(([k]) => COMPARED.includes(k))
        .map(([k, v]) => [k, v === null && !['password', 'birthday', 'ad_sid', 'last_login'].includes(k) ? '' : v]),
    ),
  );

/** Queries over the sample organisation (300 people, Latin and Chinese names), each with an order that pins the answer. */
const QUERIES: Record<string, unknown>[] = [
  { order_columns: ['username'] },
  { search_conditions: [{ column: 'username', condition: 'contains', value: 'LI' }], order_columns: ['username'], limit: 500 },
  { exclude_conditions: [{ column: 'gender', condition: '=', value: 'female' }], order_columns: ['-username'], start: 5, limit: 40 },
  { search_conditions: [{ column: 'username', condition: 'in', value: ['ethan.wilson', 'PENGBIN', 'nobody'] }], order_columns: ['username'] },
  { search_conditions: [{ column: 'nick_name', condition: 'contains', value: '王' }], order_columns: ['username'] },
  { search_conditions: [{ column: 'email', condition: '>', value: 'm' }], order_columns: ['email'], limit: 30 },
  {
    search_conditions: [
      { column: 'ad_no', condition: '<', value: 'E000020' },
      { column: 'is_active', condition: '=', value: true },
    ],
    order_columns: ['-ad_no'],
  },
  { search_conditions: [{ column: 'ad_no', condition: '=', value: 'e000010' }], order_columns: ['username'] },
  {
    search_conditions: [
      { column: 'delete', condition: '=', value: false },
      { column: 'phone1', condition: '>', value: '' },
    ],
    order_columns: ['username'],
    limit: 1000,
  },
  {
    exclude_conditions: [
      { column: 'username', condition: 'contains', value: '.' },
      { column: 'gender', condition: '=', value: 'male' },
    ],
    order_columns: ['username'],
    limit: 1000,
  },
  { search_conditions: [{ column: 'username', condition: 'in', value: [] }] },
  { order_columns: ['username'], start: 290, limit: 400 },
  { order_columns: ['username'], start: 50, limit: 10 },
  // Ordered by username: by email, "alice.white@" and "alice.white2@" swap between collations (utf8mb4_unicode_ci, the MariaDB suites' databases, puts "@" first).
  { search_columns: ['email', 'username'], order_columns: ['-username'], limit: 20 },
];

/** Bad queries: both answer the same 404 message (the same parser). */
const BAD: Record<string, unknown>[] = [
  { search_conditions: [{ column: 'x; DROP', condition: '=', value: 1 }] },
  { search_conditions: [{ column: 'id', condition: 'like', value: 1 }] },
  { start: -1 },
  { limit: 'ten' },
  { search_columns: ['nope'] },
  { order_columns: [5] },
  { search_conditions: 'all' },
  { search_conditions: [{ column: 'last_login', condition: '<', value: 5 }] },
  { search_conditions: [{ column: 'nick_name', condition: 'contains', value: 'x'.repeat(1001) }] },
];

describe.each(testDatabases())("OMFLOW emulator: its query API answers as the bridge's own ($kind)", (db) => {
  let bridge: RunningBridge;
  let omflow: RunningOmflowEmulator;
  let bridgeCode: string;
  let omflowCode: string;
  const bridgeCall = async (path: string, body: Record<string, unknown>) =>
    (
      await request(bridge.url)
        .post(`/rest/accounts/api/${path}`)
        .send({ security: bridgeCode, omflow_restapi: 1, ...body })
        .expect(200)
    ).body as Answer;
  const omflowCall = async (path: string, body: unknown, raw = false) => {
    const res = await fetch(`${omflow.url}/rest/accounts/api/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw ? (body as string) : JSON.stringify({ security: omflowCode, omflow_restapi: 1, ...(body as object) }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create(), { env: db.kind === 'mysql' ? { ALLOW_SAMPLE_ORGANISATION: 'true' } : {} });
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    const client = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ id: 'tools', name: 'tools', scopes: ['users:query'] })
      .expect(201);
    bridgeCode = (await request(bridge.url).get('/accounts/api/security/get/').auth('tools', String(client.body.secret))).body.result.security as string;
    omflow = await startOmflowEmulator(bridge.url);
    expect((await omflow.pull()).outcome).toBe('applied');
    omflowCode = await omflow.securityCode();
  });
  afterAll(async () => {
    await omflow?.close();
    await bridge?.close();
    await db.dropAll();
  });

  it.each(QUERIES.map((q, i) => [i, q]))('user/list query %i gives the same rows in the same order', async (_i, query) => {
    const ours = await omflowCall('user/list/', query);
    const theirs = await bridgeCall('user/list/', query);
    expect(ours.status, ours.message).toBe(200);
    expect(theirs.status, theirs.message).toBe(200);
    expect(ours.message).toBe(theirs.message);
    expect(normalise(ours.result as Row[])).toEqual(normalise(theirs.result as Row[]));
  });

  it('matches an empty field with "" where the bridge has null: OMFLOW stores the "" /sync sends', async () => {
    const empty = { search_conditions: [{ column: 'phone1', condition: '=', value: '' }], search_columns: ['username'], limit: 1000 };
    const isNull = { search_conditions: [{ column: 'phone1', condition: '=', value: null }], search_columns: ['username'], limit: 1000 };
    const count = async (call: typeof omflowCall | typeof bridgeCall, body: Record<string, unknown>) =>
      ((await call('user/list/', body)).result as Row[]).length;
    const emptyPhones = await count(omflowCall, empty);
    expect(emptyPhones).toBeGreaterThan(0);
    expect(await count(bridgeCall, isNull)).toBe(emptyPhones);
    expect(await count(omflowCall, isNull)).toBe(0);
  });

  it('answers every seed field by default, the asked ones otherwise', async () => {
    const all = (await omflowCall('user/list/', { limit: 1 })).result as Row[];
    const bridgeAll = (await bridgeCall('user/list/', { limit: 1 })).result as Row[];
    expect(Object.keys(all[0])).toEqual(Object.keys(bridgeAll[0]));
    expect(Object.keys(((await omflowCall('user/list/', { search_columns: ['email', 'id'], limit: 1 })).result as Row[])[0])).toEqual(['email', 'id']);
  });

  it('lists departments and their members as the bridge does', async () => {
    const byCode = (rows: Row[]) => {
      const code = new Map(rows.map((r) => [r.id, r.group_no]));
      return rows
        .map((r) => ({
          group_no: r.group_no,
          display_name: r.display_name,
          parent: r.parent_group_id === null ? null : code.get(r.parent_group_id),
          description: r.description,
        }))
        .sort((a, b) => String(a.group_no).localeCompare(String(b.group_no)));
    };
    const ours = (await omflowCall('group/list/', { limit: 1000 })).result as Row[];
    const theirs = (await bridgeCall('group/list/', { limit: 1000 })).result as Row[];
    expect(ours.length).toBeGreaterThan(10);
    expect(byCode(ours)).toEqual(byCode(theirs));
    const named = (
      await omflowCall('group/list/', { search_conditions: [{ column: 'display_name', condition: 'contains', value: 'market' }], order_columns: ['group_no'] })
    ).result as Row[];
    expect(named.map((g) => g.group_no)).toEqual(
      (
        (
          await bridgeCall('group/list/', {
            search_conditions: [{ column: 'display_name', condition: 'contains', value: 'market' }],
            order_columns: ['group_no'],
          })
        ).result as Row[]
      ).map((g) => g.group_no),
    );

    const codes = ours.slice(0, 5).map((g) => String(g.group_no));
    const members = (answer: Answer) =>
      Object.fromEntries(
        Object.entries(answer.result as Record<string, Row[]>).map(([code, list]) => [
          code,
          list.map((m) => [m.user__username, m.user__nick_name, m.user__ad_no]).sort(),
        ]),
      );
    const ourMembers = await omflowCall('user/list-by-group/', { org_no: [...codes, 'no-such-code'] });
    expect(ourMembers.message).toBe('Read successfully.');
    expect(members(ourMembers)).toEqual(members(await bridgeCall('user/list-by-group/', { org_no: [...codes, 'no-such-code'] })));
    const names = ours.slice(0, 3).map((g) => String(g.display_name));
    expect(members(await omflowCall('user/list-by-group/', { org_name: names }))).toEqual(
      members(await bridgeCall('user/list-by-group/', { org_name: names })),
    );
  });

  it.each(BAD.map((q, i) => [i, q]))("refuses bad query %i with the bridge's own 404 message", async (_i, query) => {
    const ours = await omflowCall('user/list/', query);
    const theirs = await bridgeCall('user/list/', query);
    expect(ours.status).toBe(404);
    expect({ status: ours.status, message: ours.message }).toEqual({ status: theirs.status, message: theirs.message });
  });

  it('answers bad list-by-group requests and a malformed body in the envelope', async () => {
    expect(await omflowCall('user/list-by-group/', { org_no: ['a'], org_name: ['b'] })).toMatchObject({
      status: 404,
      message: expect.stringContaining('not both') as string,
    });
    expect(await omflowCall('user/list-by-group/', {})).toMatchObject({ status: 404, message: expect.stringContaining('is required') as string });
    expect(await omflowCall('user/list-by-group/', { org_no: [1] })).toMatchObject({ status: 404 });
    expect(await omflowCall('user/list/', '{"security": ', true)).toMatchObject({ status: 404, result: null });
  });

  it('guards every call with omflow_restapi and a live security code, as OMFLOW does', async () => {
    const post = async (body: unknown) => omflowCall('user/list/', JSON.stringify(body), true);
    for (const flag of [undefined, 0, '', [], {}, false]) {
      expect(await post({ security: omflowCode, omflow_restapi: flag })).toMatchObject({ status: 403, message: 'Missing parameter: omflow_restapi' });
    }
    // Python's truth: any non-empty value opens the gate, "0" included.
    for (const flag of ['0', 'yes', 2, [0]]) expect((await post({ security: omflowCode, omflow_restapi: flag })).status).toBe(200);
    expect(await post({ omflow_restapi: 1 })).toMatchObject({ status: 403, message: expect.stringContaining('Security code error') as string });
    expect(await post({ omflow_restapi: 1, security: 'not-a-code' })).toMatchObject({ status: 403 });
    expect((await omflowCall('group/list/', JSON.stringify({ omflow_restapi: 1 }), true)).status).toBe(403);
    const unknown = await fetch(`${omflow.url}/rest/accounts/api/user/remove/`, { method: 'POST' });
    expect(await unknown.json()).toMatchObject({ status: 403, message: expect.stringContaining('URL error') as string });
  });

  it('gives the same security code while it lives, and refuses wrong credentials', async () => {
    expect(await omflow.securityCode()).toBe(omflowCode);
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    for (const authorization of [basic(OMFLOW_API.user, 'wrong'), basic('someone', OMFLOW_API.password), 'Bearer x']) {
      const res = await fetch(`${omflow.url}/accounts/api/security/get/`, { method: 'POST', headers: { authorization } });
      expect(await res.json()).toEqual({ status: 403, message: 'User does not exist or is not enabled.', result: null });
    }
  });
});

describe('OMFLOW emulator: security codes expire', () => {
  it('after the TTL without use, each use renewing it', async () => {
    let now = Date.parse('2026-11-30T08:00:00Z');
    const omflow = await startOmflowEmulator('http://127.0.0.1:9', { clock: () => now, securityTtlSeconds: 300 });
    try {
      const code = await omflow.securityCode();
      const list = async () =>
        (await (
          await fetch(`${omflow.url}/rest/accounts/api/group/list/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ security: code, omflow_restapi: 1 }),
          })
        ).json()) as Answer;
      now += 299_000;
      expect((await list()).status).toBe(200);
      now += 299_000;
      expect((await list()).status).toBe(200);
      now += 301_000;
      expect(await list()).toMatchObject({ status: 403, message: expect.stringContaining('expired') as string });
      expect(await omflow.securityCode()).not.toBe(code);
    } finally {
      await omflow.close();
    }
  });
});
