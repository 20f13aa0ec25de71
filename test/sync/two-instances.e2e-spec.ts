import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '#app/database';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

// Several instances share one MySQL-compatible database in production. (SQLite is the embedded,
// single-instance default: one process owns the file.)
const mysql = testDatabases().filter((db) => db.kind === 'mysql');

describe.runIf(mysql.length > 0)('two bridge instances on one MySQL database', () => {
  const db = mysql[0];
  let emulator: RunningEmulator;
  let bridges: RunningBridge[];

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 300, departments: 30, seed: 7, faults: { latency_ms: 20 } });
    const database = await db.create();
    // Pages of 5: a read of some 80 pages, that the progress test slows down page by page.
    const env = { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '5' }) };
    bridges = [await startBridge(testConfig(database, {}, env)), await startBridge(testConfig(database, {}, env))];
  });
  afterAll(async () => {
    for (const bridge of bridges ?? []) await bridge.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('never runs two syncs at once: the other instance answers the run in progress (202 + its Location)', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        request(bridges[i % 2].url)
          .post('/api/v1/sync/runs?wait=true')
          .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
          .send({}),
      ),
    );
    const statuses = attempts.map((r) => r.status);
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    const finished = attempts.filter((r) => r.status === 200).map((r) => r.body.id as number);
    for (const joined of attempts.filter((r) => r.status === 202)) {
      expect(joined.body.status).toBe('running');
      expect(joined.headers.location).toBe(`/api/v1/sync/runs/${joined.body.id}`);
      expect(finished).toContain(joined.body.id);
    }

    const ds = await new DataSource(buildDataSourceOptions(bridges[0].config.database)).initialize();
    try {
      const runs: { started_at: Date; finished_at: Date; instance_id: string }[] = await ds.query(
        'SELECT started_at, finished_at, instance_id FROM sync_run ORDER BY started_at',
      );
      expect(runs.length).toBeGreaterThan(0);
      for (let i = 1; i < runs.length; i++) expect(runs[i].started_at.getTime()).toBeGreaterThanOrEqual(runs[i - 1].finished_at.getTime());
      const snapshots: { n: number }[] = await ds.query('SELECT COUNT(*) AS n FROM snapshot');
      expect(Number(snapshots[0].n)).toBe(1);
    } finally {
      await ds.destroy();
    }
  });

  it("answers a run's progress on the other instance from the run's row while the first runs it", async () => {
    const auth = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    await request(emulator.url).put('/_emulator/faults').send({ latency_ms: 300 }).expect(200);
    try {
      const started = await request(bridges[0].url).post('/api/v1/sync/runs').set(auth).send({});
      expect(started.status).toBe(202);
      const id = started.body.id as number;
      // It runs on the first instance only (`running`: a run in progress on this instance).
      expect((await request(bridges[0].url).get('/api/v1/sync/status').set(auth).expect(200)).body.running).toBe(true);
      expect((await request(bridges[1].url).get('/api/v1/sync/status').set(auth).expect(200)).body.running).toBe(false);
      type Progress = { phase: string; items: { pages: { done: number }; employees: { done: number } }; elapsedMs: number; updatedAt: string };
      const seen: Progress[] = [];
      let ended: { status: string; progress: Progress } | null = null;
      for (let i = 0; i < 600 && !ended; i++) {
        const other = await request(bridges[1].url).get(`/api/v1/sync/runs/${id}`).set(auth).expect(200);
        if (other.body.status !== 'running') ended = other.body;
        else if (other.body.progress) seen.push(other.body.progress as Progress);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(ended?.status).toBe('unchanged');
      expect(ended?.progress.phase).toBe('done');
      // The second instance knows the run only from its row, written every 2 s by the first:
      // several distinct readings, moving forward through the read.
      const distinct = [...new Map(seen.map((p) => [p.updatedAt, p])).values()];
      expect(distinct.length).toBeGreaterThanOrEqual(3);
      const reading = distinct.filter((p) => p.phase === 'read');
      expect(reading.length).toBeGreaterThanOrEqual(2);
      expect(reading.at(-1)!.items.pages.done).toBeGreaterThan(reading[0].items.pages.done);
      for (let i = 1; i < distinct.length; i++) expect(distinct[i].elapsedMs).toBeGreaterThan(distinct[i - 1].elapsedMs);

    } finally {
      await request(emulator.url).put('/_emulator/faults').send({ latency_ms: 20 }).expect(200);
    }
  });
});
