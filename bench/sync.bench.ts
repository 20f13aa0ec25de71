/**
 * The sync at scale (issue 5, "Acceptance"): a generated organisation (100,000 employees in
 * 5,000 departments by default) in the directory emulator, read by the bridge over real HTTP,
 * on SQLite and, when a MySQL URL is given, on MySQL. For each database it prints:
 *
 * - the floor, measured in the same run: fetching and parsing the same directory data with no
 *   processing (the same calls as the directory source, undici + JSON.parse);
 * - the first full sync: time, phases, peak memory (RSS from a worker thread, heap from the main
 *   thread, every 25 ms);
 * - an unchanged re-sync: time and rows written (the run's count and the snapshot tables' rows);
 * - a re-sync after 1% changes (hires, moves, resignations);
 * - the `/sync` answer's size, and its latency (median, p99) and throughput under autocannon,
 *   beside a bare `node:http` server sending the same prepared bytes with the same headers.
 *
 * Each database runs in a fresh child process of this script (the bridge in-process there, so
 * that its memory is measured from the same start); the emulator runs in a child process of its
 * own and autocannon in another, so the bridge is measured alone. Every figure is printed
 * beside its target with PASS or MISS.
 *
 *   npm run bench:sync -- [--employees 100000] [--departments 5000] [--seed 1] [--page 500]
 *                         [--connections 8] [--duration 10] [--mysql mysql://root@127.0.0.1:3306/test] [--no-sqlite]
 *   TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run bench:sync
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import { loadBridgeConfig } from '#app/config';
import { createBridgeApp } from '../apps/bridge/src/bootstrap.js';
import { fetchAndParse, type FloorRead } from './support/floor.js';
import { gc, MemorySampler, type MemoryPeak } from './support/memory.js';
import { autocannon, startBareServer, startEmulatorProcess, type EmulatorProcess, type LoadResult } from './support/processes.js';

const { values } = parseArgs({
  options: {
    employees: { type: 'string', default: '100000' },
    departments: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '1' },
    page: { type: 'string', default: '500' },
    connections: { type: 'string', default: '8' },
    duration: { type: 'string', default: '10' },
    mysql: { type: 'string' },
    'no-sqlite': { type: 'boolean', default: false },
    'change-percent': { type: 'string', default: '1' },
    /** Internal: run one database in this process (the parent runs each database in a fresh child process). */
    only: { type: 'string' },
  },
});
const employees = Number(values.employees);
const departments = Number(values.departments);
const seed = Number(values.seed);
const pageSize = Number(values.page);
const connections = Number(values.connections);
const duration = Number(values.duration);
const changePercent = Number(values['change-percent']);
const mysqlUrl = values.mysql ?? process.env.TEST_MYSQL_URL ?? '';

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
const OMFLOW_ID = 'omflow-bench';
const OMFLOW_SECRET = `omflow-bench-${randomBytes(12).toString('hex')}`;
const BASIC = `Basic ${Buffer.from(`${OMFLOW_ID}:${OMFLOW_SECRET}`).toString('base64')}`;
/** Tables whose rows make up the snapshots (a re-sync that finds nothing changed should add none). */
const SNAPSHOT_TABLES = ['snapshot', 'user_version', 'group_version', 'person', 'department', 'person_group'];
/** 512 MB, the memory target of a full sync. */
const MEMORY_TARGET = 512 * 1024 * 1024;

const MB = 1024 * 1024;
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const msf = (t: number): string => (t >= 10_000 ? `${(t / 1000).toFixed(1)} s` : `${Math.round(t)} ms`);
const num = (n: number): string => n.toLocaleString('en-US');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const httpAgent = new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 10_000 });

interface RunReport {
  id: number;
  status: string;
  phases: Record<string, number>;
  counts: Record<string, number>;
  findingCount: number;
  diffSummary: {
    users: { added: number; removed: number; changed: number };
    groups: { added: number; removed: number; changed: number };
    renames: number;
    moves: number;
  } | null;
  holdReasons: unknown;
  error: string | null;
}

interface SyncMeasure {
  wallMs: number;
  /** CPU time (user + system) of this process, the bridge's, during the run. */
  cpuMs: number;
  report: RunReport;
  memory: MemoryPeak;
  /** Rows added to each snapshot table by the run (null: the table could not be counted). */
  tableDelta: Record<string, number | null>;
}

interface DatabaseResult {
  kind: 'sqlite' | 'mysql';
  floor: FloorRead;
  floors: FloorRead[];
  full: SyncMeasure;
  unchanged: SyncMeasure;
  changed: SyncMeasure;
  changedFloor: FloorRead;
  payload: { gzip: number; raw: number; users: number; groups: number };
  bridge: LoadResult;
  bare: LoadResult;
  idle: MemoryPeak;
}

interface BenchDatabase {
  kind: 'sqlite' | 'mysql';
  env: NodeJS.ProcessEnv;
  drop(): Promise<void>;
}

async function createDatabase(kind: 'sqlite' | 'mysql'): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
    return {
      kind,
      env: { SQLITE_PATH: join(dir, 'bridge.sqlite') },
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  const name = `bridge_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = () => createConnection({ uri: mysqlUrl });
  const conn = await admin();
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
  const url = new URL(mysqlUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const c = await admin();
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

function bridgeEnv(emulator: EmulatorProcess, database: BenchDatabase): NodeJS.ProcessEnv {
  return {
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    DOCS_ENABLED: 'false',
    SYNC_CRON: 'off',
    SYNC_ON_START: 'false',
    BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    OMFLOW_CLIENT_ID: OMFLOW_ID,
    OMFLOW_CLIENT_SECRET: OMFLOW_SECRET,
    HR_SOURCE: 'directory',
    DIRECTORY_URL: emulator.url,
    DIRECTORY_ORG_CODE: emulator.orgCode,
    DIRECTORY_DOMAIN_ID: emulator.domainId,
    DIRECTORY_CLIENT_ID: emulator.clientId,
    DIRECTORY_CLIENT_SECRET: emulator.clientSecret,
    DIRECTORY_PAGE_SIZE: String(pageSize),
    DIRECTORY_TIMEOUT_MS: '60000',
    SYNC_DEADLINE_SECONDS: '3600',
    // The 1% change run must publish: no rename holds, generous removal and move limits.
    GUARD_HOLD_RENAMES: 'false',
    GUARD_MAX_USER_REMOVALS: '1000000',
    GUARD_MAX_USER_REMOVAL_PERCENT: '100',
    GUARD_MAX_GROUP_REMOVALS: '1000000',
    GUARD_MAX_GROUP_REMOVAL_PERCENT: '100',
    GUARD_MAX_MOVES: '1000000',
    GUARD_MAX_MOVE_PERCENT: '100',
    ...database.env,
  };
}

async function countRows(db: DataSource): Promise<Record<string, number | null>> {
  const out: Record<string, number | null> = {};
  for (const table of SNAPSHOT_TABLES) {
    try {
      const rows = await db.query<{ n: number | string }[]>(`SELECT COUNT(*) AS n FROM ${table}`);
      out[table] = Number(rows[0].n);
    } catch {
      out[table] = null;
    }
  }
  return out;
}

async function post(
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const res = await request(url, {
    method: 'POST',
    dispatcher: httpAgent,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
}

async function measureSync(base: string, db: DataSource, sampler: MemorySampler, label: string, expect: string[]): Promise<SyncMeasure> {
  const before = await countRows(db);
  gc();
  sampler.start();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const res = await post(`${base}/api/v1/sync/runs`, { authorization: `Bearer ${ADMIN_TOKEN}` }, {});
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const memory = sampler.stop();
  if (res.status !== 200) throw new Error(`${label}: POST /api/v1/sync/runs answered HTTP ${res.status}: ${res.body.toString().slice(0, 500)}`);
  const report = JSON.parse(res.body.toString()) as RunReport;
  if (!expect.includes(report.status)) {
    throw new Error(`${label}: the run ended "${report.status}" (expected ${expect.join(' or ')}): ${report.error ?? JSON.stringify(report.holdReasons)}`);
  }
  const after = await countRows(db);
  const tableDelta: Record<string, number | null> = {};
  for (const t of SNAPSHOT_TABLES) {
    const [b, a] = [before[t], after[t]];
    tableDelta[t] = b === null || a === null ? null : a - b;
  }
  return { wallMs, cpuMs, report, memory, tableDelta };
}

function describeSync(m: SyncMeasure): string[] {
  const phases = Object.entries(m.report.phases)
    .map(([k, v]) => `${k} ${msf(v)}`)
    .join(', ');
  const c = m.report.counts;
  const d = m.report.diffSummary;
  const delta = Object.entries(m.tableDelta)
    .map(([t, n]) => `${t} ${n === null ? 'n/a' : `+${num(n)}`}`)
    .join(', ');
  return [
    `    run ${m.report.id}: ${m.report.status} in ${msf(m.wallMs)} (client wall time; ${msf(m.cpuMs)} of CPU in the bridge process); phases: ${phases}`,
    `    counts: read ${num(c.read ?? 0)}, users ${num(c.users ?? 0)}, groups ${num(c.groups ?? 0)}, excluded ${num(c.excluded ?? 0)}, quarantined ${num(c.quarantinedUsers ?? 0)}/${num(c.quarantinedGroups ?? 0)}, findings ${num(m.report.findingCount)}, writtenRows ${num(c.writtenRows ?? 0)}`,
    d
      ? `    diff: users +${num(d.users.added)} -${num(d.users.removed)} ~${num(d.users.changed)}, groups +${num(d.groups.added)} -${num(d.groups.removed)} ~${num(d.groups.changed)}, renames ${num(d.renames)}, moves ${num(d.moves)}`
      : '    diff: none',
    `    snapshot-table rows added: ${delta}`,
    `    peak memory: RSS ${mb(m.memory.rss)}, heap used ${mb(m.memory.heapUsed)} (heap reserved ${mb(m.memory.heapTotal)}; ${m.memory.samples.worker} RSS / ${m.memory.samples.main} heap samples)`,
  ];
}

function describeFloor(f: FloorRead): string {
  return `${msf(f.ms)} (${msf(f.cpuMs)} of CPU in this process; ${num(f.requests)} requests, ${mb(f.bytes)} of JSON, ${num(f.nodes)} departments, ${num(f.rows)} employee rows, ${num(f.distinct)} distinct people)`;
}

function describeLoad(r: LoadResult): string {
  return `median ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, mean ${r.mean.toFixed(1)} ms, ${r.rps.toFixed(1)} req/s, ${mb(r.bytesPerSecond)}/s; ${num(r.total)} requests, ${r.non2xx} non-2xx, ${r.errors} errors`;
}

async function benchDatabase(kind: 'sqlite' | 'mysql', sampler: MemorySampler): Promise<DatabaseResult> {
  const say = (line: string): void => console.log(`[${kind}] ${line}`);
  const emulator = await startEmulatorProcess({ employees, departments, seed });
  say(`emulator (child process) listening on ${emulator.url} after ${msf(emulator.startupMs)} (generation included)`);
  const database = await createDatabase(kind);
  let app: NestFastifyApplication | null = null;
  try {
    // The floor: twice (the first also warms the emulator's caches, which the bridge then enjoys too); the faster counts.
    const floors: FloorRead[] = [];
    for (let i = 0; i < 2; i++) {
      gc();
      floors.push(await fetchAndParse(emulator, pageSize));
      say(`floor, fetch and parse #${i + 1}: ${describeFloor(floors[i])}`);
    }
    const floor = floors.reduce((a, b) => (b.ms < a.ms ? b : a));
    if (floor.distinct !== employees) say(`note: the directory holds ${num(floor.distinct)} distinct people (asked for ${num(employees)})`);

    gc();
    const t0 = performance.now();
    app = await createBridgeApp(loadBridgeConfig(bridgeEnv(emulator, database)), { adminTokenSink: () => undefined });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const db = app.get(DataSource);
    gc();
    say(
      `bridge started in ${msf(performance.now() - t0)} on ${base}; RSS ${mb(process.memoryUsage.rss())}, heap used ${mb(process.memoryUsage().heapUsed)} before the first sync`,
    );

    const full = await measureSync(base, db, sampler, 'first full sync', ['published']);
    say('first full sync:');
    for (const line of describeSync(full)) console.log(line);

    const unchanged = await measureSync(base, db, sampler, 'unchanged re-sync', ['unchanged']);
    say('unchanged re-sync:');
    for (const line of describeSync(unchanged)) console.log(line);

    const total = floor.distinct;
    const hire = Math.round(((total * changePercent) / 100) * 0.4);
    const move = Math.round(((total * changePercent) / 100) * 0.3);
    const resign = Math.round(((total * changePercent) / 100) * 0.3);
    const mutation = await post(`${emulator.url}/_emulator/mutations`, {}, { hire, move, resign });
    if (mutation.status !== 200) throw new Error(`POST /_emulator/mutations answered HTTP ${mutation.status}: ${mutation.body.toString().slice(0, 300)}`);
    say(`directory changed (${changePercent}%): hire ${num(hire)}, move ${num(move)}, resign ${num(resign)}`);
    gc();
    const changedFloor = await fetchAndParse(emulator, pageSize);
    say(`floor after the change, fetch and parse: ${describeFloor(changedFloor)}`);
    const changed = await measureSync(base, db, sampler, 're-sync after the change', ['published']);
    say(`re-sync after ${changePercent}% changes:`);
    for (const line of describeSync(changed)) console.log(line);

    // /sync: the prepared answer, then the bridge and a bare server sending the same bytes.
    const answer = await post(`${base}/sync`, { authorization: BASIC, 'accept-encoding': 'gzip' });
    if (answer.status !== 200 || answer.headers['content-encoding'] !== 'gzip')
      throw new Error(`POST /sync answered HTTP ${answer.status}, encoding ${String(answer.headers['content-encoding'])}`);
    const raw = gunzipSync(answer.body);
    const parsed = JSON.parse(raw.toString()) as { status: string; user_info_list: unknown[]; group_info_list: unknown[] };
    if (parsed.status !== 'success') throw new Error(`POST /sync answered status ${parsed.status}`);
    const payload = { gzip: answer.body.length, raw: raw.length, users: parsed.user_info_list.length, groups: parsed.group_info_list.length };
    say(
      `/sync answer: ${mb(payload.gzip)} gzip (${num(payload.gzip)} bytes), ${mb(payload.raw)} JSON (${num(payload.raw)} bytes); ${num(payload.users)} users, ${num(payload.groups)} groups`,
    );

    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'etag', 'x-snapshot-id', 'vary', 'cache-control', 'content-encoding']) {
      const v = answer.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const load = { connections, seconds: duration, method: 'POST' };
    gc();
    sampler.start();
    const bridge = await autocannon(`${base}/sync`, { ...load, headers: { authorization: BASIC, 'accept-encoding': 'gzip' } });
    const idle = sampler.stop();
    say(`/sync on the bridge (${connections} connections, ${duration} s): ${describeLoad(bridge)}; peak RSS ${mb(idle.rss)}`);
    const bare = await startBareServer(answer.body, headers);
    let bareResult: LoadResult;
    try {
      bareResult = await autocannon(`${bare.url}/sync`, { ...load, headers: { authorization: BASIC, 'accept-encoding': 'gzip' } });
    } finally {
      await bare.close();
    }
    say(`/sync floor, bare node:http with the same bytes: ${describeLoad(bareResult)}`);
    return { kind, floor, floors, full, unchanged, changed, changedFloor, payload, bridge, bare: bareResult, idle };
  } finally {
    if (app) await app.close();
    await emulator.close();
    await database.drop();
  }
}

function targets(r: DatabaseResult): string[] {
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  const snapshotRows = Object.values(r.unchanged.tableDelta).reduce<number>((sum, n) => sum + (n ?? 0), 0);
  const written = (r.unchanged.report.counts.writtenRows ?? 0) + snapshotRows;
  const lines = [
    `  floor, fetch and parse: ${msf(r.floor.ms)} (best of ${r.floors.length}: ${r.floors.map((f) => msf(f.ms)).join(', ')}; CPU ${msf(r.floor.cpuMs)})`,
    `  first full sync:        ${msf(r.full.wallMs).padEnd(9)} = ${ratio(r.full.wallMs, r.floor.ms).padEnd(7)} the floor   target <= 3.00x   ${verdict(r.full.wallMs <= 3 * r.floor.ms)}   (CPU ${msf(r.full.cpuMs)} = ${ratio(r.full.cpuMs, r.floor.cpuMs)} the floor's)`,
    `  full sync peak RSS:     ${mb(r.full.memory.rss).padEnd(9)}                       target < 512 MB   ${verdict(r.full.memory.rss < MEMORY_TARGET)}   (peak heap used ${mb(r.full.memory.heapUsed)})`,
    `  unchanged re-sync:      ${msf(r.unchanged.wallMs).padEnd(9)} = ${ratio(r.unchanged.wallMs, r.floor.ms).padEnd(7)} the floor   target <= 1.50x   ${verdict(r.unchanged.wallMs <= 1.5 * r.floor.ms)}   (CPU ${msf(r.unchanged.cpuMs)} = ${ratio(r.unchanged.cpuMs, r.floor.cpuMs)} the floor's)`,
    `  unchanged rows written: ${String(r.unchanged.report.counts.writtenRows ?? 0).padEnd(9)} (run count), ${snapshotRows} snapshot-table rows   target 0   ${verdict(written === 0)}`,
    `  re-sync after ${changePercent}%:      ${msf(r.changed.wallMs).padEnd(9)} = ${ratio(r.changed.wallMs, r.changedFloor.ms).padEnd(7)} its floor (${msf(r.changedFloor.ms)}); ${num(r.changed.report.counts.writtenRows ?? 0)} rows written; peak RSS ${mb(r.changed.memory.rss)}`,
    `  /sync answer:           ${mb(r.payload.gzip)} gzip, ${mb(r.payload.raw)} JSON (${num(r.payload.users)} users, ${num(r.payload.groups)} groups)`,
    `  /sync median latency:   ${`${r.bridge.p50.toFixed(1)} ms`.padEnd(9)} = ${ratio(r.bridge.p50, r.bare.p50).padEnd(7)} bare (${r.bare.p50.toFixed(1)} ms)   target <= 1.50x   ${verdict(r.bridge.p50 <= 1.5 * r.bare.p50)}`,
    `  /sync p99 latency:      ${`${r.bridge.p99.toFixed(1)} ms`.padEnd(9)} = ${ratio(r.bridge.p99, r.bare.p99).padEnd(7)} bare (${r.bare.p99.toFixed(1)} ms)   target <= 1.50x   ${verdict(r.bridge.p99 <= 1.5 * r.bare.p99)}`,
    `  /sync throughput:       ${`${r.bridge.rps.toFixed(0)} req/s`.padEnd(9)} = 1/${ratio(r.bare.rps, r.bridge.rps).padEnd(5)} bare (${r.bare.rps.toFixed(0)} req/s)   target >= 1/1.50x   ${verdict(r.bridge.rps * 1.5 >= r.bare.rps)}`,
  ];
  if (r.bridge.non2xx || r.bridge.errors) lines.push(`  note: the bridge answered ${r.bridge.non2xx} non-2xx and ${r.bridge.errors} errors under load`);
  return lines;
}

const RESULT_MARK = '@@sync-bench-result ';

/** Runs one database in a fresh child process (so that each starts from the same memory), passing its output through. */
async function runChild(kind: 'sqlite' | 'mysql'): Promise<DatabaseResult> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...process.argv.slice(2), '--only', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let result: DatabaseResult | null = null;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith(RESULT_MARK)) result = JSON.parse(line.slice(RESULT_MARK.length)) as DatabaseResult;
      else console.log(line);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || !result) throw new Error(`The ${kind} run failed (exit code ${code})`);
  return result;
}

async function main(): Promise<void> {
  const only = values.only;
  if (only === 'sqlite' || only === 'mysql') {
    const sampler = new MemorySampler(25);
    try {
      const result = await benchDatabase(only, sampler);
      console.log(`${RESULT_MARK}${JSON.stringify(result)}`);
    } finally {
      await sampler.close();
      await httpAgent.close();
    }
    return;
  }
  const kinds: ('sqlite' | 'mysql')[] = [];
  if (!values['no-sqlite']) kinds.push('sqlite');
  if (mysqlUrl) kinds.push('mysql');
  if (!kinds.length) throw new Error('Nothing to run: --no-sqlite without --mysql or TEST_MYSQL_URL');
  console.log(
    `Sync benchmark: ${num(employees)} employees, ${num(departments)} departments, seed ${seed}, directory pages of ${pageSize}; databases: ${kinds.join(', ')} (each in a fresh process); ` +
      `/sync load: autocannon, ${connections} connections, ${duration} s, POST, Accept-Encoding: gzip (Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs)`,
  );
  if (!(globalThis as { gc?: unknown }).gc) console.log('note: run with --expose-gc (npm run bench:sync does) for comparable memory figures');
  await httpAgent.close();
  const results: DatabaseResult[] = [];
  for (const kind of kinds) results.push(await runChild(kind));
  console.log('');
  console.log('Summary (targets of issue 5):');
  for (const r of results) {
    console.log(`${r.kind}:`);
    for (const line of targets(r)) console.log(line);
  }
  const args = `--employees ${employees} --departments ${departments}${seed !== 1 ? ` --seed ${seed}` : ''}${pageSize !== 500 ? ` --page ${pageSize}` : ''}`;
  const suffix = args === '--employees 100000 --departments 5000' ? '' : ` -- ${args}`;
  console.log('');
  console.log('Reproduce:');
  console.log(`  npm run bench:sync${suffix}`);
  console.log(`  TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run bench:sync${suffix}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
