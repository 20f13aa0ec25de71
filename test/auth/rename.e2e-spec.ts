import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';
import { admin, startAuthBridge, type AuthBridge } from './helpers.js';

describe.each(testDatabases())('a password follows an accepted rename ($kind)', (db) => {
  let bridge: AuthBridge;

  beforeAll(async () => {
    bridge = await startAuthBridge(await db.create(), people(5));
  });
  afterAll(async () => {
    await bridge?.stop();
    await db.dropAll();
  });

  it('moves the password to the new username once the rename is published', async () => {
    expect((await bridge.setPassword('user3', 'Correct-Horse-1')).status).toBe(200);
    expect((await bridge.login('user3', 'Correct-Horse-1')).body).toEqual({ status: 'success' });

    const renamed = people(5);
    renamed[2] = { ...renamed[2], username: 'user3.new' };
    writeOrganisation(bridge.file, renamed);
    const held = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(held.body.status).toBe('held');
    await request(bridge.url)
      .post(`/api/v1/sync/runs/${held.body.id}/approve`)
      .set(admin)
      .send({ renames: { p3: 'accept' } })
      .expect(200);

    expect((await bridge.login('user3.new', 'Correct-Horse-1')).body).toEqual({ status: 'success' });
    expect((await bridge.login('user3', 'Correct-Horse-1')).body.status).toBe('fail');
    const events = await bridge.events('auth.password.renamed');
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0].details)).toMatchObject({ from: 'user3', to: 'user3.new' });
  });
});
