import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '#app/common';
import { admin, OMFLOW, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

/** `depth` nested arrays around `inner`. */
const arrays = (depth: number, inner = '') => '['.repeat(depth) + inner + ']'.repeat(depth);
/** `depth` nested objects `{"a": …}` around `inner`. */
const objects = (depth: number, inner = '1') => '{"a":'.repeat(depth) + inner + '}'.repeat(depth);

// A body nested thousands of levels deep used to overflow the stack of the validators (HTTP 500)
// and a million levels cost a second of CPU: the depth is refused while the body is read,
// before JSON.parse, and answered in each surface's contract.
describe.each(testDatabases())('deeply nested JSON bodies on every surface ($kind)', (db) => {
  let bridge: RunningBridge;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 5, departments: 2, seed: 3 });
    bridge = await startBridgeWith(await db.create(), { env: { PROXY_SYNC_AFTER_CHANGES: 'false', ...emulator.bridgeEnv() } });
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  const post = (path: string, body: string) => request(bridge.url).post(path).set('Content-Type', 'application/json').send(body);
  const clientCount = async () => (await request(bridge.url).get('/api/v1/clients').set(admin).query({ includeRevoked: 'true' })).body.total as number;

  it("the bridge's own API: 400 REQUEST.INVALID naming the limit, and nothing is created", async () => {
    const before = await clientCount();
    for (const body of [
      arrays(10_000),
      objects(10_000),
      `{"name":"x","scopes":${arrays(10_000, '"admin"')}}`,
      `{"name":"x","scopes":["admin"],"description":${objects(MAX_JSON_DEPTH)}}`,
    ]) {
      const res = await post('/api/v1/clients', body).set(admin);
      expect(res.status, res.text.slice(0, 200)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'REQUEST.INVALID', message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) });
    }
    const approve = await post('/api/v1/sync/runs/1/approve', `{"renames":${objects(10_000, '"keep"')}}`).set(admin);
    expect(approve.status).toBe(400);
    expect(approve.body.error.code).toBe('REQUEST.INVALID');
    expect(await clientCount()).toBe(before);
  });

  it('a million levels are refused as cheaply as ten thousand', async () => {
    const res = await post('/api/v1/clients', arrays(1_000_000)).set(admin);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST.INVALID');
  });

  it('nesting up to the limit, and brackets inside strings, still reach the route', async () => {
    // 1 (the body) + MAX_JSON_DEPTH - 1 levels: within the limit, so validation answers.
    const atLimit = await post('/api/v1/clients', `{"name":"x","scopes":["admin"],"description":${objects(MAX_JSON_DEPTH - 1)}}`).set(admin);
    expect(atLimit.status).toBe(400);
    expect(atLimit.body.error.code).toBe('VALIDATION.FAILED');
    const inString = await post(
      '/api/v1/clients',
      JSON.stringify({ name: arrays(100).slice(0, 200), description: `"\\${objects(100)}`, scopes: ['sync:admin'] }),
    ).set(admin);
    expect(inString.status, inString.text).toBe(201);
  });

  it('OMFLOW /sync and /authenticate: HTTP 200 with {"status":"fail"}', async () => {
    for (const path of ['/authenticate', '/sync']) {
      const res = await post(path, `{"username":${arrays(10_000, '"a"')},"password":"x"}`).auth(OMFLOW.id, OMFLOW.secret);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'fail', message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) });
    }
  });

  it('the OMFLOW query API: its envelope, status 404 "Query failed"', async () => {
    const res = await post('/rest/accounts/api/user/list/', `{"omflow_restapi":1,"search_conditions":${arrays(10_000)}}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 404, message: expect.stringMatching(new RegExp(`^Query failed: .*${MAX_JSON_DEPTH} levels`)), result: null });
  });

  it('the directory proxy: the WorkPlus envelope, HTTP 400', async () => {
    for (const body of [arrays(10_000), `[{"username":"deep","positions":${arrays(10_000, '{}')}}]`]) {
      const res = await post(`/v1/admin/organizations/${emulator.orgCode}/import-employees?access_token=${TEST_ADMIN_TOKEN}`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 400, message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`), result: null });
    }
  });
});
