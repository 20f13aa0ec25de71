import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '#app/common';
import { UserQueryService } from '#app/omflow';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation, type TestPerson } from '../support/organisation.js';

const SEED_FIELDS = [
  'id',
  'password',
  'last_login',
  'is_superuser',
  'username',
  'first_name',
  'last_name',
  'is_active',
  'email',
  'nick_name',
  'birthday',
  'gender',
  'phone1',
  'phone2',
  'extension_no',
  'company',
  'ad_flag',
  'ad_sid',
  'frequency',
  'updatetime',
  'delete',
  'default_group',
  'ad_no',
];

type Row = Record<string, unknown>;

/** 200 people; every tenth has a mixed-case display name "Wei Nn", even ones are female. */
function organisation(count = 200): TestPerson[] {
  return people(count).map((p, i) => ({ ...p, name: i % 10 === 0 ? `Wei ${p.username.toUpperCase()}` : `Person ${i + 1}`, gender: i % 2 ? 'MALE' : 'FEMALE' }));
}

describe.each(testDatabases())('OMFLOW query API ($kind)', (db) => {
  let bridge: RunningBridge;
  let file: string;
  let client: { id: string; secret: string };
  let code: string;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  const sync = async () => {
    const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('published');
    return res.body as { snapshotId: number };
  };
  const createClient = async (id: string, scopes: string[]) => {
    const res = await request(bridge.url).post('/api/v1/clients').set(admin).send({ id, name: id, scopes });
    expect(res.status).toBe(201);
    return { id, secret: String(res.body.secret) };
  };
  const securityCode = async (c = client, method: 'get' | 'post' = 'get') => {
    const res = await request(bridge.url)[method]('/accounts/api/security/get/').auth(c.id, c.secret);
    expect(res.status).toBe(200);
    return res.body as { status: number; message: string; result: { security: string } | null };
  };
  const post = async (path: string, body: Row, withGate = true) => {
    const res = await request(bridge.url)
      .post(path)
      .send(withGate ? { security: code, omflow_restapi: 1, ...body } : body);
    expect(res.status).toBe(200);
    return res.body as { status: number; message: string; result: unknown };
  };
  const users = async (body: Row) => {
    const answer = await post('/rest/accounts/api/user/list/', body);
    expect(answer, JSON.stringify(answer)).toMatchObject({ status: 200, message: 'Query successful.' });
    return answer.result as Row[];
  };
  const failure = async (path: string, body: Row) => {
    const answer = await post(path, body);
    expect(answer.status).toBe(404);
    expect(answer.result).toBeNull();
    expect(answer.message).toMatch(/^Query failed: /);
    return answer.message;
  };
  const listFailure = (body: Row) => failure('/rest/accounts/api/user/list/', body);
  const ids = (rows: Row[]) => rows.map((r) => r.id as number);

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-query-')), 'org.json');
    writeOrganisation(file, organisation());
    bridge = await startBridge(
      testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_SOURCE: 'file', HR_FILE: file, QUERY_MAX_ROWS: '500' }),
    );
    await sync();
    client = await createClient('query-tool', ['users:query']);
    code = (await securityCode()).result!.security;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge?.close();
    await db.dropAll();
  });

  describe('security codes', () => {
    it('issues a uuid in the OMFLOW shape, the same one while it lives, over GET and POST', async () => {
      const first = await securityCode();
      expect(first).toEqual({
        status: 200,
        message: 'Successful.',
        result: { security: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) },
      });
      expect(first.result!.security).toBe(code);
      expect((await securityCode(client, 'post')).result!.security).toBe(code);
    });

    it('answers 403 in the envelope for missing or wrong credentials and for a client without users:query', async () => {
      const none = await request(bridge.url).get('/accounts/api/security/get/');
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ status: 403, result: null, message: expect.stringContaining('User does not exist or is not enabled.') });
      expect(await securityCode({ id: client.id, secret: 'wrong-secret-0000000000' })).toEqual({
        status: 403,
        message: 'User does not exist or is not enabled.',
        result: null,
      });
      const syncOnly = await createClient('sync-only', ['sync:admin']);
      expect(await securityCode(syncOnly)).toMatchObject({ status: 403, message: expect.stringContaining('users:query') });
    });

    it('stops a revoked client and the codes it holds', async () => {
      const doomed = await createClient('doomed-tool', ['users:query']);
      const doomedCode = (await securityCode(doomed)).result!.security;
      expect(doomedCode).not.toBe(code);
      expect((await post('/rest/accounts/api/user/list/', { security: doomedCode, limit: 1 })).status).toBe(200);
      expect((await request(bridge.url).post(`/api/v1/clients/${doomed.id}/revoke`).set(admin)).status).toBe(200);
      expect(await securityCode(doomed)).toMatchObject({ status: 403, message: 'User does not exist or is not enabled.' });
      expect((await post('/rest/accounts/api/user/list/', { security: doomedCode, limit: 1 })).status).toBe(403);
    });

    it('expires after 5 minutes without use; each use renews it (controllable clock)', async () => {
      const clock = bridge.app.get(Clock);
      const tool = await createClient('clocked-tool', ['users:query']);
      let now = Date.now();
      const spy = vi.spyOn(clock, 'now').mockImplementation(() => now);
      try {
        const c1 = (await securityCode(tool)).result!.security;
        now += 4 * 60_000;
        expect((await post('/rest/accounts/api/user/list/', { security: c1, limit: 1 })).status).toBe(200); // renews
        now += 4 * 60_000; // 8 minutes after issue, 4 after last use
        expect((await post('/rest/accounts/api/user/list/', { security: c1, limit: 1 })).status).toBe(200);
        expect((await securityCode(tool)).result!.security).toBe(c1); // asking again renews and returns the same code
        now += 5 * 60_000 + 1;
        const expired = await post('/rest/accounts/api/user/list/', { security: c1, limit: 1 });
        expect(expired).toMatchObject({ status: 403, result: null, message: expect.stringMatching(/expired/) });
        const c2 = (await securityCode(tool)).result!.security;
        expect(c2).not.toBe(c1);
        expect((await post('/rest/accounts/api/user/list/', { security: c2, limit: 1 })).status).toBe(200);
      } finally {
        spy.mockRestore();
      }
    });

    it('survives a restart (codes live in the database)', async () => {
      const config = bridge.config;
      await bridge.close();
      bridge = await startBridge(config);
      expect((await post('/rest/accounts/api/user/list/', { limit: 1 })).status).toBe(200);
    });
  });

  describe('the gate', () => {
    it('answers 403 with HTTP 200 without omflow_restapi, or with a missing or unknown code', async () => {
      expect(await post('/rest/accounts/api/user/list/', { security: code }, false)).toMatchObject({
        status: 403,
        result: null,
        message: expect.stringMatching(/omflow_restapi/),
      });
      expect(await post('/rest/accounts/api/user/list/', { security: code, omflow_restapi: 0 }, false)).toMatchObject({ status: 403 });
      expect(await post('/rest/accounts/api/user/list/', { omflow_restapi: 1 }, false)).toMatchObject({
        status: 403,
        message: expect.stringMatching(/missing/),
      });
      expect(await post('/rest/accounts/api/user/list/', { omflow_restapi: 1, security: '00000000-0000-4000-8000-000000000000' }, false)).toMatchObject({
        status: 403,
      });
      expect(await post('/rest/accounts/api/group/list/', { omflow_restapi: 1 }, false)).toMatchObject({ status: 403 });
      expect(await post('/rest/accounts/api/user/list-by-group/', { omflow_restapi: 1, security: 5 }, false)).toMatchObject({ status: 403 });
    });

    it('answers a body that is not JSON object with the envelope', async () => {
      const res = await request(bridge.url).post('/rest/accounts/api/user/list/').set('Content-Type', 'application/json').send('[1,2]');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 403 });
    });
  });

  describe('user list', () => {
    it('returns every field of the seed, 100 rows by id by default', async () => {
      const rows = await users({});
      expect(rows).toHaveLength(100);
      expect(Object.keys(rows[0])).toEqual(SEED_FIELDS);
      expect(ids(rows)).toEqual([...ids(rows)].sort((a, b) => a - b));
      expect(rows[0]).toMatchObject({
        password: null,
        last_login: null,
        is_superuser: false,
        username: 'user1',
        first_name: '',
        last_name: '',
        is_active: true,
        email: 'user1@acme.test',
        nick_name: 'Wei USER1',
        birthday: null,
        gender: 'female',
        phone2: '13800000000',
        ad_flag: false,
        ad_sid: null,
        frequency: 10,
        updatetime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        delete: false,
        default_group: 'rd',
        ad_no: 'SN-p1',
      });
    });

    it('returns only search_columns, in the order asked, ignoring unknown top-level fields', async () => {
      const rows = await users({ search_columns: ['username', 'id'], limit: 2, app_name: 'ignored' });
      expect(rows).toEqual([
        { username: 'user1', id: rows[0].id },
        { username: 'user2', id: rows[1].id },
      ]);
    });

    it('slices like Django: the seed examples, start >= limit, and negatives', async () => {
      expect(await users({ start: 0, limit: 100 })).toHaveLength(100);
      const from1 = await users({ start: 1, limit: 100 });
      expect(from1).toHaveLength(99);
      expect(from1[0].username).toBe('user2');
      expect(await users({ start: 100, limit: 100 })).toEqual([]);
      expect(await users({ start: 150, limit: 100 })).toEqual([]);
      expect(await users({ start: 190, limit: 300 })).toHaveLength(10);
      expect(await users({ limit: '5' })).toHaveLength(5);
      expect(await listFailure({ start: -1 })).toMatch(/start.*negative/);
      expect(await listFailure({ limit: -5 })).toMatch(/limit.*negative/);
      expect(await listFailure({ limit: 1.5 })).toMatch(/limit.*integer/);
    });

    it('refuses a slice larger than QUERY_MAX_ROWS with a clear message, and streams up to it', async () => {
      expect(await listFailure({ limit: 501 })).toMatch(/at most 500 rows per request/);
      expect(await users({ limit: 500 })).toHaveLength(200);
    });

    describe('operators', () => {
      it('= compares text case-insensitively, numbers as numbers, booleans as booleans, null as empty', async () => {
        expect((await users({ search_conditions: [{ column: 'username', condition: '=', value: 'USER5' }] })).map((r) => r.username)).toEqual(['user5']);
        const byId = await users({ search_conditions: [{ column: 'id', condition: '=', value: 7 }] });
        expect(ids(byId)).toEqual([7]);
        expect(await users({ search_conditions: [{ column: 'delete', condition: '=', value: true }] })).toEqual([]);
        expect(await users({ search_conditions: [{ column: 'is_active', condition: '=', value: true }], limit: 500 })).toHaveLength(200);
        expect(await users({ search_conditions: [{ column: 'last_login', condition: '=', value: null }], limit: 500 })).toHaveLength(200);
        expect(await users({ search_conditions: [{ column: 'email', condition: '=', value: null }] })).toEqual([]);
      });

      it('> and < on numbers, dates and text', async () => {
        expect(ids(await users({ search_conditions: [{ column: 'id', condition: '>', value: 195 }] }))).toEqual([196, 197, 198, 199, 200]);
        expect(ids(await users({ search_conditions: [{ column: 'id', condition: '<', value: 4 }] }))).toEqual([1, 2, 3]);
        // Numbers as numbers: 10 > 9 (text would say otherwise).
        expect(
          ids(
            await users({
              search_conditions: [
                { column: 'id', condition: '>', value: 9 },
                { column: 'id', condition: '<', value: 11 },
              ],
            }),
          ),
        ).toEqual([10]);
        expect(await users({ search_conditions: [{ column: 'updatetime', condition: '>', value: '2000-01-01' }], limit: 500 })).toHaveLength(200);
        expect(await users({ search_conditions: [{ column: 'updatetime', condition: '<', value: '2000-01-01T00:00:00Z' }] })).toEqual([]);
        expect(await users({ search_conditions: [{ column: 'updatetime', condition: '>', value: '2999-12-31T23:59:59.999+08:00' }] })).toEqual([]);
        const text = await users({ search_conditions: [{ column: 'username', condition: '>', value: 'USER98' }], search_columns: ['username'] });
        expect(text.map((r) => r.username).sort()).toEqual(['user99']);
      });

      it('in, with an empty list matching nothing', async () => {
        const rows = await users({ search_conditions: [{ column: 'username', condition: 'in', value: ['user3', 'USER1', 'nobody'] }] });
        expect(rows.map((r) => r.username)).toEqual(['user1', 'user3']);
        expect(ids(await users({ search_conditions: [{ column: 'id', condition: 'in', value: [5, 3, 1000] }] }))).toEqual([3, 5]);
        expect(await users({ search_conditions: [{ column: 'id', condition: 'in', value: [] }] })).toEqual([]);
        expect(await users({ exclude_conditions: [{ column: 'id', condition: 'in', value: [] }], limit: 500 })).toHaveLength(200);
      });

      it('contains, case-insensitively, with LIKE wildcards taken literally', async () => {
        const rows = await users({
          search_conditions: [{ column: 'nick_name', condition: 'contains', value: 'wEi user1' }],
          search_columns: ['nick_name'],
          limit: 500,
        });
        expect(rows.map((r) => r.nick_name)).toEqual(
          [
            'Wei USER1',
            'Wei USER101',
            'Wei USER11',
            'Wei USER111',
            'Wei USER121',
            'Wei USER131',
            'Wei USER141',
            'Wei USER151',
            'Wei USER161',
            'Wei USER171',
            'Wei USER181',
            'Wei USER191',
          ].sort((a, b) => rows.findIndex((r) => r.nick_name === a) - rows.findIndex((r) => r.nick_name === b)),
        );
        expect(rows).toHaveLength(12);
        expect(await users({ search_conditions: [{ column: 'nick_name', condition: 'contains', value: '%' }] })).toEqual([]);
        expect(await users({ search_conditions: [{ column: 'username', condition: 'contains', value: 'user_' }] })).toEqual([]);
        expect(await users({ search_conditions: [{ column: 'email', condition: 'contains', value: '@ACME.TEST' }], limit: 500 })).toHaveLength(200);
      });

      it('combines conditions with AND', async () => {
        const rows = await users({
          search_conditions: [
            { column: 'nick_name', condition: 'contains', value: 'wei' },
            { column: 'default_group', condition: '=', value: 'RD' },
            { column: 'id', condition: '>', value: 50 },
            { column: 'gender', condition: 'in', value: ['female'] },
          ],
          limit: 500,
        });
        // Wei: ids 1, 11, 21, …; rd: id % 3 == 1; > 50: 61, 91, 121, 151, 181.
        expect(ids(rows)).toEqual([61, 91, 121, 151, 181]);
      });
    });

    it('exclude removes rows matching ALL exclude conditions', async () => {
      const all = await users({ limit: 500, search_columns: ['id', 'default_group', 'gender'] });
      const rows = await users({
        limit: 500,
        search_columns: ['id'],
        exclude_conditions: [
          { column: 'default_group', condition: '=', value: 'rd' },
          { column: 'gender', condition: '=', value: 'female' },
        ],
      });
      const expected = all.filter((r) => !(r.default_group === 'rd' && r.gender === 'female')).map((r) => r.id);
      expect(ids(rows)).toEqual(expected);
      expect(rows.length).toBeGreaterThan(150);
      expect(rows.length).toBeLessThan(200);
      // Search and exclude together.
      const both = await users({
        search_conditions: [{ column: 'id', condition: '<', value: 7 }],
        exclude_conditions: [{ column: 'id', condition: 'in', value: [2, 4] }],
      });
      expect(ids(both)).toEqual([1, 3, 5, 6]);
    });

    it('orders ascending, descending and on several columns', async () => {
      expect(ids(await users({ order_columns: ['-id'], limit: 3 }))).toEqual([200, 199, 198]);
      const byName = await users({ order_columns: ['username'], search_columns: ['username'], limit: 3 });
      expect(byName.map((r) => r.username)).toEqual(['user1', 'user10', 'user100']);
      const multi = await users({ order_columns: ['default_group', '-id'], search_columns: ['id', 'default_group'], limit: 500 });
      const sorted = [...multi].sort((a, b) => String(a.default_group).localeCompare(String(b.default_group)) || (b.id as number) - (a.id as number));
      expect(multi).toEqual(sorted);
      expect(multi[0]).toEqual({ id: 199, default_group: 'rd' });
    });

    it('takes the values Django takes: numeric strings and floats for numbers, numbers for text, its true/false spellings, a null inside in', async () => {
      const idsOf = async (column: string, condition: string, value: unknown, exclude = false) =>
        ids(await users({ [exclude ? 'exclude_conditions' : 'search_conditions']: [{ column, condition, value }], search_columns: ['id'], limit: 5 }));
      const [first, second, third] = await idsOf('id', '>', 0);
      expect(await idsOf('id', '=', String(second))).toEqual([second]);
      expect(await idsOf('id', '=', ` ${second} `)).toEqual([second]);
      expect(await idsOf('id', 'in', [String(first), `${third}`, null])).toEqual([first, third]);
      expect(await idsOf('id', 'in', [null])).toEqual([]);
      expect(await idsOf('id', 'in', [first, null], true)).toEqual([second, third, ...(await idsOf('id', '>', third)).slice(0, 3)]);
      // int() truncates; `<` rounds up (Django's IntegerFieldFloatRounding).
      expect(await idsOf('id', '=', second + 0.7)).toEqual([second]);
      expect(await idsOf('id', '<', second + 0.5)).toEqual([first, second]);
      expect(await idsOf('id', '<', `${third}`)).toEqual([first, second]);
      expect(await idsOf('is_active', '=', 'True')).toEqual(await idsOf('is_active', '=', true));
      expect(await idsOf('is_active', '=', 't')).toEqual(await idsOf('is_active', '=', 1));
      expect(await idsOf('delete', '=', '0')).toEqual(await idsOf('delete', '=', false));
      expect(await idsOf('delete', 'in', ['f', 'False', null])).toEqual(await idsOf('delete', '=', false));
      expect(await idsOf('is_active', '>', false)).toEqual(await idsOf('is_active', '=', true));
      // str(value) for text: no username is "5", and ad_no "SN-p<n>" contains no "True".
      expect(await idsOf('username', '=', 5)).toEqual([]);
      expect(await idsOf('ad_no', 'contains', true)).toEqual([]);
      expect(await idsOf('ad_no', 'in', ['sn-P1', 17])).toHaveLength(1);
    });

    it('names unknown columns and operators, and refuses values of the wrong type', async () => {
      expect(await listFailure({ search_conditions: [{ column: 'salary', condition: '=', value: 1 }] })).toMatch(/unknown column "salary"/);
      expect(await listFailure({ search_columns: ['id', 'secret'] })).toMatch(/search_columns\[1\]: unknown column "secret"/);
      expect(await listFailure({ order_columns: ['-salary'] })).toMatch(/order_columns\[0\]: unknown column "-salary"/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: '>=', value: 1 }] })).toMatch(/unknown condition ">="/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: 'icontains', value: 1 }] })).toMatch(/unknown condition "icontains"/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: '=', value: 'abc' }] })).toMatch(/"id" takes a number/);
      expect(await listFailure({ search_conditions: [{ column: 'username', condition: '=', value: [5] }] })).toMatch(/"username" takes a string/);
      expect(await listFailure({ search_conditions: [{ column: 'delete', condition: '=', value: 'yes' }] })).toMatch(/"delete" takes true or false/);
      expect(await listFailure({ search_conditions: [{ column: 'updatetime', condition: '>', value: 'yesterday' }] })).toMatch(/"updatetime" takes a date/);
      expect(await listFailure({ search_conditions: [{ column: 'updatetime', condition: '>', value: '2026-02-31' }] })).toMatch(/takes a date/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: 'contains', value: '1' }] })).toMatch(/text columns only/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: 'in', value: 5 }] })).toMatch(/takes an array/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: 'in', value: [1, '2.5'] }] })).toMatch(/value\[1\].*takes a number/);
      // Django's BooleanField takes "t", "True", "1"... but not "true".
      expect(await listFailure({ search_conditions: [{ column: 'delete', condition: '=', value: 'true' }] })).toMatch(/"delete" takes true or false/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: '=' }] })).toMatch(/no "value"/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: '=', value: 1, extra: 1 }] })).toMatch(/unknown key "extra"/);
      expect(await listFailure({ search_conditions: { column: 'id' } })).toMatch(/"search_conditions" must be an array/);
      expect(await listFailure({ exclude_conditions: ['id = 1'] })).toMatch(/exclude_conditions\[0\] must be an object/);
    });

    it('never lets column names or values reach SQL', async () => {
      expect(await listFailure({ search_columns: ['id FROM person; DROP TABLE person; --'] })).toMatch(/unknown column/);
      expect(await listFailure({ order_columns: ['id; DELETE FROM person'] })).toMatch(/unknown column/);
      expect(await listFailure({ order_columns: ['(SELECT 1)'] })).toMatch(/unknown column/);
      expect(await listFailure({ search_conditions: [{ column: "username' OR '1'='1", condition: '=', value: 'x' }] })).toMatch(/unknown column/);
      expect(await listFailure({ search_conditions: [{ column: 'id', condition: '= 1 OR 1 =', value: 1 }] })).toMatch(/unknown condition/);
      expect(await users({ search_conditions: [{ column: 'username', condition: '=', value: "x' OR '1'='1" }] })).toEqual([]);
      expect(await users({ search_conditions: [{ column: 'username', condition: 'contains', value: "'; DROP TABLE person; --" }] })).toEqual([]);
      expect(await users({ search_conditions: [{ column: 'username', condition: 'in', value: ["') OR 1=1 --", 'user1'] }] })).toHaveLength(1);
      expect(await users({ limit: 500 })).toHaveLength(200);
    });
  });

  describe('departments', () => {
    it('lists members by department code and by name, keyed by code', async () => {
      const byCode = await post('/rest/accounts/api/user/list-by-group/', { org_no: ['sales', 'RD-WEB', 'nope'] });
      expect(byCode.status).toBe(200);
      expect(byCode.message).toBe('Read successfully.');
      const result = byCode.result as Record<string, Row[]>;
      expect(Object.keys(result).sort()).toEqual(['rd-web', 'sales']);
      expect(result.sales).toHaveLength(66);
      expect(result['rd-web'][0]).toEqual({ user: 2, user__nick_name: 'Person 2', user__username: 'user2', user__ad_no: 'SN-p2' });
      const byName = await post('/rest/accounts/api/user/list-by-group/', { org_name: ['研发中心'] });
      expect(Object.keys(byName.result as Row)).toEqual(['rd']);
      expect((byName.result as Record<string, Row[]>).rd).toHaveLength(67);
      expect(await failure('/rest/accounts/api/user/list-by-group/', {})).toMatch(/org_no" or "org_name" is required/);
      expect(await failure('/rest/accounts/api/user/list-by-group/', { org_no: ['rd'], org_name: ['Sales'] })).toMatch(/not both/);
      expect(await failure('/rest/accounts/api/user/list-by-group/', { org_no: [1] })).toMatch(/array of strings/);
    });

    it('lists every department without a filter, and filters like the user list', async () => {
      const all = await post('/rest/accounts/api/group/list/', {});
      expect(all.status).toBe(200);
      const rows = all.result as Row[];
      expect(rows.map((r) => r.group_no)).toEqual(
        ['root', 'rd', 'rd-web', 'sales'].sort((a, b) => rows.findIndex((r) => r.group_no === a) - rows.findIndex((r) => r.group_no === b)),
      );
      expect(rows).toHaveLength(4);
      const rd = rows.find((r) => r.group_no === 'rd')!;
      const root = rows.find((r) => r.group_no === 'root')!;
      expect(Object.keys(rd)).toEqual(['id', 'group_no', 'display_name', 'parent_group_id', 'description']);
      expect(rd).toMatchObject({ display_name: '研发中心', parent_group_id: root.id, description: '' });
      expect(root.parent_group_id).toBeNull();
      const filtered = await post('/rest/accounts/api/group/list/', { search_conditions: [{ column: 'parent_group_id', condition: '=', value: rd.id }] });
      expect((filtered.result as Row[]).map((r) => r.group_no)).toEqual(['rd-web']);
      const named = await post('/rest/accounts/api/group/list/', {
        search_conditions: [{ column: 'display_name', condition: 'contains', value: 'SAL' }],
        search_columns: ['group_no'],
      });
      expect(named.result).toEqual([{ group_no: 'sales' }]);
      expect(await failure('/rest/accounts/api/group/list/', { search_conditions: [{ column: 'username', condition: '=', value: 'x' }] })).toMatch(
        /unknown column "username"/,
      );
    });
  });

  describe('audit and transport', () => {
    it('audits every call (QUERY_AUDIT=all): successes with the query, refusals as denied', async () => {
      await users({ search_conditions: [{ column: 'id', condition: '=', value: 1 }] });
      await post('/rest/accounts/api/user/list/', { omflow_restapi: 1 }, false);
      await listFailure({ order_columns: ['nope'] });
      const events = async (action: string) => {
        const res = await request(bridge.url).get('/api/v1/audit/events').query({ action, limit: 200 }).set(admin);
        expect(res.status).toBe(200);
        return res.body.items as { outcome: string; actor: { id: string | null }; details: Row }[];
      };
      const list = await events('omflow.query.users');
      expect(list.some((e) => e.outcome === 'success' && e.actor.id === client.id && JSON.stringify(e.details.query).includes('"column":"id"'))).toBe(true);
      expect(list.some((e) => e.outcome === 'denied' && e.details.status === 403)).toBe(true);
      expect(list.some((e) => e.outcome === 'failure' && String(e.details.message).includes('"nope"'))).toBe(true);
      expect(JSON.stringify(list)).not.toContain(code);
      const codes = await events('omflow.query.security_code');
      expect(codes.some((e) => e.outcome === 'success')).toBe(true);
      expect(codes.some((e) => e.outcome === 'denied')).toBe(true);
    });

    it('answers 500 in the envelope for the unexpected, without its details', async () => {
      const service = bridge.app.get(UserQueryService);
      const spy = vi.spyOn(service, 'prepareUsers').mockRejectedValueOnce(new Error('disk on fire at /var/lib/secret'));
      try {
        const answer = await post('/rest/accounts/api/user/list/', {});
        expect(answer).toMatchObject({ status: 500, result: null });
        expect(answer.message).not.toContain('disk on fire');
      } finally {
        spy.mockRestore();
      }
    });

    it('documents the query API in the OpenAPI document, with request examples and the envelope', async () => {
      const res = await request(bridge.url).get('/docs-json');
      expect(res.status).toBe(200);
      const paths = res.body.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { examples?: Row }> }; responses: Row }>>;
      for (const path of ['/rest/accounts/api/user/list', '/rest/accounts/api/user/list-by-group', '/rest/accounts/api/group/list']) {
        expect(Object.keys(paths[path]?.post?.requestBody?.content['application/json']?.examples ?? {}).length, path).toBeGreaterThan(0);
      }
      expect(paths['/accounts/api/security/get']?.get).toBeDefined();
      expect(paths['/accounts/api/security/get']?.post).toBeDefined();
      const schemas = res.body.components.schemas as Record<string, { properties: Row }>;
      expect(Object.keys(schemas.UserListRequestDto.properties)).toEqual(
        expect.arrayContaining(['security', 'omflow_restapi', 'search_conditions', 'exclude_conditions', 'order_columns', 'limit', 'start', 'snapshot']),
      );
      expect(JSON.stringify(schemas.QueryConditionDto)).toContain('contains');
      // Every answer is HTTP 200: the call's success envelope or the error envelope (result null).
      expect(paths['/rest/accounts/api/user/list'].post.responses['200']).toEqual(
        expect.objectContaining({
          content: {
            'application/json': {
              schema: { oneOf: [{ $ref: '#/components/schemas/UserListAnswerDto' }, { $ref: '#/components/schemas/OmflowErrorEnvelopeDto' }] },
            },
          },
        }),
      );
      expect(schemas.OmflowErrorEnvelopeDto.properties.result).toMatchObject({ nullable: true, enum: [null] });
    });

    it('answers malformed JSON without the bridge error shape', async () => {
      const res = await request(bridge.url).post('/rest/accounts/api/user/list/').set('Content-Type', 'application/json').send('{"security": ');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 404, result: null, message: expect.stringMatching(/^Query failed: .*JSON/) });
    });
  });

  describe('removed users and past snapshots', () => {
    it('keeps users removed from the directory, with delete: true', async () => {
      writeOrganisation(
        file,
        organisation().filter((p) => !['user10', 'user20', 'user30'].includes(p.username)),
      );
      const second = await sync();
      const deleted = await users({
        search_conditions: [{ column: 'delete', condition: '=', value: true }],
        search_columns: ['id', 'username', 'is_active', 'delete'],
      });
      expect(deleted).toEqual([
        { id: 10, username: 'user10', is_active: false, delete: true },
        { id: 20, username: 'user20', is_active: false, delete: true },
        { id: 30, username: 'user30', is_active: false, delete: true },
      ]);
      expect(await users({ limit: 500 })).toHaveLength(200);
      expect(await users({ exclude_conditions: [{ column: 'delete', condition: '=', value: true }], limit: 500 })).toHaveLength(197);
      const byGroup = await post('/rest/accounts/api/user/list-by-group/', { org_no: ['rd'] });
      expect((byGroup.result as Record<string, Row[]>).rd.map((r) => r.user)).not.toContain(10);

      // The first snapshot still has them, as active users.
      const past = await users({
        snapshot: second.snapshotId - 1,
        search_conditions: [{ column: 'username', condition: 'in', value: ['USER10', 'user11'] }],
        search_columns: ['id', 'username', 'delete'],
      });
      expect(past).toEqual([
        { id: 10, username: 'user10', delete: false },
        { id: 11, username: 'user11', delete: false },
      ]);
      const now = await users({
        snapshot: second.snapshotId,
        search_conditions: [{ column: 'username', condition: 'in', value: ['USER10', 'user11'] }],
        search_columns: ['id', 'username', 'delete'],
      });
      expect(now).toEqual([
        { id: 10, username: 'user10', delete: true },
        { id: 11, username: 'user11', delete: false },
      ]);
      expect(await listFailure({ snapshot: 999 })).toMatch(/snapshot 999 is not kept/);
    });
  });
});
