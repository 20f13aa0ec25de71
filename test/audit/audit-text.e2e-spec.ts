import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { admin, openDb, rawEvents } from './helpers.js';

const OMFLOW = { id: 'omflow', secret: 'omflow-secret-0123456789' };
const EMOJI = '\u{1F600}';

/**
 * Text the databases might alter on storage, sent through real requests. The audit trail must
 * store (and hash) exactly what it can read back, so that verification holds afterwards.
 */
describe.each(testDatabases())('audit trail text that databases alter on storage ($kind)', (db) => {
  let bridge: RunningBridge;
  let ds: DataSource;

  beforeAll(async () => {
    bridge = await startBridge(
      testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, OMFLOW_CLIENT_ID: OMFLOW.id, OMFLOW_CLIENT_SECRET: OMFLOW.secret }),
    );
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

  it('a lone surrogate in a username is stored as U+FFFD and the trail still verifies', async () => {
    const res = await login('{"username":"\\ud800ghost","password":"x"}');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('fail');
    const row = await lastFailedLogin();
    expect(row.target_id).toBe('\uFFFDghost');
    expect(await verify()).toMatchObject({ ok: true, firstBroken: null, broken: [] });

    const listed = await request(bridge.url).get('/api/v1/audit/events').query({ action: 'auth.login.failed', limit: 1 }).set(admin());
    expect(listed.body.items[0].target).toEqual({ type: 'omflow_user', id: '\uFFFDghost' });
  });

  it('a lone low surrogate, and one left by cutting a long name between the halves of an emoji, verify too', async () => {
    await login('{"username":"x\\udc00y","password":"x"}');
    expect((await lastFailedLogin()).target_id).toBe('x\uFFFDy');
    // 161 UTF-16 units: too long, refused, and cut to 150 units, which ends inside the 75th emoji.
    await login(JSON.stringify({ username: `a${EMOJI.repeat(80)}`, password: 'x' }));
    const cut = (await lastFailedLogin()).target_id!;
    expect(cut.startsWith(`a${EMOJI.repeat(74)}`)).toBe(true);
    expect(cut).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(await verify()).toMatchObject({ ok: true, broken: [] });
  });

  it('keeps NUL characters, trailing spaces, 4-byte emoji and noncharacters exactly, in every column', async () => {
    const names = ['nul\u0000name', 'spaces  ', `${EMOJI}ghost${EMOJI}`, 'non\uFFFE\uFFFFchar', '\uFEFFbom'];
    for (const username of names) await login(JSON.stringify({ username, password: 'x' }));
    const rows = (await rawEvents(ds, 'action = ?', ['auth.login.failed'])).slice(-names.length);
    expect(rows.map((r) => r.target_id)).toEqual(names);

    // The same text as a client name lands in the details, and as the request id where the bridge accepts it.
    const created = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'text-client', name: `Ghost \ud800 ${EMOJI} nul\u0000 end  `, scopes: ['users:query'] });
    expect(created.status).toBe(201);
    const [event] = await rawEvents(ds, 'action = ? AND target_id = ?', ['access.client.created', 'text-client']);
    expect(JSON.parse(event.details).name).toBe(`Ghost \uFFFD ${EMOJI} nul\u0000 end  `);
    expect(await verify()).toMatchObject({ ok: true, broken: [] });
  });
});
