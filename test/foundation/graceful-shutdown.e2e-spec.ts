import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions, type DatabaseConfig } from '#app/database';
import { DirectoryStore, exportOrganisation, generateOrganisation } from '../../apps/directory-emulator/src/index.js';
import { admin, OMFLOW_BASIC } from '../support/credentials.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { bridgeBuilt, databaseEnv, killProcess, launchBridgeProcess, type BridgeProcess } from '../support/process.js';

const built = bridgeBuilt('test/foundation/graceful-shutdown.e2e-spec.ts');
/** Small enough to keep the test short, well under docker's 30 s. */
const GRACE_SECONDS = 10;

async function query<T>(database: DatabaseConfig, sql: string, params: unknown[] = []): Promise<T[]> {
  const ds = await new DataSource(buildDataSourceOptions(database)).initialize();
  try {
    return await ds.query<T[]>(sql, params);
  } finally {
    await ds.destroy();
  }
}

/** POST /sync without gzip, as a raw HTTP exchange whose body the test reads at its own pace. */
function openSync(url: string): Promise<http.IncomingMessage> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/sync',
      headers: { authorization: OMFLOW_BASIC, 'accept-encoding': 'identity' },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

/** Reads the body slowly: one chunk, then a pause. Resolves with what arrived and whether it ended cleanly. */
function readSlowly(res: http.IncomingMessage, pauseMs: number): Promise<{ body: Buffer; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      res.pause();
      setTimeout(() => res.resume(), pauseMs);
    });
    const done = (): void => resolve({ body: Buffer.concat(chunks), complete: res.complete });
    res.once('end', done);
    res.once('error', done);
    res.once('close', done);
    res.resume();
  });
}

const dirs: string[] = [];
let orgFile: string | undefined;

/**
 * An organisation large enough that its /sync answer (about 5.5 MB of JSON) cannot all wait in
 * the kernel's socket buffers (about 4 MB here): the rest is still in the process when the
 * client stops reading. Made once per file.
 */
function largeOrganisation(): string {
  if (orgFile) return orgFile;
  const org = generateOrganisation({ employees: 28_000, departments: 200, seed: 5, dataProblems: 0, rootName: 'ACME', emailDomain: 'acme.test' });
  const dir = mkdtempSync(join(tmpdir(), 'bridge-large-org-'));
  dirs.push(dir);
  orgFile = join(dir, 'org.json');
  writeFileSync(orgFile, JSON.stringify(exportOrganisation(new DirectoryStore(org, 'acme-domain', 'acme'), true)));
  return orgFile;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!built).each(testDatabases())('graceful shutdown of the bridge process ($kind)', (db) => {
  let emulator: RunningEmulator;
  const children: BridgeProcess[] = [];

  const workdir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-shutdown-'));
    dirs.push(dir);
    return dir;
  };
  const launch = (env: NodeJS.ProcessEnv) => launchBridgeProcess(workdir(), { SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS), ...env }, children);

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 300, departments: 30, seed: 13, faults: { latency_ms: 400 } });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await killProcess(child);
  });
  afterAll(async () => {
    await emulator?.close();
    await db.dropAll();
  });

  it('lets a slow /sync download finish after SIGTERM, exits within the grace, and audits a pull cut off by the client as a failure', async () => {
    const database = await db.create();
    const { child, url } = await launch({ ...databaseEnv(database), HR_FILE: largeOrganisation() });
    const run = await request(url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(run.body.status).toBe('published');

    // A pull the client gives up on mid-body.
    const cut = await openSync(url);
    const length = Number(cut.headers['content-length']);
    expect(length).toBeGreaterThan(5_000_000);
    await new Promise<void>((resolve) => cut.once('data', () => resolve()));
    cut.destroy();
    await sleep(200);

    // A slow pull in progress when SIGTERM arrives.
    const slow = await openSync(url);
    slow.pause();
    await sleep(500); // the kernel's buffers fill; the rest waits in the process
    const signalled = Date.now();
    child.child.kill('SIGTERM');
    const received = await readSlowly(slow, 30);
    expect(received.body.length).toBe(length);
    expect(received.complete).toBe(true);
    const body = JSON.parse(received.body.toString('utf8')) as { status: string; user_info_list: unknown[] };
    expect(body.status).toBe('success');
    expect(body.user_info_list.length).toBe(run.body.counts.users);

    const exit = await child.exited;
    expect(Date.now() - signalled).toBeLessThan((GRACE_SECONDS + 5) * 1000);
    expect(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit)).toBe(true);

    const served = await query<{ outcome: string; details: string }>(
      database,
      "SELECT outcome, details FROM audit_event WHERE action = 'omflow.sync.served' ORDER BY seq",
    );
    expect(served.map((e) => e.outcome)).toEqual(['failure', 'success']);
    expect(JSON.parse(served[0].details)).toMatchObject({ reason: 'cut off' });
  }, 120_000);

  it('cancels a sync in progress at SIGTERM: the run fails with reason shutdown, the lock is released, nothing is published', async () => {
    const database = await db.create();
    const { child, url } = await launch({ ...databaseEnv(database), ...emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '10' }) });
    const started = request(url)
      .post('/api/v1/sync/runs?wait=true')
      .set(admin)
      .send({})
      .then((res) => res);
    let runId: number | undefined;
    for (let i = 0; i < 200 && runId === undefined; i++) {
      const list = await request(url).get('/api/v1/sync/runs').set(admin);
      runId = (list.body.items as { id: number; status: string }[]).find((r) => r.status === 'running')?.id;
      if (runId === undefined) await sleep(50);
    }
    expect(runId).toBeDefined();
    await sleep(300);
    const signalled = Date.now();
    child.child.kill('SIGTERM');

    // The caller waiting for the run is answered (drained), with the cancelled run.
    const answer = await started;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: runId, status: 'failed', failureReason: 'shutdown' });
    await child.exited;
    expect(Date.now() - signalled).toBeLessThan((GRACE_SECONDS + 5) * 1000);

    const [row] = await query<{ status: string; failure_reason: string; finished_at: unknown }>(
      database,
      'SELECT status, failure_reason, finished_at FROM sync_run WHERE id = ?',
      [runId],
    );
    expect(row).toMatchObject({ status: 'failed', failure_reason: 'shutdown' });
    expect(row.finished_at).not.toBeNull();
    const [lock] = await query<{ holder: string | null }>(database, "SELECT holder FROM sync_lock WHERE name = 'sync'");
    expect(lock.holder).toBeNull();
    const [state] = await query<{ published_snapshot_id: number | null }>(database, 'SELECT published_snapshot_id FROM sync_state WHERE id = 1');
    expect(state.published_snapshot_id).toBeNull();
    const events = await query<{ action: string; details: string }>(database, "SELECT action, details FROM audit_event WHERE action LIKE 'sync.run.%'");
    expect(events.map((e) => e.action)).toEqual(['sync.run.failed']);
    expect(JSON.parse(events[0].details)).toMatchObject({ reason: 'shutdown' });
  }, 60_000);
});
