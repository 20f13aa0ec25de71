import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMFLOW, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';

// Body-parser errors happen before routing; each surface must still answer in its own contract.
describe.each(testDatabases())('malformed and oversized bodies on every surface ($kind)', (db) => {
  let bridge: RunningBridge;
  const bad = '{"username": "a", ';

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create(), { env: { BODY_LIMIT: '2kb' } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  const post = (path: string, body: string) => request(bridge.url).post(path).set('Content-Type', 'application/json').send(body);

  it('OMFLOW /authenticate and /sync: HTTP 200 with {"status":"fail"}', async () => {
    for (const path of ['/authenticate', '/sync']) {
      const res = await post(path, bad).auth(OMFLOW.id, OMFLOW.secret);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'fail', message: expect.stringMatching(/not valid JSON/) });
    }
    const big = await post('/authenticate', JSON.stringify({ username: 'a', password: 'x'.repeat(4096) })).auth(OMFLOW.id, OMFLOW.secret);
    expect(big.body).toEqual({ status: 'fail', message: expect.stringMatching(/BODY_LIMIT/) });
  });

  it('the OMFLOW query API: its envelope, HTTP 200', async () => {
    const res = await post('/rest/accounts/api/user/list/', bad);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: expect.any(Number), message: expect.any(String), result: null });
    expect(res.body.status).not.toBe(200);
  });

  it('the directory proxy: the WorkPlus envelope', async () => {
    const res = await post(`/v1/admin/organizations/acme/employees?access_token=${TEST_ADMIN_TOKEN}`, bad);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 400, message: expect.stringMatching(/not valid JSON/), result: null });
  });

  it('GET and HEAD bodies are not read: a stray body fails nothing', async () => {
    for (const path of ['/health/live', '/api/v1/whoami', '/api/v1/sync/status']) {
      const res = await request(bridge.url).get(path).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).set('Content-Type', 'application/json').send(bad);
      expect(res.status, `${path}: ${res.text}`).toBe(200);
    }
    const big = await request(bridge.url)
      .get('/health/live')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(4096) }));
    expect(big.status).toBe(200);
    // Other methods still read (and refuse) theirs.
    const del = await request(bridge.url)
      .delete('/api/v1/auth/lockouts/ips/10.0.0.1')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .set('Content-Type', 'application/json')
      .send(bad);
    expect(del.status).toBe(400);
  });

  it("the bridge's own API: its JSON error shape", async () => {
    const res = await post('/api/v1/clients', bad).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'REQUEST.INVALID' });
  });

  it('a URL the router cannot decode: each surface answers a malformed request in its contract, never echoing the URL', async () => {
    const secret = `access_token=${TEST_ADMIN_TOKEN}`;
    const api = await request(bridge.url).get(`/api/v1/sync/runs/%FF?${secret}`).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    expect(api.status).toBe(400);
    expect(api.body.error).toMatchObject({
      code: 'REQUEST.INVALID',
      message: expect.stringMatching(/percent-encoding/),
      requestId: api.headers['x-request-id'],
    });
    const proxy = await request(bridge.url).get(`/v1/admin/organizations/acme/employees/%?${secret}`);
    expect(proxy.status).toBe(400);
    expect(proxy.body).toEqual({ status: 400, message: expect.stringMatching(/percent-encoding/), result: null });
    const query = await post('/rest/accounts/api/user/list/%E0%A4%A', '{}');
    expect(query.status).toBe(200);
    expect(query.body).toMatchObject({ status: 404, result: null });
    const login = await post('/authenticate/%', '{}').auth(OMFLOW.id, OMFLOW.secret);
    expect(login.body).toEqual({ status: 'fail', message: expect.stringMatching(/percent-encoding/) });
    for (const res of [api, proxy, query, login]) expect(res.text).not.toContain(TEST_ADMIN_TOKEN);
  });
});
