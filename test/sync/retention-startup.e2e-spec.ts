import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';

describe.each(testDatabases())('start-up sync and snapshot retention ($kind)', (db) => {
  let bridge: RunningBridge;
  let file: string;

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-org-')), 'org.json');
    writeOrganisation(file, people(10));
    bridge = await startBridgeWith(await db.create(), { env: { HR_FILE: file, SYNC_ON_START: 'true', SNAPSHOT_RETENTION: '2' } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('publishes at start-up when nothing is published yet, without being asked', async () => {
    let body: { status?: string; user_info_list?: unknown[] } = {};
    for (let i = 0; i < 50 && body.status !== 'success'; i++) {
      body = (await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret)).body;
      if (body.status !== 'success') await sleep(100);
    }
    expect(body.status).toBe('success');
    expect(body.user_info_list).toHaveLength(10);
    const runs = await request(bridge.url).get('/api/v1/sync/runs').set(admin);
    expect(runs.body.items[0]).toMatchObject({ trigger: 'startup', status: 'published' });
  });

  it('keeps the newest snapshots and the published one, and what it keeps still reads whole', async () => {
    for (let n = 11; n <= 14; n++) {
      writeOrganisation(file, people(n));
      const run = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(run.body.status).toBe('published');
    }
    // Snapshots 1..5 were written; retention keeps the newest 2 (4 and 5), 5 being published.
    const list = await request(bridge.url).get('/api/v1/snapshots').set(admin);
    expect(list.body.items.map((s: { id: number }) => s.id)).toEqual([5, 4]);
    const content = await request(bridge.url).get('/api/v1/snapshots/4/content').set(admin);
    expect(content.body.user_info_list).toHaveLength(13);
    const diff = await request(bridge.url).get('/api/v1/snapshots/5/diff?against=4').set(admin);
    expect(diff.body.summary.users.added).toBe(1);
    expect((await request(bridge.url).get('/api/v1/snapshots/2').set(admin)).status).toBe(404);

    // Roll back to 4: from now on 4 is published and survives whatever comes next.
    await request(bridge.url).post('/api/v1/snapshots/4/publish').set(admin).expect(200);
    for (let n = 15; n <= 16; n++) {
      writeOrganisation(file, people(n));
      await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200);
    }
    const after = await request(bridge.url).get('/api/v1/snapshots').set(admin);
    expect(after.body.items.map((s: { id: number }) => s.id)).toEqual([7, 6]);
    const content7 = await request(bridge.url).get('/api/v1/snapshots/7/content').set(admin);
    expect(content7.body.user_info_list).toHaveLength(16);
  });
});
