import { Writable } from 'node:stream';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, migrations } from '#app/database';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';

/**
 * Two instances starting at once on one empty MySQL database both come up at the first attempt:
 * migrations run under a database lock (without it they raced to create the same tables, and one
 * start survived only by the connection retry, which logs as TypeOrmModule).
 */
describe.each(testDatabases().filter((db) => db.kind === 'mysql'))('two instances starting at once on one empty database ($kind)', (db) => {
  const bridges: RunningBridge[] = [];
  afterAll(async () => {
    await Promise.all(bridges.map((b) => b.close()));
    await db.dropAll();
  });

  it('both come up, each migration applied once, no start retried', async () => {
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    });
    const database = await db.create();
    const started = await Promise.all([0, 1].map(() => startBridgeWith(database, { env: { LOG_LEVEL: 'error' }, logDestination: sink })));
    bridges.push(...started);
    for (const bridge of started) expect((await request(bridge.url).get('/api/v1/whoami').set(admin)).status).toBe(200);
    expect(logged.filter((line) => /TypeOrmModule|Unable to connect|migration/i.test(line))).toEqual([]);
    const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
    try {
      const rows: { name: string }[] = await ds.query('SELECT name FROM schema_migrations');
      expect(rows).toHaveLength(migrations.length);
      expect(new Set(rows.map((r) => r.name)).size).toBe(migrations.length);
    } finally {
      await ds.destroy();
    }
  });
});
