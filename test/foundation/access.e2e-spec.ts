import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '#app/database';
import { digestSecret } from '#app/access';
import { OMFLOW, startBridge, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';

describe.each(testDatabases())('access control on $kind', (db) => {
  let bridge: RunningBridge;

  beforeAll(async () => {
    const database = await db.create();
    bridge = await startBridgeWith(database);
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  const admin = () => ({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` });

  it('refuses the admin API without a token, with a Bearer challenge and the error shape', async () => {
    const res = await request(bridge.url).get('/api/v1/clients');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(res.body).toEqual({ error: { code: 'AUTH.REQUIRED', message: expect.any(String), requestId: expect.any(String) } });
    expect(res.headers['x-request-id']).toBe(res.body.error.requestId);
  });

  it('refuses a wrong bearer token', async () => {
    const res = await request(bridge.url).get('/api/v1/clients').set('Authorization', 'Bearer nope');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTH.REQUIRED');
  });

  it('provisions the environment-declared clients and never returns a secret or digest in listings', async () => {
    const res = await request(bridge.url).get('/api/v1/clients').set(admin());
    expect(res.status).toBe(200);
    const ids = res.body.items.map((c: { id: string }) => c.id).sort();
    expect(ids).toEqual(['admin', 'omflow']);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(OMFLOW.secret);
    expect(text).not.toContain(digestSecret(OMFLOW.secret));
    expect(text).not.toContain('secret');
    expect(res.body.items.find((c: { id: string }) => c.id === 'omflow')).toMatchObject({ scopes: ['omflow'], managedBy: 'env' });
  });

  it('creates a client whose secret works as bearer and as HTTP Basic, and is stored only as a digest', async () => {
    const created = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'auditor-1', name: 'Audit team', scopes: ['audit:read'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'auditor-1', scopes: ['audit:read'], managedBy: 'api', createdBy: 'admin' });
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^hrb_[A-Za-z0-9_-]{43}$/);

    const ds = await new DataSource(buildDataSourceOptions(bridge.config.database)).initialize();
    try {
      const rows: { secret_digest: string }[] = await ds.query("SELECT * FROM api_client WHERE id = 'auditor-1'");
      expect(rows).toHaveLength(1);
      expect(rows[0].secret_digest).toBe(digestSecret(secret));
      expect(JSON.stringify(rows)).not.toContain(secret);
    } finally {
      await ds.destroy();
    }
    // The secret works as HTTP Basic (id as user name) on a Basic route: checked with /sync in the sync suite.
    // The secret works as a bearer token, but the client lacks the admin scope: 403.
    const asBearer = await request(bridge.url).get('/api/v1/clients').set('Authorization', `Bearer ${secret}`);
    expect(asBearer.status).toBe(403);
    expect(asBearer.body.error.code).toBe('AUTH.FORBIDDEN');
    expect(asBearer.body.error.message).toContain('"admin"');
  });

  it('rotates a secret: the old one stops working, the new one works', async () => {
    const created = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ name: 'Ops', scopes: ['admin'] });
    expect(created.body.id).toMatch(/^cl_/);
    const old: string = created.body.secret;
    expect((await request(bridge.url).get('/api/v1/clients').set('Authorization', `Bearer ${old}`)).status).toBe(200);
    const rotated = await request(bridge.url).post(`/api/v1/clients/${created.body.id}/rotate`).set(admin());
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(old);
    expect(rotated.body.rotatedAt).not.toBeNull();
    expect((await request(bridge.url).get('/api/v1/clients').set('Authorization', `Bearer ${old}`)).status).toBe(401);
    expect((await request(bridge.url).get('/api/v1/clients').set('Authorization', `Bearer ${rotated.body.secret}`)).status).toBe(200);
  });

  it('revokes a client: it can no longer authenticate, and is listed only on request', async () => {
    const created = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'temp-admin', name: 'Temp', scopes: ['admin'] });
    const revoked = await request(bridge.url).post('/api/v1/clients/temp-admin/revoke').set(admin());
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await request(bridge.url).get('/api/v1/clients').set('Authorization', `Bearer ${created.body.secret}`)).status).toBe(401);
    const again = await request(bridge.url).post('/api/v1/clients/temp-admin/revoke').set(admin());
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CLIENT.REVOKED');
    const active = await request(bridge.url).get('/api/v1/clients').set(admin());
    expect(active.body.items.map((c: { id: string }) => c.id)).not.toContain('temp-admin');
    const all = await request(bridge.url).get('/api/v1/clients?includeRevoked=true').set(admin());
    expect(all.body.items.map((c: { id: string }) => c.id)).toContain('temp-admin');
  });

  it('refuses to change an environment-managed client over the API', async () => {
    const res = await request(bridge.url).post('/api/v1/clients/omflow/rotate').set(admin());
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CLIENT.MANAGED_BY_ENVIRONMENT');
  });

  it('answers 404 for an unknown client and 409 for a taken id', async () => {
    expect((await request(bridge.url).get('/api/v1/clients/nobody').set(admin())).body.error.code).toBe('CLIENT.NOT_FOUND');
    const dup = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'omflow', name: 'x', scopes: ['omflow'] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CLIENT.ALREADY_EXISTS');
  });

  it('rejects invalid bodies with field-level messages and unknown fields', async () => {
    const res = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'a b', name: '', scopes: ['root'], extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION.FAILED');
    const fields = res.body.error.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['extra', 'id', 'name', 'scopes']);
    expect(res.body.error.message).toMatch(/^Invalid request: /);
  });

  it('answers malformed JSON and unknown routes in the same error shape', async () => {
    const bad = await request(bridge.url).post('/api/v1/clients').set(admin()).set('Content-Type', 'application/json').send('{"name":');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('REQUEST.INVALID');
    const missing = await request(bridge.url).get('/api/v1/nothing-here').set(admin());
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ROUTE.NOT_FOUND');
  });

  describe('bearer tokens: the Authorization header only, in its exact form (RFC 6750)', () => {
    it('refuses a token in the query string or in the body of the admin API, and changes nothing', async () => {
      const inQuery = await request(bridge.url).post('/api/v1/snapshots/1/publish').query({ access_token: TEST_ADMIN_TOKEN });
      expect(inQuery.status).toBe(401);
      expect(inQuery.body.error.code).toBe('AUTH.REQUIRED');
      expect((await request(bridge.url).get('/api/v1/whoami').query({ access_token: TEST_ADMIN_TOKEN })).status).toBe(401);
      expect((await request(bridge.url).get('/api/v1/clients').query({ access_token: TEST_ADMIN_TOKEN })).status).toBe(401);

      const inBody = await request(bridge.url)
        .post('/api/v1/clients')
        .send({ access_token: TEST_ADMIN_TOKEN, id: 'via-body', name: 'x', scopes: ['admin'] });
      expect(inBody.status).toBe(401);
      expect((await request(bridge.url).get('/api/v1/clients/via-body').set(admin())).status).toBe(404);
      // The header still works on the same routes.
      expect((await request(bridge.url).get('/api/v1/whoami').set(admin())).body).toMatchObject({ clientId: 'admin', via: 'bearer' });
      expect((await request(bridge.url).post('/api/v1/snapshots/1/publish').set(admin())).status).toBe(404);
    });

    it.each([
      ['a tab after the scheme', `Bearer\t${TEST_ADMIN_TOKEN}`],
      ['two spaces after the scheme', `Bearer  ${TEST_ADMIN_TOKEN}`],
      ['no space after the scheme', `Bearer${TEST_ADMIN_TOKEN}`],
      ['characters outside the token alphabet', `Bearer ${TEST_ADMIN_TOKEN}!`],
      ['a second word', `Bearer ${TEST_ADMIN_TOKEN} ${TEST_ADMIN_TOKEN}`],
      ['another scheme', `Token ${TEST_ADMIN_TOKEN}`],
    ])('refuses %s', async (_what, header) => {
      const res = await request(bridge.url).get('/api/v1/whoami').set('Authorization', header);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('AUTH.REQUIRED');
    });

    it('takes the scheme in any case', async () => {
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        expect((await request(bridge.url).get('/api/v1/whoami').set('Authorization', `${scheme} ${TEST_ADMIN_TOKEN}`)).status).toBe(200);
      }
    });
  });

  it('names at most the path of an unknown route, never its query string, on every surface', async () => {
    const query = { access_token: TEST_ADMIN_TOKEN, other: 'visible-query-value' };
    for (const path of ['/api/v1/nothing-here', '/rest/accounts/api/nothing', '/accounts/api/security/nothing', '/v1/admin/organizations', '/sync/x']) {
      const res = await request(bridge.url).get(path).query(query);
      expect(res.status, path).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'ROUTE.NOT_FOUND', message: `Cannot GET ${path}` });
      expect(res.text).not.toContain(TEST_ADMIN_TOKEN);
      expect(res.text).not.toContain('visible-query-value');
    }
  });
});

describe.each(testDatabases())('HTTP Basic and bearer on one route ($kind)', (db) => {
  let bridge: RunningBridge;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    const res = await request(bridge.url)
      .post('/api/v1/clients')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ id: 'tool-1', name: 'Tool', scopes: ['users:query'] });
    client = { id: res.body.id, secret: res.body.secret };
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('accepts the right Basic credentials and says how the client authenticated', async () => {
    const res = await request(bridge.url).get('/api/v1/whoami').auth(client.id, client.secret);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ clientId: 'tool-1', name: 'Tool', scopes: ['users:query'], organisations: null, via: 'basic' });
  });

  it('accepts the same secret as a bearer token', async () => {
    const res = await request(bridge.url).get('/api/v1/whoami').set('Authorization', `Bearer ${client.secret}`);
    expect(res.status).toBe(200);
    expect(res.body.via).toBe('bearer');
  });

  it('refuses a wrong Basic password, an unknown id and a missing header, with a Basic challenge where Basic was tried', async () => {
    const wrong = await request(bridge.url).get('/api/v1/whoami').auth(client.id, `${client.secret}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm="omflow-hr-bridge"/);
    const unknown = await request(bridge.url).get('/api/v1/whoami').auth('nobody', client.secret);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body.error ? { error: { ...wrong.body.error, requestId: unknown.body.error.requestId } } : {});
    expect((await request(bridge.url).get('/api/v1/whoami')).status).toBe(401);
  });

  it('refuses a revoked client on both schemes', async () => {
    await request(bridge.url).post(`/api/v1/clients/${client.id}/revoke`).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`).expect(200);
    expect((await request(bridge.url).get('/api/v1/whoami').auth(client.id, client.secret)).status).toBe(401);
    expect((await request(bridge.url).get('/api/v1/whoami').set('Authorization', `Bearer ${client.secret}`)).status).toBe(401);
  });
});
