import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, OMFLOW, OMFLOW_BASIC, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation, type TestPerson } from '../support/organisation.js';

describe.each(testDatabases())('sync from a file source ($kind)', (db) => {
  let bridge: RunningBridge;
  let file: string;

  const runSync = async (body: Record<string, unknown> = {}) => {
    const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send(body);
    expect(res.status).toBe(200);
    return res.body;
  };
  const pull = async () => {
    const res = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
    expect(res.status).toBe(200);
    return res.body;
  };
  const write = (persons: TestPerson[]) => writeOrganisation(file, persons);

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-org-')), 'org.json');
    write(people(30));
    bridge = await startBridgeWith(await db.create(), {
      env: { HR_SOURCE: 'file', HR_FILE: file, GUARD_MAX_USER_REMOVALS: '5', GUARD_MAX_USER_REMOVAL_PERCENT: '20' },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('refuses /sync without the right Basic credentials, with a challenge', async () => {
    const none = await request(bridge.url).post('/sync');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
    const wrong = await request(bridge.url).post('/sync').auth(OMFLOW.id, 'wrong-secret-000000');
    expect(wrong.status).toBe(401);
    const admin401 = await request(bridge.url).post('/sync').set(admin);
    expect(admin401.status).toBe(401);
  });

  it('answers fail before the first publish, never an empty organisation', async () => {
    const body = await pull();
    expect(body.status).toBe('fail');
    expect(body.message).toMatch(/No snapshot has been published/);
    expect(body.user_info_list).toBeUndefined();
  });

  it('publishes the first sync and serves it in the seed shape', async () => {
    const run = await runSync();
    expect(run.error).toBeNull();
    expect(run).toMatchObject({ status: 'published', snapshotId: 1, counts: { read: 30, users: 30, groups: 4, excluded: 0 } });
    expect(run.diffSummary.users.added).toBe(30);
    const body = await pull();
    expect(body.status).toBe('success');
    expect(body.user_info_list).toHaveLength(30);
    expect(body.user_info_list[0]).toEqual({
      username: 'user1',
      email: 'user1@acme.test',
      nick_name: 'user1',
      ad_no: 'SN-p1',
      company: 'ACME',
      phone1: '',
      phone2: '13800000000',
      extension_no: '',
      gender: 'male',
    });
    const web = body.group_info_list.find((g: { group_no: string }) => g.group_no === 'rd-web');
    expect(web).toEqual({
      display_name: 'Web',
      group_no: 'rd-web',
      parent_group_no: 'rd',
      user_list: ['user2', 'user5', 'user8', 'user11', 'user14', 'user17', 'user20', 'user23', 'user26', 'user29'],
    });
    expect(body.group_info_list.find((g: { group_no: string }) => g.group_no === 'root').parent_group_no).toBe('');
  });

  it('serves gzip when accepted, with the snapshot id and an ETag', async () => {
    // undici does not decompress on its own, so the bytes on the wire are what we read.
    const res = await undiciRequest(`${bridge.url}/sync`, {
      method: 'POST',
      headers: { authorization: OMFLOW_BASIC, 'accept-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['x-snapshot-id']).toBe('1');
    expect(res.headers.etag).toMatch(/^"/);
    const json = JSON.parse(gunzipSync(Buffer.from(await res.body.arrayBuffer())).toString('utf8'));
    expect(json.user_info_list).toHaveLength(30);
  });

  it('answers 304 to a pull that already has the published snapshot (If-None-Match)', async () => {
    const first = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
    const again = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret).set('If-None-Match', first.headers.etag);
    expect(again.status).toBe(304);
    const stale = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret).set('If-None-Match', '"something-else"');
    expect(stale.status).toBe(200);
  });

  it('finds nothing to write when nothing changed', async () => {
    const run = await runSync();
    expect(run.status).toBe('unchanged');
    expect(run.snapshotId).toBe(1);
    expect(run.counts.writtenRows).toBe(0);
    const snapshots = await request(bridge.url).get('/api/v1/snapshots').set(admin);
    expect(snapshots.body.total).toBe(1);
  });

  it('reflects hires, moves and resignations in the next snapshot, writing rows only for them', async () => {
    const next = people(30);
    next.push({ userId: 'p31', username: 'user31', departments: ['sales'] }); // hire
    next[0] = { ...next[0], departments: ['sales'] }; // move (was rd)
    next[1] = { ...next[1], locked: true }; // resignation: locked employees are left out
    write(next);
    const run = await runSync();
    expect(run.status).toBe('published');
    expect(run.snapshotId).toBe(2);
    expect(run.diffSummary).toEqual({ users: { added: 1, removed: 1, changed: 1 }, groups: { added: 0, removed: 0, changed: 0 }, renames: 0, moves: 1 });
    expect(run.counts.excluded).toBe(1);
    // 1 new version + 1 closed (move) + 1 closed (leaver) + 1 new (hire) = 4 rows
    expect(run.counts.writtenRows).toBe(4);
    const body = await pull();
    const names = body.user_info_list.map((u: { username: string }) => u.username);
    expect(names).toContain('user31');
    expect(names).not.toContain('user2');
    const diff = await request(bridge.url).get('/api/v1/snapshots/2/diff').set(admin);
    expect(diff.status).toBe(200);
    expect(diff.body.diff.users.changed[0].fields).toEqual([{ field: 'groups', before: ['rd'], after: ['sales'] }]);
  });

  it('holds a rename (same directory id, new username) and publishes it only once decided', async () => {
    const next = people(30);
    next.push({ userId: 'p31', username: 'user31', departments: ['sales'] });
    next[0] = { ...next[0], departments: ['sales'] };
    next[1] = { ...next[1], locked: true };
    next[2] = { ...next[2], username: 'user3-renamed' };
    write(next);
    const run = await runSync();
    expect(run.status).toBe('held');
    expect(run.holdReasons.map((h: { kind: string }) => h.kind)).toEqual(['renames']);
    expect(run.diff.sample.renames).toEqual([{ key: 'p3', from: 'user3', to: 'user3-renamed' }]);
    expect((await pull()).user_info_list.map((u: { username: string }) => u.username)).toContain('user3');

    const unclear = await request(bridge.url)
      .post(`/api/v1/sync/runs/${run.id}/approve`)
      .set(admin)
      .send({ renames: { p3: 'maybe' } });
    expect(unclear.status).toBe(400);
    expect(unclear.body.error.fields[0]).toMatchObject({ field: 'renames', problems: ['each decision in renames must be "keep" or "accept"'] });
    const unknown = await request(bridge.url)
      .post(`/api/v1/sync/runs/${run.id}/approve`)
      .set(admin)
      .send({ renames: { nobody: 'keep' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/no rename for nobody/);
    const approved = await request(bridge.url)
      .post(`/api/v1/sync/runs/${run.id}/approve`)
      .set(admin)
      .send({ renames: { p3: 'keep' }, note: 'keep the account' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('published');
    const names = (await pull()).user_info_list.map((u: { username: string }) => u.username);
    expect(names).toContain('user3');
    expect(names).not.toContain('user3-renamed');
    // The decision sticks: the next run finds nothing new.
    expect((await runSync()).status).toBe('unchanged');
  });

  it('holds a mass removal, keeps serving the published snapshot, and publishes only after approval', async () => {
    const before = await pull();
    write(people(20)); // removes 11 people: over min(5, 20%)
    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.holdReasons[0]).toMatchObject({ kind: 'user-removals', count: 11, limit: 5 });
    expect(await pull()).toEqual(before);

    const wrongState = await request(bridge.url).post(`/api/v1/sync/runs/${held.id}/reject`).set(admin).send({ note: 'directory outage' });
    expect(wrongState.body.status).toBe('rejected');
    expect(await pull()).toEqual(before);
    const again = await request(bridge.url).post(`/api/v1/sync/runs/${held.id}/approve`).set(admin).send({});
    expect(again.status).toBe(409);

    const heldAgain = await runSync();
    expect(heldAgain.status).toBe('held');
    const approved = await request(bridge.url).post(`/api/v1/sync/runs/${heldAgain.id}/approve`).set(admin).send({});
    expect(approved.body.status).toBe('published');
    expect((await pull()).user_info_list).toHaveLength(20);
  });

  it('computes a dry run without writing or publishing', async () => {
    const snapshotsBefore = (await request(bridge.url).get('/api/v1/snapshots').set(admin)).body.total;
    write(people(21));
    const run = await runSync({ dryRun: true });
    expect(run.status).toBe('dry-run');
    expect(run.diffSummary.users.added).toBe(1);
    expect(run.snapshotId).toBeNull();
    expect((await request(bridge.url).get('/api/v1/snapshots').set(admin)).body.total).toBe(snapshotsBefore);
  });

  it('rolls back by publishing an older snapshot', async () => {
    const res = await request(bridge.url).post('/api/v1/snapshots/1/publish').set(admin);
    expect(res.status).toBe(200);
    const body = await pull();
    expect(body.user_info_list).toHaveLength(30);
    expect(body.user_info_list.map((u: { username: string }) => u.username)).toContain('user2');
    const status = await request(bridge.url).get('/api/v1/sync/status').set(admin);
    expect(status.body).toMatchObject({ publishedSnapshotId: 1, lastPullClient: 'omflow' });
  });

  it('says in /health and /metrics what is published and when OMFLOW last pulled', async () => {
    const health = await request(bridge.url).get('/health');
    expect(health.status).toBe(200);
    expect(health.body.sync.publishedSnapshotId).toBe(1);
    expect(health.body.omflow.lastPullAt).not.toBeNull();
    expect(health.body.omflow.stale).toBe(false);
    const metrics = await request(bridge.url).get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^bridge_published_snapshot_id 1$/m);
    expect(metrics.text).toMatch(/^bridge_omflow_last_pull_timestamp_seconds [1-9]\d+/m);
    expect(metrics.text).toMatch(/^bridge_omflow_pull_stale 0$/m);
  });

  it('answers 404 for unknown runs and snapshots, and 400 for bad bodies', async () => {
    expect((await request(bridge.url).get('/api/v1/sync/runs/9999').set(admin)).body.error.code).toBe('RESOURCE.NOT_FOUND');
    expect((await request(bridge.url).get('/api/v1/snapshots/9999').set(admin)).status).toBe(404);
    expect((await request(bridge.url).get('/api/v1/snapshots/abc').set(admin)).body.error.code).toBe('REQUEST.INVALID');
    expect((await request(bridge.url).get('/api/v1/sync/runs?status=done').set(admin)).body.error.fields[0].field).toBe('status');
    const bad = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({ dryRun: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].field).toBe('dryRun');
  });
});
