import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '#app/common';
import { admin, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';

/** Console sessions over plain HTTP: the idle timeout, a rotated or revoked client, CONSOLE_ENABLED=false. */
describe.each(testDatabases())('console sessions ($kind)', (db) => {
  let bridge: RunningBridge;

  const signIn = async (clientId: string, secret: string) => {
    const res = await request(bridge.url).post('/api/v1/console/session').send({ clientId, secret }).expect(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    return { cookie, csrf: res.body.csrfToken as string, body: res.body as { scopes: string[]; idleMinutes: number } };
  };

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create(), { env: { CONSOLE_SESSION_IDLE_MINUTES: '10' } });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await bridge?.close();
    await db.dropAll();
  });

  it('sets the cookie HttpOnly, SameSite=Strict, without Secure over plain HTTP, and never stores or echoes it', async () => {
    const res = await request(bridge.url).post('/api/v1/console/session').send({ clientId: 'admin', secret: TEST_ADMIN_TOKEN }).expect(200);
    expect(String(res.headers['set-cookie'])).toMatch(/^omflow_console=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(res.body).toMatchObject({ clientId: 'admin', scopes: ['admin'], idleMinutes: 10 });
    expect(JSON.stringify(res.body)).not.toContain(String(res.headers['set-cookie']).split(';')[0].split('=')[1]);
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('ends a session left idle longer than CONSOLE_SESSION_IDLE_MINUTES; use within it keeps it alive', async () => {
    const { cookie } = await signIn('admin', TEST_ADMIN_TOKEN);
    const clock = bridge.app.get(Clock);
    const start = Date.now();
    const now = vi.spyOn(clock, 'now');
    now.mockReturnValue(start + 9 * 60_000);
    await request(bridge.url).get('/api/v1/whoami').set('cookie', cookie).expect(200);
    now.mockReturnValue(start + 18 * 60_000);
    await request(bridge.url).get('/api/v1/whoami').set('cookie', cookie).expect(200);
    now.mockReturnValue(start + 29 * 60_000);
    const ended = await request(bridge.url).get('/api/v1/whoami').set('cookie', cookie);
    expect(ended.status).toBe(401);
    expect(ended.body.error.message).toMatch(/session ended/);
    now.mockRestore();
  });

  it('ends the sessions of a client whose secret is rotated, and of a revoked client; follows its scopes', async () => {
    const client = (
      await request(bridge.url)
        .post('/api/v1/clients')
        .set(admin)
        .send({ name: 'Ops', scopes: ['sync:admin'] })
        .expect(201)
    ).body as { id: string; secret: string };
    const first = await signIn(client.id, client.secret);
    expect(first.body.scopes).toEqual(['sync:admin']);
    await request(bridge.url).get('/api/v1/sync/runs').set('cookie', first.cookie).expect(200);
    await request(bridge.url).get('/api/v1/audit/events').set('cookie', first.cookie).expect(403);
    const rotated = (await request(bridge.url).post(`/api/v1/clients/${client.id}/rotate`).set(admin).expect(200)).body as { secret: string };
    expect((await request(bridge.url).get('/api/v1/sync/runs').set('cookie', first.cookie)).status).toBe(401);
    const second = await signIn(client.id, rotated.secret);
    await request(bridge.url).post(`/api/v1/clients/${client.id}/revoke`).set(admin).expect(200);
    expect((await request(bridge.url).get('/api/v1/sync/runs').set('cookie', second.cookie)).status).toBe(401);
    expect((await request(bridge.url).post('/api/v1/console/session').send({ clientId: client.id, secret: rotated.secret })).status).toBe(401);
  });

  it('never lets the cookie stand in for HTTP Basic (/sync)', async () => {
    const { cookie } = await signIn('admin', TEST_ADMIN_TOKEN);
    const res = await request(bridge.url).post('/sync').set('cookie', cookie);
    expect(res.status).toBe(401);
  });

  it('signs out with the CSRF token only', async () => {
    const { cookie, csrf } = await signIn('admin', TEST_ADMIN_TOKEN);
    expect((await request(bridge.url).delete('/api/v1/console/session').set('cookie', cookie)).status).toBe(403);
    const out = await request(bridge.url).delete('/api/v1/console/session').set('cookie', cookie).set('x-csrf-token', csrf);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await request(bridge.url).get('/api/v1/whoami').set('cookie', cookie)).status).toBe(401);
  });
});

describe.each(testDatabases())('CONSOLE_ENABLED=false ($kind)', (db) => {
  let bridge: RunningBridge;
  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create(), { env: { CONSOLE_ENABLED: 'false' } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('serves no console and no sign-in', async () => {
    expect((await request(bridge.url).get('/console/')).status).toBe(404);
    expect((await request(bridge.url).get('/console/console.js')).status).toBe(404);
    expect((await request(bridge.url).post('/api/v1/console/session').send({ clientId: 'admin', secret: TEST_ADMIN_TOKEN })).status).toBe(404);
  });
});
