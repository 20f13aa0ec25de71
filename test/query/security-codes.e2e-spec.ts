import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '#app/database';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';

// A security code is handed out against a client's secret: rotating or revoking the secret must
// end it at once, on every instance, and the new secret must get a new code.

type Client = { id: string; secret: string };
type Envelope = { status: number; message: string; result: unknown };

const USERS = '/rest/accounts/api/user/list/';

describe.each(testDatabases())('security codes follow the credential they were issued under ($kind)', (db) => {
  let file: string;

  const env = (extra: NodeJS.ProcessEnv = {}) => ({ HR_SOURCE: 'file', HR_FILE: file, ...extra });
  const codeOf = async (bridge: RunningBridge, c: Client): Promise<Envelope> => {
    const res = await request(bridge.url).get('/accounts/api/security/get/').auth(c.id, c.secret);
    expect(res.status).toBe(200);
    return res.body as Envelope;
  };
  const code = async (bridge: RunningBridge, c: Client): Promise<string> => {
    const answer = await codeOf(bridge, c);
    expect(answer.status, JSON.stringify(answer)).toBe(200);
    return (answer.result as { security: string }).security;
  };
  const list = async (bridge: RunningBridge, security: string): Promise<Envelope> => {
    const res = await request(bridge.url).post(USERS).send({ omflow_restapi: 1, security, limit: 1 });
    expect(res.status).toBe(200);
    return res.body as Envelope;
  };
  const ended = { status: 403, result: null, message: expect.stringMatching(/"security" code/) };

  beforeAll(() => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-codes-')), 'org.json');
    writeOrganisation(file, people(5));
  });
  afterAll(() => db.dropAll());

  describe('two instances on one database', () => {
    let database: DatabaseConfig;
    let a: RunningBridge;
    let b: RunningBridge;
    const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const createClient = async (id: string): Promise<Client> => {
      const res = await request(a.url)
        .post('/api/v1/clients')
        .set(admin)
        .send({ id, name: id, scopes: ['users:query'] });
      expect(res.status).toBe(201);
      return { id, secret: String(res.body.secret) };
    };

    beforeAll(async () => {
      database = await db.create();
      a = await startBridge(testConfig(database, {}, env({ BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN })));
      b = await startBridge(testConfig(database, {}, env({ BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN })));
      expect((await request(a.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    });
    afterAll(async () => {
      // passport's strategy registry is process-wide (the last app's strategies win): close both.
      await b?.close();
      await a?.close();
    });

    it('ends the codes of a rotated client on both instances; the new secret gets a new code', async () => {
      const tool = await createClient('rotated-tool');
      const old = await code(a, tool);
      expect((await list(b, old)).status).toBe(200);

      const rotated = await request(b.url).post(`/api/v1/clients/${tool.id}/rotate`).set(admin);
      expect(rotated.status).toBe(200);
      expect(await list(a, old)).toMatchObject(ended);
      expect(await list(b, old)).toMatchObject(ended);
      expect(await codeOf(a, tool)).toMatchObject({ status: 403, message: 'User does not exist or is not enabled.' });

      const renewed = { id: tool.id, secret: String(rotated.body.secret) };
      const fresh = await code(a, renewed);
      expect(fresh).not.toBe(old);
      expect((await list(b, fresh)).status).toBe(200);
      expect(await code(b, renewed)).toBe(fresh); // one live code per client, as before
      expect(await list(a, old)).toMatchObject(ended);
    });

    it('ends the codes of a revoked client on both instances', async () => {
      const doomed = await createClient('revoked-tool');
      const held = await code(b, doomed);
      expect((await list(a, held)).status).toBe(200);
      expect((await request(a.url).post(`/api/v1/clients/${doomed.id}/revoke`).set(admin)).status).toBe(200);
      expect(await list(b, held)).toMatchObject(ended);
      expect(await list(a, held)).toMatchObject(ended);
      expect(await codeOf(b, doomed)).toMatchObject({ status: 403 });
    });
  });

  describe('clients declared by the environment', () => {
    // BRIDGE_ADMIN_TOKEN declares the client "admin", whose scope implies users:query.
    const first = { id: 'admin', secret: 'first-admin-token-0123456789abcdef' };
    const second = { id: 'admin', secret: 'second-admin-token-0123456789abcdef' };
    let database: DatabaseConfig;
    let bridge: RunningBridge;
    const restart = async (extra: NodeJS.ProcessEnv) => {
      await bridge?.close();
      bridge = await startBridge(testConfig(database, {}, env(extra)));
    };

    beforeAll(async () => {
      database = await db.create();
      await restart({ BRIDGE_ADMIN_TOKEN: first.secret });
      const auth = { Authorization: `Bearer ${first.secret}` };
      expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(auth).send({})).body.status).toBe('published');
      // Another admin, so that no admin token is generated while BRIDGE_ADMIN_TOKEN is unset.
      expect(
        (
          await request(bridge.url)
            .post('/api/v1/clients')
            .set(auth)
            .send({ id: 'ops', name: 'Ops', scopes: ['admin'] })
        ).status,
      ).toBe(201);
    });
    afterAll(() => bridge?.close());

    it('ends a code when the environment replaces the secret at a restart', async () => {
      const old = await code(bridge, first);
      await restart({ BRIDGE_ADMIN_TOKEN: second.secret });
      expect(await list(bridge, old)).toMatchObject(ended);
      const fresh = await code(bridge, second);
      expect(fresh).not.toBe(old);
      expect((await list(bridge, fresh)).status).toBe(200);
    });

    it('keeps a code ended when a revoked client is declared again with the same secret', async () => {
      const held = await code(bridge, second);
      await restart({}); // no longer declared: revoked
      expect(await list(bridge, held)).toMatchObject(ended);
      await restart({ BRIDGE_ADMIN_TOKEN: second.secret }); // declared again, same secret
      expect(await list(bridge, held)).toMatchObject(ended);
      const fresh = await code(bridge, second);
      expect(fresh).not.toBe(held);
      expect((await list(bridge, fresh)).status).toBe(200);
    });
  });
});
