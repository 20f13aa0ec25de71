import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_VALUE_LENGTH } from '#app/omflow-contract';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { writeOrganisation, type TestPerson } from '../support/organisation.js';

type Row = Record<string, unknown>;

const PEOPLE: TestPerson[] = [
  { userId: 'p1', username: 'alice', name: 'Alice Wei', departments: ['rd'] },
  { userId: 'p2', username: 'bob', name: 'Bob\u0000Wei', departments: ['sales'] },
  { userId: 'p3', username: 'carol', name: 'Carol', departments: ['rd-web'] },
];

// Values of query conditions are bounded (SQLite refuses LIKE patterns over 50,000 bytes, which
// answered status 500) and NUL is an ordinary character on both databases (SQLite's LIKE stops
// at it, so `contains "\u0000"` matched every row there and none on MariaDB).
describe.each(testDatabases())('OMFLOW query API: condition values ($kind)', (db) => {
  let bridge: RunningBridge;
  let code: string;
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  const post = async (path: string, body: Row) => {
    const res = await request(bridge.url)
      .post(path)
      .send({ security: code, omflow_restapi: 1, ...body });
    expect(res.status).toBe(200);
    return res.body as { status: number; message: string; result: unknown };
  };
  const usernames = async (conditions: Row[], path = '/rest/accounts/api/user/list/') => {
    const answer = await post(path, { search_conditions: conditions, search_columns: ['username'] });
    expect(answer, JSON.stringify(answer).slice(0, 300)).toMatchObject({ status: 200 });
    return (answer.result as Row[]).map((r) => r.username);
  };
  const failure = async (body: Row, path = '/rest/accounts/api/user/list/') => {
    const answer = await post(path, body);
    expect(answer).toEqual({ status: 404, message: expect.stringMatching(/^Query failed: /), result: null });
    return answer.message;
  };

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bridge-query-values-')), 'org.json');
    writeOrganisation(file, PEOPLE);
    bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_SOURCE: 'file', HR_FILE: file }));
    const run = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(run.body.status).toBe('published');
    const client = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ id: 'query-tool', name: 'q', scopes: ['users:query'] });
    const issued = await request(bridge.url).get('/accounts/api/security/get/').auth('query-tool', String(client.body.secret));
    code = String(issued.body.result.security);
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it(`refuses a value longer than ${MAX_VALUE_LENGTH} characters with "Query failed", for every condition`, async () => {
    const long = 'x'.repeat(MAX_VALUE_LENGTH + 1);
    for (const condition of [
      { column: 'nick_name', condition: 'contains', value: 'a'.repeat(50_001) },
      { column: 'nick_name', condition: 'contains', value: long },
      { column: 'username', condition: '=', value: long },
      { column: 'username', condition: '>', value: long },
      { column: 'username', condition: 'in', value: ['alice', long] },
    ]) {
      expect(await failure({ search_conditions: [condition] })).toMatch(new RegExp(`at most ${MAX_VALUE_LENGTH} characters`));
      expect(await failure({ exclude_conditions: [condition] })).toMatch(/exclude_conditions\[0\]/);
    }
    expect(await failure({ search_conditions: [{ column: 'display_name', condition: 'contains', value: long }] }, '/rest/accounts/api/group/list/')).toMatch(
      /at most/,
    );
    expect(await failure({ org_name: [long] }, '/rest/accounts/api/user/list-by-group/')).toMatch(/at most/);
  });

  it(`accepts a value of exactly ${MAX_VALUE_LENGTH} characters`, async () => {
    expect(await usernames([{ column: 'nick_name', condition: 'contains', value: 'é'.repeat(MAX_VALUE_LENGTH) }])).toEqual([]);
    expect(await usernames([{ column: 'username', condition: 'in', value: ['alice', 'x'.repeat(MAX_VALUE_LENGTH)] }])).toEqual(['alice']);
  });

  it('treats NUL as an ordinary character in contains, as MariaDB does', async () => {
    expect(await usernames([{ column: 'nick_name', condition: 'contains', value: '\u0000' }])).toEqual(['bob']);
    expect(await usernames([{ column: 'nick_name', condition: 'contains', value: 'b\u0000w' }])).toEqual(['bob']);
    expect(await usernames([{ column: 'nick_name', condition: 'contains', value: 'wei' }])).toEqual(['alice', 'bob']);
    expect(await usernames([{ column: 'username', condition: 'contains', value: '\u0000' }])).toEqual([]);
    expect(await usernames([{ column: 'username', condition: 'contains', value: 'ali\u0000' }])).toEqual([]);
    expect(await usernames([{ column: 'username', condition: 'contains', value: 'LIC' }])).toEqual(['alice']);
  });
});
