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
    const env = { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...emulator.bridgeEnv() };
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
});
