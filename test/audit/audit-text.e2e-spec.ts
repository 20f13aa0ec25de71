import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { admin, openDb, rawEvents } from './helpers.js';

const EMOJI = '\u{1F600}';

/**
 * Text the databases might alter on storage, sent through real requests. The audit trail must
 * store (and hash) exactly what it can read back, so that verification holds afterwards.
 */
describe.each(testDatabases())('audit trail text that databases alter on storage ($kind)', (db) => {
  let bridge: RunningBridge;
  let ds: DataSource;

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create());
    ds = await openDb(bridge.config);
  });
  afterAll(async () => {
    await bridge?.close();
    await ds?.destroy();
    await db.dropAll();
  });

  /** Posts a raw JSON text (escapes such as \ud800 reach the parser as written) to /authenticate. */
  const login = (json: string) => request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).set('Content-Type', 'application/json').send(json);
  const verify = async () => (await request(bridge.url).get('/api/v1/audit/verify').set(admin())).body as Record<string, unknown>;
  const lastFailedLogin = async () => (await rawEvents(ds, 'action = ?', ['auth.login.failed'])).at(-1)!;

  /**
   * Only a username somebody holds is recorded as a login's target (a password typed into the
   * username field must not land in the trail), so each name is first given a password.
   */
  const known = async (...usernames: string[]) => {
    const rows = usernames.map((username) => ({ username, password: 'right-password-1' }));
    const res = await request(bridge.url).post('/api/v1/auth/passwords/import').set(admin()).send({ items: rows });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  };

  it('a lone surrogate in a username is stored as U+FFFD and the trail still verifies', async () => {
    await request(bridge.url)
      .post('/api/v1/auth/passwords/import')
      .set(admin())
      .set('Content-Type', 'application/json')
      .send('{"items":[{"username":"\\ud800ghost","password":"right-password-1"},{"username":"x\\udc00y","password":"right-password-1"}]}')
      .expect((res) => expect(res.status).toBeLessThan(300));
    const res = await login('{"username":"\\ud800ghost","password":"x"}');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('fail');
    const row = await lastFailedLogin();
    expect(row.target_id).toBe('\uFFFDghost');
    expect(await verify()).toMatchObject({ ok: true, firstBroken: null, broken: [] });

    const listed = await request(bridge.url).get('/api/v1/audit/events').query({ action: 'auth.login.failed', limit: 1 }).set(admin());
    expect(listed.body.items[0].target).toEqual({ type: 'omflow_user', id: '\uFFFDghost' });

    await login('{"username":"x\\udc00y","password":"x"}');
    expect((await lastFailedLogin()).target_id).toBe('x\uFFFDy');
    expect(await verify()).toMatchObject({ ok: true, broken: [] });
  });

  it('keeps NUL characters, trailing spaces, 4-byte emoji and noncharacters exactly, in every column', async () => {
    const names = [`${EMOJI}ghost${EMOJI}`, 'non\uFFFE\uFFFFchar'];
    await known(...names);
    for (const username of names) await login(JSON.stringify({ username, password: 'x' }));
    const rows = (await rawEvents(ds, 'action = ?', ['auth.login.failed'])).slice(-names.length);
    expect(rows.map((r) => JSON.stringify(r.target_id))).toEqual(names.map((n) => JSON.stringify(n)));

    // The same text as a client name lands in the details, and as the request id where the bridge accepts it.
    const created = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'text-client', name: `\uFEFFGhost \ud800 ${EMOJI} nul\u0000 end  `, scopes: ['users:query'] });
    expect(created.status).toBe(201);
    const [event] = await rawEvents(ds, 'action = ? AND target_id = ?', ['access.client.created', 'text-client']);
    expect(JSON.parse(event.details).name).toBe(`\uFEFFGhost \uFFFD ${EMOJI} nul\u0000 end  `);
    expect(await verify()).toMatchObject({ ok: true, broken: [] });
  });
});
