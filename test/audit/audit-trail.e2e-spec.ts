import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { AuditService } from '#app/audit';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { admin, openDb, rawEvents } from './helpers.js';

describe.each(testDatabases())('audit trail recording on $kind', (db) => {
  let bridge: RunningBridge;
  let ds: DataSource;
  let audit: AuditService;

  beforeAll(async () => {
    bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    ds = await openDb(bridge.config);
    audit = bridge.app.get(AuditService);
  });
  afterAll(async () => {
    await bridge?.close();
    await ds?.destroy();
    await db.dropAll();
  });

  const events = async (query: Record<string, string>) => {
    const res = await request(bridge.url)
      .get('/api/v1/audit/events')
      .query({ limit: '500', ...query })
      .set(admin());
    expect(res.status).toBe(200);
    return res.body.items as {
      seq: number;
      actor: { kind: string; id: string | null };
      target: { type: string; id: string | null } | null;
      [k: string]: unknown;
    }[];
  };

  it('records the provisioning of environment clients as the system', async () => {
    const [provisioned] = await events({ action: 'access.client.provisioned', targetId: 'admin' });
    expect(provisioned).toMatchObject({
      actor: { kind: 'system', id: null },
      outcome: 'success',
      requestId: null,
      details: { source: 'environment', scopes: ['admin'] },
    });
  });

  it('records a client creation with the request actor, request id and source IP, and never the secret', async () => {
    const res = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'auditor', name: 'Auditors', scopes: ['audit:read'] });
    expect(res.status).toBe(201);
    const found = await events({ action: 'access.client.created', targetId: 'auditor' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      actor: { kind: 'admin', id: 'admin' },
      target: { type: 'api_client', id: 'auditor' },
      outcome: 'success',
      requestId: res.headers['x-request-id'],
      details: { name: 'Auditors', scopes: ['audit:read'], createdBy: 'admin', organisations: null },
    });
    expect(found[0].sourceIp).toMatch(/127\.0\.0\.1$/);
    const stored = JSON.stringify(await rawEvents(ds));
    expect(stored).not.toContain(res.body.secret);
    expect(stored).not.toContain(TEST_ADMIN_TOKEN);

    await request(bridge.url).post('/api/v1/clients/auditor/rotate').set(admin()).expect(200);
    expect(await events({ action: 'access.client.rotated', targetId: 'auditor' })).toHaveLength(1);
  });

  it('serves the review API to audit:read only, and audits the denial of others', async () => {
    const auditor = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'auditor-2', name: 'Auditors', scopes: ['audit:read'] });
    const tool = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin())
      .send({ id: 'tool-x', name: 'Tool', scopes: ['users:query'] });
    expect((await request(bridge.url).get('/api/v1/audit/events').set('Authorization', `Bearer ${auditor.body.secret}`)).status).toBe(200);
    expect((await request(bridge.url).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditor.body.secret}`)).status).toBe(200);
    // Retention removes events: admin only.
    const retention = await request(bridge.url)
      .post('/api/v1/audit/retention/run')
      .set('Authorization', `Bearer ${auditor.body.secret}`)
      .send({ olderThanDays: 1 });
    expect(retention.status).toBe(403);
    const denied = await request(bridge.url).get('/api/v1/audit/events').set('Authorization', `Bearer ${tool.body.secret}`);
    expect(denied.status).toBe(403);
    expect((await request(bridge.url).get('/api/v1/audit/events')).status).toBe(401);
    const [record] = await events({ action: 'access.denied', actorId: 'tool-x' });
    expect(record).toMatchObject({ actor: { kind: 'client', id: 'tool-x' }, outcome: 'denied', target: { type: 'route', id: 'GET /api/v1/audit/events' } });
  });

  it('records failed client authentications with the presented client id but never the secret', async () => {
    const wrongSecret = 'the-wrong-secret-0123456789';
    expect((await request(bridge.url).get('/api/v1/whoami').auth('someone', wrongSecret)).status).toBe(401);
    expect((await request(bridge.url).get('/api/v1/whoami').set('Authorization', `Bearer ${wrongSecret}`)).status).toBe(401);
    const failed = await events({ action: 'access.auth.failed' });
    expect(failed.map((e) => e.target?.id).sort()).toEqual([null, 'someone'].sort());
    expect(failed[0]).toMatchObject({ actor: { kind: 'anonymous', id: null }, outcome: 'failure' });
    expect(JSON.stringify(await rawEvents(ds))).not.toContain(wrongSecret);
  });

  it('revokes are recorded with before and after', async () => {
    await request(bridge.url).post('/api/v1/clients/tool-x/revoke').set(admin()).expect(200);
    const [revoked] = await events({ action: 'access.client.revoked', targetId: 'tool-x' });
    expect(revoked.details).toMatchObject({ before: { revokedAt: null }, after: { revokedAt: expect.any(String) } });
  });

  it('redacts secrets in details at any depth, whatever the caller passes', async () => {
    const secrets = ['p4ss-A', 's3cr-B', 'tok-C', 'abcdefghijklmnop', 'sec-D', 'cred-E', 'qwertyuiopasdfgh', `hrb_${'x'.repeat(43)}`, 'cookie-F'];
    await audit.record({
      action: 'test.redaction',
      outcome: 'success',
      details: {
        password: secrets[0],
        nested: { client_secret: secrets[1], list: [{ accessToken: secrets[2] }, { Authorization: `Bearer ${secrets[3]}` }] },
        securityCode: secrets[4],
        credentials: { user: 'u', pass: secrets[5] },
        note: `header was Bearer ${secrets[6]} here`,
        leaked: `key ${secrets[7]}`,
        headers: { Cookie: secrets[8] },
        keep: 'visible',
        access_token: 'x',
        security: 'y',
      },
    });
    const [row] = await rawEvents(ds, 'action = ?', ['test.redaction']);
    for (const secret of secrets) expect(row.details).not.toContain(secret);
    expect(JSON.parse(row.details)).toEqual({
      access_token: '[redacted]',
      credentials: '[redacted]',
      headers: { Cookie: '[redacted]' },
      keep: 'visible',
      leaked: 'key hrb_[redacted]',
      nested: { client_secret: '[redacted]', list: [{ accessToken: '[redacted]' }, { Authorization: '[redacted]' }] },
      note: 'header was Bearer [redacted] here',
      password: '[redacted]',
      security: '[redacted]',
      securityCode: '[redacted]',
    });
  });

  it('rejects record() and fails the request when the store fails, and recovers afterwards', async () => {
    const before = await rawEvents(ds);
    await ds.query(db.kind === 'mysql' ? 'RENAME TABLE audit_event TO audit_event_off' : 'ALTER TABLE audit_event RENAME TO audit_event_off');
    try {
      await expect(audit.record({ action: 'test.failing', outcome: 'success' })).rejects.toMatchObject({ code: 'SERVICE.UNAVAILABLE' });
      const res = await request(bridge.url)
        .post('/api/v1/clients')
        .set(admin())
        .send({ id: 'unaudited', name: 'Unaudited', scopes: ['users:query'] });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SERVICE.UNAVAILABLE');
      expect(res.body.secret).toBeUndefined();
    } finally {
      await ds.query(db.kind === 'mysql' ? 'RENAME TABLE audit_event_off TO audit_event' : 'ALTER TABLE audit_event_off RENAME TO audit_event');
    }
    await audit.record({ action: 'test.recovered', outcome: 'success' });
    const after = await rawEvents(ds);
    expect(after.map((r) => r.action)).toEqual([...before.map((r) => r.action), 'test.recovered']);
    const verify = await request(bridge.url).get('/api/v1/audit/verify').set(admin());
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('documents the review API in OpenAPI, with its security and error answers', async () => {
    const doc = (await request(bridge.url).get('/docs-json')).body as {
      paths: Record<string, Record<string, { tags: string[]; security: object[]; responses: Record<string, unknown> }>>;
    };
    const ops = [
      ['get', '/api/v1/audit/events'],
      ['get', '/api/v1/audit/events/{seq}'],
      ['get', '/api/v1/audit/export'],
      ['get', '/api/v1/audit/verify'],
      ['post', '/api/v1/audit/verify'],
      ['post', '/api/v1/audit/retention/run'],
    ] as const;
    for (const [method, path] of ops) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.tags).toEqual(['Audit']);
      expect(op.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    }
    expect(Object.keys(doc.paths['/api/v1/audit/events/{seq}'].get.responses)).toContain('404');
  });

  it('rejects an invalid event without touching the trail', async () => {
    await expect(audit.record({ action: 'not a dotted name', outcome: 'success' })).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(audit.record({ action: 'test.bad', outcome: 'maybe' as 'success' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe.each(testDatabases())('audit trail under concurrency and shutdown ($kind)', (db) => {
  afterAll(() => db.dropAll());

  it('lands every event of concurrent requests on two instances of one database, in one unbroken chain', async () => {
    const bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    // A second instance on the same database, as behind a load balancer.
    const second = await startBridge(testConfig(bridge.config.database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    const ds = await openDb(bridge.config);
    const audit = bridge.app.get(AuditService);
    try {
      const secondAudit = second.app.get(AuditService);
      const creations = Array.from({ length: 40 }, (_, i) =>
        request(i % 2 ? bridge.url : second.url)
          .post('/api/v1/clients')
          .set(admin())
          .send({ id: `conc-${i}`, name: `Concurrent ${i}`, scopes: ['users:query'] }),
      );
      const direct = Array.from({ length: 300 }, (_, i) =>
        (i % 2 ? audit : secondAudit).record({ action: 'test.concurrent', outcome: 'success', target: { type: 'n', id: String(i) } }),
      );
      const responses = await Promise.all(creations);
      await Promise.all(direct);
      expect(responses.map((r) => r.status)).toEqual(Array(40).fill(201));

      const rows = await rawEvents(ds);
      expect(
        rows
          .filter((r) => r.action === 'test.concurrent')
          .map((r) => Number(r.target_id))
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(rows.filter((r) => r.action === 'access.client.created' && r.target_id?.startsWith('conc-'))).toHaveLength(40);
      // Sequences are contiguous from 1 and each event links to its predecessor.
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      for (let i = 1; i < rows.length; i++) expect(rows[i].prev_hash).toBe(rows[i - 1].hash);

      const verify = await request(bridge.url).get('/api/v1/audit/verify').set(admin());
      expect(verify.body).toMatchObject({ ok: true, checked: rows.length, firstBroken: null, head: { seq: rows.length, hash: rows[rows.length - 1].hash } });
    } finally {
      // passport's strategy registry is process-wide (the last app's strategies win): close both, use neither afterwards.
      await ds.destroy();
      await second.close();
      await bridge.close();
    }
  });

  it('writes every queued event before the process stops', async () => {
    // A long flush interval: the events are still queued when close() is called.
    const config = testConfig(await db.create(), { audit: { flushMs: 1000 } }, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
    const bridge = await startBridge(config);
    const audit = bridge.app.get(AuditService);
    const pending = Array.from({ length: 300 }, (_, i) => audit.record({ action: 'test.shutdown', outcome: 'success', target: { type: 'n', id: String(i) } }));
    const started = Date.now();
    await bridge.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await Promise.all(pending);
    const ds = await openDb(config);
    try {
      expect(await rawEvents(ds, 'action = ?', ['test.shutdown'])).toHaveLength(300);
    } finally {
      await ds.destroy();
    }
  });
});
