import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, toSqlDateTime, type DatabaseConfig } from '#app/database';
import { admin, OMFLOW, startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { people, writeOrganisation } from '../support/organisation.js';
import {
  bridgeBuilt,
  databaseEnv,
  freePort,
  killProcess,
  launchBridgeProcess,
  runUntilCrash,
  startBridgeProcess,
  waitUntilReady,
  type BridgeProcess,
} from '../support/process.js';

/** The pid of a process that has exited (and been reaped): no process has it now. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid;
}
const built = bridgeBuilt('test/sync/crash-recovery.e2e-spec.ts');
/** Tests that start bridge processes: each start costs seconds on a busy machine. */
const CHILD_TEST_MS = 120_000;

interface Run {
  id: number;
  status: string;
  failureReason: string | null;
  error: string | null;
  snapshotId: number | null;
  instanceId?: string;
}

async function runs(url: string): Promise<Run[]> {
  const res = await request(url).get('/api/v1/sync/runs').set(admin);
  expect(res.status).toBe(200);
  return res.body.items as Run[];
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function auditEvents(
  url: string,
  query: Record<string, string>,
): Promise<{ action: string; outcome: string; target: { id: string } | null; details: Record<string, unknown> }[]> {
  const res = await request(url)
    .get('/api/v1/audit/events')
    .query({ limit: '200', ...query })
    .set(admin);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Every snapshot that was ever published has its `sync.snapshot.published` event, and the chain verifies. */
async function expectPublishesAudited(url: string, database: DatabaseConfig): Promise<number> {
  const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
  let published: number[];
  try {
    published = (await ds.query<{ id: number }[]>('SELECT id FROM snapshot WHERE published_at IS NOT NULL')).map((r) => Number(r.id));
  } finally {
    await ds.destroy();
  }
  expect(published.length).toBeGreaterThan(0);
  const events = await auditEvents(url, { action: 'sync.snapshot.published' });
  for (const id of published)
    expect(
      events.map((e) => e.target?.id),
      `publish of snapshot ${id} audited`,
    ).toContain(String(id));
  const verify = await request(url).get('/api/v1/audit/verify').set(admin);
  expect(verify.body.ok).toBe(true);
  return published.length;
}

/**
 * The process is killed (`kill -9`) in the middle of a run, or at a named point just after a
 * commit (the SYNC_TEST_CRASH_AT test hook), and started again on the same database.
 */
describe.skipIf(!built).each(testDatabases())('crash recovery of the bridge process ($kind)', (db) => {
  let emulator: RunningEmulator;
  const children: BridgeProcess[] = [];
  const dirs: string[] = [];

  const workdir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-crash-'));
    dirs.push(dir);
    return dir;
  };
  const launch = (cwd: string, env: NodeJS.ProcessEnv) => launchBridgeProcess(cwd, env, children);
  const faults = (settings: Record<string, number>) => request(emulator.url).put('/_emulator/faults').send(settings).expect(200);

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 300, departments: 30, seed: 11 });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await killProcess(child);
    await faults({});
  });
  afterAll(async () => {
    await emulator?.close();
    await db.dropAll();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    'kill -9 in the middle of a run: the next start fails that run as interrupted, and a new run starts at once',
    async () => {
      const database = await db.create();
      const cwd = workdir();
      const env = { ...databaseEnv(database), ...emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '10' }) };
      await faults({ latency_ms: 300 });

      const first = await launch(cwd, env);
      const pending = fetch(`${first.url}/api/v1/sync/runs?wait=true`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: '{}' }).catch(
        () => null,
      );
      const running = await eventually('a running run', async () => (await runs(first.url)).find((r) => r.status === 'running'));
      await sleep(300); // inside the read of the directory
      first.child.child.kill('SIGKILL');
      expect((await first.child.exited).signal).toBe('SIGKILL');
      await pending;
      await faults({});

      const second = await launch(cwd, env);
      const before = (await runs(second.url)).find((r) => r.id === running.id);
      expect(before).toMatchObject({ status: 'failed', failureReason: 'interrupted' });
      expect(before?.error).toMatch(/interrupted/i);
      const failed = await auditEvents(second.url, { action: 'sync.run.failed', targetId: String(running.id) });
      expect(failed).toHaveLength(1);
      expect(failed[0].details).toMatchObject({ reason: 'interrupted' });

      const next = await request(second.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(next.status).toBe(200);
      expect(next.body.status).toBe('published');
      expect(await expectPublishesAudited(second.url, database)).toBe(1);
    },
    CHILD_TEST_MS,
  );

  it(
    'a crash just after the snapshot is written: nothing is published, and the next run publishes it',
    async () => {
      const database = await db.create();
      const cwd = workdir();
      const file = join(cwd, 'org.json');
      writeOrganisation(file, people(12));
      const env = { ...databaseEnv(database), HR_FILE: file };

      const first = await launch(cwd, { ...env, SYNC_TEST_CRASH_AT: 'after-write' });
      // The process died before answering.
      expect(await runUntilCrash(first)).toMatchObject({ answered: false, exit: { signal: 'SIGKILL' } });

      const second = await launch(cwd, env);
      const sync = await request(second.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
      expect(sync.body.status).toBe('fail'); // never half-published
      const [crashed] = await runs(second.url);
      expect(crashed).toMatchObject({ status: 'failed', failureReason: 'interrupted' });

      const next = await request(second.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(next.status).toBe(200);
      expect(next.body.status).toBe('published');
      expect((await request(second.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret)).body.user_info_list).toHaveLength(12);
      await expectPublishesAudited(second.url, database);
    },
    CHILD_TEST_MS,
  );

  it(
    'a crash just after the publish commits: the served snapshot has its publish and run audit events',
    async () => {
      const database = await db.create();
      const cwd = workdir();
      const file = join(cwd, 'org.json');
      writeOrganisation(file, people(10));
      const env = { ...databaseEnv(database), HR_FILE: file };

      const first = await launch(cwd, { ...env, SYNC_TEST_CRASH_AT: 'after-publish' });
      await fetch(`${first.url}/api/v1/sync/runs?wait=true`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: '{}' }).catch(() => null);
      expect((await first.child.exited).signal).toBe('SIGKILL');

      const second = await launch(cwd, env);
      const served = await request(second.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
      expect(served.body.status).toBe('success');
      const snapshotId = served.headers['x-snapshot-id'];
      const [crashed] = await runs(second.url);
      expect(crashed).toMatchObject({ status: 'published', snapshotId: Number(snapshotId) });
      const runEvents = await auditEvents(second.url, { action: 'sync.run.*', targetId: String(crashed.id) });
      expect(runEvents.map((e) => e.action)).toEqual(['sync.run.published']);
      await expectPublishesAudited(second.url, database);

      // And the next run is not refused: the lock died with the process.
      writeOrganisation(file, people(11));
      const next = await request(second.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(next.status).toBe(200);
      expect(next.body.status).toBe('published');
      expect(await expectPublishesAudited(second.url, database)).toBe(2);
    },
    CHILD_TEST_MS,
  );
});

/**
 * Whose runs a starting instance may fail: only those of a holder it knows to be dead. The
 * lock row and a running run are written directly, as another instance would have left them.
 */
describe.each(testDatabases())('what a starting instance takes over, and what it leaves to a live one ($kind)', (db) => {
  let bridge: RunningBridge | undefined;
  let dir: string;
  let file: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-org-'));
    file = join(dir, 'org.json');
    writeOrganisation(file, people(5));
  });
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });
  afterAll(async () => {
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A start applies the migrations; then the lock and a running run are set as `holder` would have left them. */
  const seed = async (database: DatabaseConfig, expiresInMs: number, holder = 'elsewhere:4242:abcdef01'): Promise<number> => {
    await (await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_FILE: file }))).close();
    const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
    try {
      await ds.query('UPDATE sync_lock SET holder = ?, expires_at = ? WHERE name = ?', [holder, Date.now() + expiresInMs, 'sync']);
      await ds.query(
        "INSERT INTO sync_run (status, trigger_kind, dry_run, source, instance_id, started_at, phases_json, counts_json, finding_count, findings_json) VALUES ('running', 'manual', 0, 'file', ?, ?, '{}', '{}', 0, '[]')",
        [holder, toSqlDateTime()],
      );
      const [row] = await ds.query<{ id: number }[]>("SELECT MAX(id) AS id FROM sync_run WHERE status = 'running'");
      return Number(row.id);
    } finally {
      await ds.destroy();
    }
  };

  it('fails the run of another instance whose lease expired, and frees its lock', async () => {
    const database = await db.create();
    const runId = await seed(database, -1000);
    bridge = await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_FILE: file }));
    const run = await request(bridge.url).get(`/api/v1/sync/runs/${runId}`).set(admin);
    expect(run.body).toMatchObject({ status: 'failed', failureReason: 'interrupted' });
    const next = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(next.status).toBe(200);
    expect(next.body.status).toBe('published');
  });

  it('takes over at once the lock and run of an earlier process of this instance (same name, process gone), lease or not', async () => {
    const database = await db.create();
    const runId = await seed(database, 60_000, `${hostname().slice(0, 40)}:${deadPid()}:abcdef01`);
    bridge = await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_FILE: file }));
    const run = await request(bridge.url).get(`/api/v1/sync/runs/${runId}`).set(admin);
    expect(run.body).toMatchObject({ status: 'failed', failureReason: 'interrupted' });
    const next = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(next.status).toBe(200);
    expect(next.body.status).toBe('published');
  });

  it('does not wait out a directory-token refresh claimed by an earlier process of this instance that died', async () => {
    const emulator = await startEmulator({ employees: 20, departments: 3, seed: 3 });
    try {
      const database = await db.create();
      const env = { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...emulator.bridgeEnv() };
      await (await startBridge(testConfig(database, {}, env))).close();
      const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
      try {
        await ds.query("UPDATE directory_token SET access_token = NULL, expires_at = 0, refresher = ?, refresh_until = ? WHERE name = 'default'", [
          `${hostname().slice(0, 40)}:${deadPid()}:abcdef01`,
          Date.now() + 30_000,
        ]);
      } finally {
        await ds.destroy();
      }
      bridge = await startBridge(testConfig(database, {}, env));
      const started = Date.now();
      const run = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(run.body.status).toBe('published');
      expect(Date.now() - started).toBeLessThan(10_000); // the dead claim would hold it 30 s
    } finally {
      await emulator.close();
    }
  });

  it('leaves the running run of another instance whose lease is current, and answers it instead of a second run', async () => {
    const database = await db.create();
    const runId = await seed(database, 60_000);
    bridge = await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_FILE: file }));
    const run = await request(bridge.url).get(`/api/v1/sync/runs/${runId}`).set(admin);
    expect(run.body).toMatchObject({ status: 'running', failureReason: null });
    const next = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(next.status).toBe(202);
    expect(next.headers.location).toBe(`/api/v1/sync/runs/${runId}`);
    expect(next.body).toMatchObject({ id: runId, status: 'running' });
  });
});

// Several instances share one MySQL-compatible database in production.
const mysql = testDatabases().filter((db) => db.kind === 'mysql');

describe.skipIf(!built || mysql.length === 0)('a second instance starting while the first syncs (mysql)', () => {
  const db = mysql[0];
  let emulator: RunningEmulator;
  const children: BridgeProcess[] = [];
  const dirs: string[] = [];
  const workdir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-instance-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 300, departments: 30, seed: 12, faults: { latency_ms: 400 } });
  });
  afterAll(async () => {
    for (const child of children) await killProcess(child);
    await emulator?.close();
    await db.dropAll();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "does not fail the first instance's running run, which then publishes",
    async () => {
      const database = await db.create();
      const env = (port: number): NodeJS.ProcessEnv => ({
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        SYNC_CRON: 'off',
        SYNC_ON_START: 'false',
        DATABASE_URL: database.url,
        ...emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '10' }),
      });
      const portA = await freePort();
      const a = startBridgeProcess(workdir(), env(portA));
      children.push(a);
      const urlA = `http://127.0.0.1:${portA}`;
      await waitUntilReady(urlA, a);
      const pending = request(urlA)
        .post('/api/v1/sync/runs?wait=true')
        .set(admin)
        .send({})
        .then((res) => res); // supertest sends on then()
      const running = await eventually('a running run', async () => (await runs(urlA)).find((r) => r.status === 'running'));

      const portB = await freePort();
      const b = startBridgeProcess(workdir(), env(portB));
      children.push(b);
      const urlB = `http://127.0.0.1:${portB}`;
      await waitUntilReady(urlB, b);
      expect((await runs(urlB)).find((r) => r.id === running.id)?.status).toBe('running');
      const refused = await request(urlB).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(refused.status).toBe(202);
      expect(refused.body).toMatchObject({ id: running.id, status: 'running' });

      const done = await pending;
      expect(done.status).toBe(200);
      expect(done.body).toMatchObject({ id: running.id, status: 'published' });
    },
    CHILD_TEST_MS,
  );
});
