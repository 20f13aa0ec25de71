import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestSecret } from '#app/access';
import { buildDataSourceOptions, type DatabaseConfig } from '#app/database';
import { startBridge, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';

const TOKEN_IN_BANNER = /^ {3}(hrb_[A-Za-z0-9_-]{43})$/m;

/** Starts a bridge on `database` with the given environment, runs `fn`, and stops it. */
async function withBridge<T>(database: DatabaseConfig, env: NodeJS.ProcessEnv, fn: (bridge: RunningBridge) => Promise<T>): Promise<T> {
  const bridge = await startBridge(testConfig(database, {}, env));
  try {
    return await fn(bridge);
  } finally {
    await bridge.close();
  }
}

async function clientRows(database: DatabaseConfig): Promise<Record<string, unknown>[]> {
  const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
  try {
    return await ds.query('SELECT * FROM api_client ORDER BY id');
  } finally {
    await ds.destroy();
  }
}

const whoami = (bridge: RunningBridge, token: string) => request(bridge.url).get('/api/v1/whoami').set('Authorization', `Bearer ${token}`);

describe.each(testDatabases())('the first admin credential on $kind', (db) => {
  let database: DatabaseConfig;
  let generated: string;

  beforeAll(async () => {
    database = await db.create();
  });
  afterAll(() => db.dropAll());

  it('is generated on the first start without BRIDGE_ADMIN_TOKEN, printed once through the sink, and works as a bearer token', async () => {
    await withBridge(database, {}, async (bridge) => {
      expect(bridge.printed).toHaveLength(1);
      const match = TOKEN_IN_BANNER.exec(bridge.printed[0]);
      expect(match, bridge.printed[0]).not.toBeNull();
      generated = match![1]!;
      const res = await whoami(bridge, generated);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ clientId: 'admin', scopes: ['admin'], via: 'bearer' });
      expect((await request(bridge.url).get('/api/v1/clients').set('Authorization', `Bearer ${generated}`)).status).toBe(200);
    });
  });

  it('is stored only as its SHA-256 digest', async () => {
    const rows = await clientRows(database);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'admin', secret_digest: digestSecret(generated), managed_by: 'bootstrap' });
    expect(JSON.stringify(rows)).not.toContain(generated);
    expect(JSON.stringify(rows)).not.toContain(generated.slice(4));
  });

  it('is not printed again on a second start against the same database, and still works', async () => {
    await withBridge(database, {}, async (bridge) => {
      expect(bridge.printed).toEqual([]);
      expect((await whoami(bridge, generated)).status).toBe(200);
    });
  });

  it('is replaced by BRIDGE_ADMIN_TOKEN: the configured token works, the generated one no longer does, nothing is printed', async () => {
    const configured = 'configured-admin-token-0123456789abcdefghij';
    await withBridge(database, { BRIDGE_ADMIN_TOKEN: configured }, async (bridge) => {
      expect(bridge.printed).toEqual([]);
      expect((await whoami(bridge, configured)).body).toMatchObject({ clientId: 'admin', scopes: ['admin'] });
      expect((await whoami(bridge, generated)).status).toBe(401);
    });
    const rows = await clientRows(database);
    expect(rows).toEqual([expect.objectContaining({ id: 'admin', secret_digest: digestSecret(configured), managed_by: 'env', revoked_at: null })]);
    expect(JSON.stringify(rows)).not.toContain(configured);
  });
});

describe.each(testDatabases())('clients provisioned from the environment on $kind', (db) => {
  const admin = 'env-admin-token-0123456789abcdefghijklmnop';
  const omflow = { OMFLOW_CLIENT_ID: 'omflow-prod', OMFLOW_CLIENT_SECRET: 'omflow-secret-0123456789' };
  let database: DatabaseConfig;

  beforeAll(async () => {
    database = await db.create();
  });
  afterAll(() => db.dropAll());

  it('provisions OMFLOW_CLIENT_ID / OMFLOW_CLIENT_SECRET as an HTTP Basic client with the omflow scope', async () => {
    await withBridge(database, { BRIDGE_ADMIN_TOKEN: admin, ...omflow }, async (bridge) => {
      const res = await request(bridge.url).get('/api/v1/whoami').auth(omflow.OMFLOW_CLIENT_ID, omflow.OMFLOW_CLIENT_SECRET);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ clientId: 'omflow-prod', scopes: ['omflow'], via: 'basic' });
    });
  });

  it('changes the secret when the variable changes', async () => {
    const changed = { ...omflow, OMFLOW_CLIENT_SECRET: 'omflow-secret-rotated-987654' };
    await withBridge(database, { BRIDGE_ADMIN_TOKEN: admin, ...changed }, async (bridge) => {
      expect((await request(bridge.url).get('/api/v1/whoami').auth(omflow.OMFLOW_CLIENT_ID, omflow.OMFLOW_CLIENT_SECRET)).status).toBe(401);
      expect((await request(bridge.url).get('/api/v1/whoami').auth(changed.OMFLOW_CLIENT_ID, changed.OMFLOW_CLIENT_SECRET)).status).toBe(200);
    });
  });

  it('revokes an environment-managed client at the next start once its variables disappear', async () => {
    await withBridge(database, { BRIDGE_ADMIN_TOKEN: admin }, async (bridge) => {
      expect((await request(bridge.url).get('/api/v1/whoami').auth(omflow.OMFLOW_CLIENT_ID, 'omflow-secret-rotated-987654')).status).toBe(401);
      const listed = await request(bridge.url).get('/api/v1/clients/omflow-prod').set('Authorization', `Bearer ${admin}`);
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ id: 'omflow-prod', managedBy: 'env', revokedAt: expect.any(String) });
      // The admin token itself is still declared, so it keeps working.
      expect((await whoami(bridge, admin)).status).toBe(200);
    });
  });

  it('revokes the environment admin when BRIDGE_ADMIN_TOKEN disappears, and generates a new admin (printed once)', async () => {
    await withBridge(database, {}, async (bridge) => {
      expect((await whoami(bridge, admin)).status).toBe(401);
      expect(bridge.printed).toHaveLength(1);
      const token = TOKEN_IN_BANNER.exec(bridge.printed[0])![1];
      expect((await whoami(bridge, token)).body).toMatchObject({ clientId: 'admin', scopes: ['admin'] });
    });
  });
});
