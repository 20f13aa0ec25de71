import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, SAMPLE_ORGANISATION_FILE } from '#app/config';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';

/** The embedded demo (SQLite, the bundled sample): the sample people log in with DEMO_PASSWORD; nowhere else. */
describe.each(testDatabases())('demo logins ($kind)', (db) => {
  let bridge: RunningBridge;
  const login = (username: string, password: string) => request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({ username, password });

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create());
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  if (db.kind === 'sqlite') {
    it('lets a sample person in with the demo password, and no other', async () => {
      expect((await login('ethan.wilson', DEMO_PASSWORD)).body).toEqual({ status: 'success' });
      expect((await login('ethan.wilson', 'not-the-demo-password')).body).toMatchObject({ status: 'fail' });
      expect((await login('nobody.here', DEMO_PASSWORD)).body).toMatchObject({ status: 'fail' });
    });

    it('a person with a password of their own logs in with it, not with the demo password', async () => {
      const imported = await request(bridge.url)
        .post('/api/v1/auth/passwords/import')
        .set(admin)
        .send({ items: [{ username: 'pengbin', password: 'pengbin-own-password' }] });
      expect(imported.status).toBe(200);
      expect((await login('pengbin', 'pengbin-own-password')).body).toEqual({ status: 'success' });
      expect((await login('pengbin', DEMO_PASSWORD)).body).toMatchObject({ status: 'fail' });
    });
  } else {
    it('has no demo password on MySQL, even with the bundled sample', async () => {
      expect((await login('ethan.wilson', DEMO_PASSWORD)).body).toMatchObject({ status: 'fail' });
    });
  }
});

describe('no demo password with another organisation file (sqlite)', () => {
  const [db] = testDatabases();
  let bridge: RunningBridge;
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });
  it('refuses the demo password when HR_FILE is not the bundled sample', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'demo-')), 'organisation.json');
    copyFileSync(SAMPLE_ORGANISATION_FILE, file);
    bridge = await startBridgeWith(await db.create(), { env: { HR_FILE: file } });
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    const answer = await request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({ username: 'ethan.wilson', password: DEMO_PASSWORD });
    expect(answer.body).toMatchObject({ status: 'fail' });
  });
});
