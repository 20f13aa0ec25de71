import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';

/**
 * A snapshot is written in short transactions, its snapshot row last. A write that stopped
 * half-way (a crash between two of them, a failure) leaves versions opened and closed for a
 * snapshot that was never recorded: the next run undoes them before it reads the chain.
 */
describe.each(testDatabases())('a snapshot write stopped half-way ($kind)', (db) => {
  let bridge: RunningBridge;
  let file: string;
  let data: DataSource;

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'bridge-org-')), 'org.json');
    writeOrganisation(file, people(10));
    bridge = await startBridgeWith(await db.create(), { env: { HR_FILE: file } });
    data = bridge.app.get(DataSource);
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('is undone by the next run, which writes and publishes the whole organisation', async () => {
    expect((await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body.status).toBe('published');
    const [{ id: last }] = await data.query<{ id: number }[]>('SELECT MAX(id) AS id FROM snapshot');
    const unrecorded = Number(last) + 1;
    const persons = (await data.query<{ id: number }[]>('SELECT id FROM person ORDER BY id')).map((r) => Number(r.id));
    expect(persons).toHaveLength(10);

    // What a write of the next snapshot leaves when it stops before its snapshot row: two
    // people's versions closed, a new version opened for one of them.
    await data.query(`UPDATE user_version SET to_snapshot = ? WHERE to_snapshot IS NULL AND person_id IN (?, ?)`, [unrecorded, persons[0], persons[1]]);
    const [row] = await data.query<Record<string, unknown>[]>('SELECT * FROM user_version WHERE person_id = ? AND to_snapshot = ?', [persons[0], unrecorded]);
    const columns = Object.keys(row).filter((c) => c !== 'id');
    const values = columns.map((c) =>
      c === 'from_snapshot' ? unrecorded : c === 'to_snapshot' ? null : c === 'hash' ? 'half-written' : c === 'nick_name' ? 'Half Written' : row[c],
    );
    await data.query(`INSERT INTO user_version (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, values);

    writeOrganisation(file, people(11));
    const run = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(run.body.status).toBe('published');
    expect(run.body.snapshotId).toBe(unrecorded);
    // Only the newcomer is new: the two people whose versions the stopped write closed are unchanged.
    expect(run.body.counts.writtenRows).toBe(1);
    expect(await data.query("SELECT id FROM user_version WHERE hash = 'half-written'")).toEqual([]);
    const open = await data.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM user_version WHERE to_snapshot IS NULL');
    expect(Number(open[0].n)).toBe(11);

    const sync = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
    const users = (sync.body as { user_info_list: { username: string; nick_name: string }[] }).user_info_list;
    expect(users.map((u) => u.username).sort()).toEqual(
      people(11)
        .map((p) => p.username)
        .sort(),
    );
    expect(users.some((u) => u.nick_name === 'Half Written')).toBe(false);
    const content = await request(bridge.url).get(`/api/v1/snapshots/${last}/content`).set(admin);
    expect(content.body.user_info_list).toHaveLength(10);

    // And nothing changed since: the next run writes nothing.
    const again = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(again.body.status).toBe('unchanged');
    expect(again.body.counts.writtenRows).toBe(0);
  });
});
