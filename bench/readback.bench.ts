/**
 * Read-back of OMFLOW at scale: `npm run bench -- readback [--employees 100000] [--departments 5000] [--mysql <url>]`
 * (TEST_MYSQL_URL works as --mysql; the bridge under test then runs on MariaDB, the OMFLOW side on SQLite).
 *  1. the directory emulator (its own process) with N employees;
 *  2. "OMFLOW": a bridge process reading that directory and serving the OMFLOW-compatible user query API;
 *  3. the bridge under test, a process of its own reading the same directory, pulled once by "OMFLOW" (POST /sync);
 *  4. POST /api/v1/omflow/reconciliation/run?wait=true, with the bridge's RSS sampled every 25 ms from /proc:
 *     the time of the comparison, the RSS before and its peak during it, and what it found (all N compared field by
 *     field: an in-sync comparison is the one doing the most work).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the answers are read for printing */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { startBridgeProcess, type ServerProcess } from './support/bridge-process.js';
import { startEmulatorProcess } from './support/processes.js';
import { createBenchDatabase, directoryEnv } from './support/sync-fixture.js';

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
const OMFLOW_CLIENT = { id: 'omflow', secret: `omflow-${randomBytes(12).toString('hex')}` };
const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

async function call(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await request(url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    headersTimeout: 3_600_000,
    bodyTimeout: 3_600_000,
  });
  return { status: res.statusCode, json: (await res.body.json()) as any };
}

function rssOf(server: ServerProcess): number {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function sync(server: ServerProcess, what: string): Promise<void> {
  const started = performance.now();
  const run = await call(`${server.url}/api/v1/sync/runs?wait=true`, 'POST', auth, {});
  if (run.json.status !== 'published') throw new Error(`${what}: the sync ended ${run.json.status}: ${run.json.error}`);
  console.log(`${what}: published ${run.json.counts?.users ?? '?'} people in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const employees = Number(arg('employees', '100000'));
  const departments = Number(arg('departments', String(Math.max(10, Math.round(employees / 20)))));
  const mysql = arg('mysql', process.env.TEST_MYSQL_URL);
  const emulator = await startEmulatorProcess({ employees, departments, seed: 7 });
  const dir = mkdtempSync(join(tmpdir(), 'readback-bench-'));
  const database = await createBenchDatabase(mysql ? 'mysql' : 'sqlite', mysql);
  const common = { ...directoryEnv(emulator), BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn', AUDIT_CHECKPOINT_FILE: 'off' };
  let omflow: ServerProcess | null = null;
  let bridge: ServerProcess | null = null;
  try {
    omflow = await startBridgeProcess({ ...common, SQLITE_PATH: join(dir, 'omflow.sqlite'), QUERY_AUDIT: 'off' });
    await sync(omflow, 'OMFLOW side');
    const client = await call(`${omflow.url}/api/v1/clients`, 'POST', auth, { id: 'readback', name: 'readback', scopes: ['users:query'] });
    bridge = await startBridgeProcess({
      ...common,
      ...database.env,
      ALLOW_SAMPLE_ORGANISATION: 'true',
      OMFLOW_CLIENT_ID: OMFLOW_CLIENT.id,
      OMFLOW_CLIENT_SECRET: OMFLOW_CLIENT.secret,
      OMFLOW_URL: omflow.url,
      OMFLOW_API_USER: 'readback',
      OMFLOW_API_PASSWORD: String(client.json.secret),
      OMFLOW_TIMEOUT_MS: '120000',
      RECONCILE_CRON: 'off',
      RECONCILE_AFTER_PULL_SECONDS: '0',
    });
    await sync(bridge, `Bridge under test (${database.kind})`);
    const pulled = await request(`${bridge.url}/sync`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${OMFLOW_CLIENT.id}:${OMFLOW_CLIENT.secret}`).toString('base64')}`, 'accept-encoding': 'gzip' },
    });
    await pulled.body.dump();
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const server = bridge;
    const before = rssOf(server);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssOf(server))), 25);
    const started = performance.now();
    const result = await call(`${server.url}/api/v1/omflow/reconciliation/run?wait=true`, 'POST', auth);
    const elapsed = performance.now() - started;
    clearInterval(sampler);
    const r = result.json;
    console.log(
      `Read-back of ${employees} people, ${departments} departments (${database.kind}): ${r.outcome}, ${(elapsed / 1000).toFixed(1)} s (durationMs ${r.durationMs}); RSS ${mb(before)} before, peak ${mb(peak)} (+${mb(peak - before)})`,
    );
    console.log(`  users ${JSON.stringify(r.counts?.users)}`);
    console.log(`  departments ${JSON.stringify(r.counts?.departments)}`);
    if (r.error) console.log(`  error ${JSON.stringify(r.error)}`);
  } finally {
    await bridge?.close();
    await omflow?.close();
    await emulator.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
