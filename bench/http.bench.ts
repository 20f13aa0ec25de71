/**
 * The bridge's HTTP stack against what the machine can serve: `npm run bench:http -- [--users 100000]
 * [--duration 5] [--rounds 2] [--only health,lookup,auth,sync] [--query-audit all|failures|off] [--mysql mysql://root@127.0.0.1:3306/test]`
 * (TEST_MYSQL_URL works as --mysql). Every server runs in a process of its own (the bridge as production
 * runs it, `node dist/apps/bridge/src/main.js`, default LOG_LEVEL=info and QUERY_AUDIT=all), and autocannon in
 * another, so that no load generator shares a server's event loop. Bridge and floor runs alternate
 * (`--rounds`), and the best round of each is kept, so that drift on a shared machine hits both alike.
 *  - health: GET /health/live at 32 connections, beside a bare `node:http` server answering the same bytes
 *    (goal: ≥ 40 % of the floor's requests/s);
 *  - lookup: the OMFLOW user lookup by username (POST /rest/accounts/api/user/list/, N people) at 32
 *    connections, beside a bare `node:http` server running the same SQL (the statement libs/snapshots compiles for
 *    that request) through the same driver (better-sqlite3; a mysql2 pool of 32) and answering the rows in the
 *    envelope (goal: ≥ 50 %), on SQLite and on MariaDB;
 *  - auth: POST /authenticate one at a time, interleaved with one bare argon2id verify with the bridge's
 *    parameters in this process (goal: median login ≤ 1.1x the median verify);
 *  - sync: POST /sync at 8 connections (gzip, as OMFLOW's client asks) of a published N-person snapshot, beside a
 *    bare server answering the same bytes (goal: p99 ≤ 1.5x the floor's); then, during a full N-person sync
 *    (the directory emulator, a second organisation replacing the first), /sync and /authenticate called one at a
 *    time each, their p99 (goal: < 250 ms).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { hash, verify } from '@node-rs/argon2';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { request } from 'undici';
import { loadBridgeConfig } from '#app/config';
import { UserQueryService } from '#app/omflow';
import { createBridgeApp } from '../apps/bridge/src/bootstrap.js';
import { startBareProcess, startBridgeProcess, type ServerProcess } from './support/bridge-process.js';
import { populate, writeOrganisation } from './support/people.js';
import { directoryEnv } from './support/sync-fixture.js';
import { autocannon, startEmulatorProcess, type EmulatorProcess, type LoadResult } from './support/processes.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string', default: 'health,lookup,auth,sync' },
    mysql: { type: 'string', default: process.env.TEST_MYSQL_URL },
    'query-audit': { type: 'string', default: 'all' },
  },
});
const users = Number(values.users);
const seconds = Number(values.duration);
const rounds = Number(values.rounds);
const only = new Set(values.only.split(','));
const mysqlUrl = values.mysql;

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
const OMFLOW = { id: 'omflow-bench', secret: `omflow-${randomBytes(12).toString('hex')}` };
const BASIC = `Basic ${Buffer.from(`${OMFLOW.id}:${OMFLOW.secret}`).toString('base64')}`;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');
const baseEnv = { BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN, OMFLOW_CLIENT_ID: OMFLOW.id, OMFLOW_CLIENT_SECRET: OMFLOW.secret, QUERY_AUDIT: values['query-audit'] };

async function call(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; json: unknown; ms: number }> {
  const t = performance.now();
  const res = await request(`${url}${path}`, { method: method as 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (res.headers['content-type'] ?? '').includes('json') ? await res.body.json() : (await res.body.arrayBuffer(), null);
  return { status: res.statusCode, json, ms: performance.now() - t };
}

/** CPU time (user + system, all threads) a process has used, in microseconds (Linux /proc; clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

type Measured = LoadResult & { cpuPerRequest: number };

/** A load run, with the server process's CPU time per answered request. */
async function measured(server: ServerProcess, run: () => Promise<LoadResult>): Promise<Measured> {
  const before = cpuMicros(server.child.pid!);
  const r = await run();
  return { ...r, cpuPerRequest: (cpuMicros(server.child.pid!) - before) / Math.max(1, r.total) };
}

/**
 * The best of `rounds` alternated runs of the bridge and of its floor, each with its server's CPU
 * time per request: the throughput depends on what else the two cores run (the load generator
 * shares them), the CPU per request much less.
 */
async function sideBySide(bridge: () => Promise<Measured>, floor: () => Promise<Measured>): Promise<{ bridge: Measured; floor: Measured }> {
  const b: Measured[] = [];
  const f: Measured[] = [];
  for (let i = 0; i < rounds; i++) {
    f.push(await floor());
    b.push(await bridge());
  }
  const best = (xs: Measured[]) => xs.reduce((a, c) => (c.rps > a.rps ? c : a));
  return { bridge: best(b), floor: best(f) };
}

function line(label: string, r: Measured): string {
  const bad = r.non2xx + r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '';
  return `  ${label.padEnd(10)} ${fmt(r.rps).padStart(9)} req/s   p50 ${fmt(r.p50, 1).padStart(7)} ms   p99 ${fmt(r.p99, 1).padStart(7)} ms   ${fmt(r.cpuPerRequest, 1).padStart(8)} µs CPU/request${bad}`;
}

function ratios(r: { bridge: Measured; floor: Measured }, goal: number): string {
  const rps = r.bridge.rps / r.floor.rps;
  const cpu = r.floor.cpuPerRequest / r.bridge.cpuPerRequest;
  return `  bridge/floor ${fmt(100 * rps)} % of requests/s (goal ≥ ${100 * goal} %): ${verdict(rps >= goal)}; by CPU per request ${fmt(100 * cpu)} %`;
}

async function benchHealth(dir: string): Promise<void> {
  console.log('\n== /health/live at 32 connections (SQLite, sample organisation) ==');
  const bridge = await startBridgeProcess({ ...baseEnv, SQLITE_PATH: join(dir, 'health.sqlite') });
  try {
    const res = await request(`${bridge.url}/health/live`);
    const body = Buffer.from(await res.body.arrayBuffer());
    const file = join(dir, 'health.json');
    writeFileSync(file, body);
    const bare = await startBareProcess('bytes', { BARE_BODY_FILE: file, BARE_HEADERS: JSON.stringify({ 'content-type': res.headers['content-type'] }) });
    try {
      const load = (server: ServerProcess) => () =>
        measured(server, () => autocannon(`${server.url}/health/live`, { connections: 32, seconds, method: 'GET', headers: {} }));
      const r = await sideBySide(load(bridge), load(bare));
      console.log(line('floor', r.floor));
      console.log(line('bridge', r.bridge));
      console.log(`${ratios(r, 0.4)}   [${body.length} bytes: ${body.toString()}]`);
    } finally {
      await bare.close();
    }
  } finally {
    await bridge.close();
  }
}

/** A migrated database of `users` people, the lookup's SQL, and the bridge process on it. */
async function benchLookup(label: string, env: NodeJS.ProcessEnv, floor: (sql: string, params: unknown[]) => Promise<ServerProcess>): Promise<void> {
  console.log(`\n== OMFLOW user lookup by username at 32 connections (${label}, ${fmt(users)} people) ==`);
  const config = loadBridgeConfig({ LOG_LEVEL: 'silent', DOCS_ENABLED: 'false', SYNC_CRON: 'off', SYNC_ON_START: 'false', ...baseEnv, ...env });
  const query = { search_conditions: [{ column: 'username', condition: '=', value: `user${Math.floor(users / 2)}` }] };
  const setup = await createBridgeApp(config, { adminTokenSink: () => undefined });
  await setup.init();
  const t = performance.now();
  await populate(setup.get(DataSource), users);
  const prepared = await setup.get(UserQueryService).prepareUsers(query);
  const { sql, params: sqlParams } = prepared.statement.page(prepared.query.start, Math.max(0, prepared.query.limit - prepared.query.start));
  await setup.close();
  console.log(`  ${fmt(users)} people inserted in ${fmt((performance.now() - t) / 1000, 1)} s; SQL: ${sql.replace(/\s+/g, ' ').slice(0, 160)}…`);
  const bridge = await startBridgeProcess({ ...baseEnv, ...env });
  try {
    const created = await call(bridge.url, 'POST', '/api/v1/clients', admin, { id: 'bench-query', name: 'bench', scopes: ['users:query'] });
    const { secret } = created.json as { secret: string };
    const code = await call(bridge.url, 'GET', '/accounts/api/security/get/', {
      authorization: `Basic ${Buffer.from(`bench-query:${secret}`).toString('base64')}`,
    });
    const security = (code.json as { result: { security: string } }).result.security;
    const body = JSON.stringify({ security, omflow_restapi: 1, ...query });
    const check = await call(bridge.url, 'POST', '/rest/accounts/api/user/list/', { 'content-type': 'application/json' }, JSON.parse(body));
    if ((check.json as { result?: unknown[] }).result?.length !== 1) throw new Error(`The lookup found ${JSON.stringify(check.json)}`);
    const bare = await floor(sql, sqlParams);
    try {
      const load = (server: ServerProcess) => () =>
        measured(server, () =>
          autocannon(`${server.url}/rest/accounts/api/user/list/`, {
            connections: 32,
            seconds,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }),
        );
      const r = await sideBySide(load(bridge), load(bare));
      console.log(line('floor', r.floor));
      console.log(line('bridge', r.bridge));
      console.log(ratios(r, 0.5));
    } finally {
      await bare.close();
    }
  } finally {
    await bridge.close();
  }
}

async function benchAuth(dir: string): Promise<void> {
  console.log('\n== /authenticate at 1 client beside one argon2id verify (SQLite) ==');
  const orgFile = join(dir, 'org.json');
  writeOrganisation(orgFile, 50);
  const config = loadBridgeConfig({});
  const bridge = await startBridgeProcess({
    ...baseEnv,
    SQLITE_PATH: join(dir, 'auth.sqlite'),
    HR_SOURCE: 'file',
    HR_FILE: orgFile,
    AUTH_LOCKOUT_THRESHOLD: '1000',
    AUTH_RATE_LIMIT_PER_MINUTE: '0',
  });
  try {
    const run = await call(bridge.url, 'POST', '/api/v1/sync/runs?wait=true', admin, {});
    if ((run.json as { status?: string }).status !== 'published') throw new Error(`The sync did not publish: ${JSON.stringify(run.json)}`);
    const items = Array.from({ length: 50 }, (_, i) => ({ username: `user${i}`, password: `password-of-user${i}` }));
    await call(bridge.url, 'POST', '/api/v1/auth/passwords/import', admin, { items });
    const params = { memoryCost: config.auth.argon2MemoryKib, timeCost: config.auth.argon2TimeCost, parallelism: config.auth.argon2Parallelism };
    const stored = await hash('password-of-user1', params);
    const login = () =>
      call(
        bridge.url,
        'POST',
        '/authenticate',
        { authorization: BASIC, 'content-type': 'application/json' },
        { username: 'user1', password: 'password-of-user1' },
      );
    const first = await login();
    if ((first.json as { status?: string }).status !== 'success') throw new Error(`The login check failed: ${JSON.stringify(first.json)}`);
    const logins: number[] = [];
    const verifies: number[] = [];
    const samples = Math.max(50, seconds * 20);
    for (let i = 0; i < samples; i++) {
      logins.push((await login()).ms);
      const t = performance.now();
      await verify(stored, 'password-of-user1');
      verifies.push(performance.now() - t);
    }
    const ratio = pct(logins, 50) / pct(verifies, 50);
    console.log(`  argon2id m=${params.memoryCost} KiB, t=${params.timeCost}, p=${params.parallelism}; ${samples} pairs, one at a time`);
    console.log(`  verify     p50 ${fmt(pct(verifies, 50), 1).padStart(7)} ms   p99 ${fmt(pct(verifies, 99), 1).padStart(7)} ms`);
    console.log(`  login      p50 ${fmt(pct(logins, 50), 1).padStart(7)} ms   p99 ${fmt(pct(logins, 99), 1).padStart(7)} ms`);
    console.log(`  login/verify ${fmt(ratio, 2)}x at the median (goal ≤ 1.1x): ${verdict(ratio <= 1.1)}`);
  } finally {
    await bridge.close();
  }
}

/** The emulator as the bridge's directory (generous guards), logins never locked during the run. */
function syncEnv(emulator: EmulatorProcess): NodeJS.ProcessEnv {
  return { ...directoryEnv(emulator), AUTH_LOCKOUT_THRESHOLD: '1000', AUTH_RATE_LIMIT_PER_MINUTE: '0' };
}

/** Calls `once` one at a time until `stop` resolves; the latencies. */
async function loop(once: () => Promise<unknown>, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const ms: number[] = [];
  while (!done) {
    const t = performance.now();
    await once();
    ms.push(performance.now() - t);
  }
  return ms;
}

async function benchSync(label: string, env: NodeJS.ProcessEnv, dir: string): Promise<void> {
  console.log(`\n== /sync of ${fmt(users)} people, and /sync and /authenticate during a full sync (${label}) ==`);
  const departments = String(Math.max(10, Math.round(users / 20)));
  const [first, second] = await Promise.all([
    startEmulatorProcess({ employees: users, departments: Number(departments), seed: 1 }),
    startEmulatorProcess({ employees: users, departments: Number(departments), seed: 2 }),
  ]);
  try {
    let bridge = await startBridgeProcess({ ...baseEnv, ...env, ...syncEnv(first) });
    try {
      const t = performance.now();
      const run = await call(bridge.url, 'POST', '/api/v1/sync/runs?wait=true', admin, {});
      if ((run.json as { status?: string }).status !== 'published')
        throw new Error(`The first sync did not publish: ${JSON.stringify(run.json).slice(0, 300)}`);
      console.log(`  first sync published in ${fmt((performance.now() - t) / 1000, 1)} s`);
      const res = await request(`${bridge.url}/sync`, { method: 'POST', headers: { authorization: BASIC, 'accept-encoding': 'gzip' } });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      const file = join(dir, 'sync.gz');
      writeFileSync(file, bytes);
      const bare = await startBareProcess('bytes', {
        BARE_BODY_FILE: file,
        BARE_HEADERS: JSON.stringify({ 'content-type': res.headers['content-type'], 'content-encoding': 'gzip', etag: res.headers.etag }),
      });
      try {
        const load = (server: ServerProcess, headers: Record<string, string>) => () =>
          measured(server, () =>
            autocannon(`${server.url}/sync`, { connections: 8, seconds, method: 'POST', headers: { 'accept-encoding': 'gzip', ...headers } }),
          );
        const r = await sideBySide(load(bridge, { authorization: BASIC }), load(bare, {}));
        const ratio = r.bridge.p99 / r.floor.p99;
        console.log(`  /sync at 8 connections, ${fmt(bytes.length / 1e6, 1)} MB gzip:`);
        console.log(line('floor', r.floor));
        console.log(line('bridge', r.bridge));
        console.log(`  bridge/floor p99 ${fmt(ratio, 2)}x (goal ≤ 1.5x): ${verdict(ratio <= 1.5)}; median ${fmt(r.bridge.p50 / r.floor.p50, 2)}x`);
      } finally {
        await bare.close();
      }
      // A login that succeeds throughout: a password for one published person.
      const list = (await call(bridge.url, 'POST', '/sync', { authorization: BASIC })).json as { user_info_list: { username: string }[] };
      const username = list.user_info_list[0].username;
      await call(bridge.url, 'POST', '/api/v1/auth/passwords/import', admin, { items: [{ username, password: 'bench-password' }] });
      await bridge.close();
      // The same database, now read from a second organisation: every person changes.
      bridge = await startBridgeProcess({ ...baseEnv, ...env, ...syncEnv(second) });
      const started = performance.now();
      const syncing = call(bridge.url, 'POST', '/api/v1/sync/runs?wait=true', admin, {});
      const [syncMs, authMs, run2] = await Promise.all([
        loop(async () => {
          const answer = await request(`${bridge.url}/sync`, { method: 'POST', headers: { authorization: BASIC, 'accept-encoding': 'gzip' } });
          await answer.body.arrayBuffer();
        }, syncing),
        loop(async () => {
          const answer = await call(
            bridge.url,
            'POST',
            '/authenticate',
            { authorization: BASIC, 'content-type': 'application/json' },
            { username, password: 'bench-password' },
          );
          // Once the new organisation is published the person is gone: a refused login does the same work (a dummy verify).
          const status = (answer.json as { status?: string }).status;
          if (status !== 'success' && status !== 'fail') throw new Error(`The login answered ${JSON.stringify(answer.json)}`);
        }, syncing),
        syncing,
      ]);
      const status = (run2.json as { status?: string }).status;
      console.log(`  second, full sync (${status}) in ${fmt((performance.now() - started) / 1000, 1)} s; meanwhile, one call at a time:`);
      for (const [name, ms] of [
        ['/sync', syncMs],
        ['/authenticate', authMs],
      ] as const) {
        const p99 = pct(ms, 99);
        console.log(
          `  ${name.padEnd(14)} ${String(ms.length).padStart(5)} calls   p50 ${fmt(pct(ms, 50), 1).padStart(7)} ms   p99 ${fmt(p99, 1).padStart(7)} ms   max ${fmt(Math.max(...ms), 1).padStart(7)} ms (goal p99 < 250 ms): ${verdict(p99 < 250)}`,
        );
      }
    } finally {
      await bridge.close();
    }
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
}

async function withMysqlDatabase(prefix: string, work: (url: string) => Promise<void>): Promise<void> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const server = await createConnection({ uri: mysqlUrl! });
  await server.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  try {
    const url = new URL(mysqlUrl!);
    url.pathname = `/${name}`;
    await work(url.toString());
  } finally {
    await server.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await server.end();
  }
}

async function main(): Promise<void> {
  console.log(
    `Reproduce: npm run bench:http -- --users ${users} --duration ${seconds} --rounds ${rounds} --only ${[...only].join(',')} --query-audit ${values['query-audit']}${mysqlUrl ? ` --mysql ${mysqlUrl}` : ''}`,
  );
  console.log(`Node ${process.version}; best of ${rounds} alternated rounds of ${seconds} s per figure.`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-http-'));
  try {
    if (only.has('health')) await benchHealth(dir);
    if (only.has('lookup')) {
      const path = join(dir, 'lookup.sqlite');
      await benchLookup('SQLite', { SQLITE_PATH: path }, (sql, params) =>
        startBareProcess('sqlite', { BARE_SQLITE_PATH: path, BARE_SQL: sql, BARE_PARAMS: JSON.stringify(params) }),
      );
      if (mysqlUrl) {
        await withMysqlDatabase('bench_http', (url) =>
          benchLookup(`MariaDB ${new URL(url).host}`, { DATABASE_URL: url, DATABASE_POOL_SIZE: '32', ALLOW_SAMPLE_ORGANISATION: 'true' }, (sql, params) =>
            startBareProcess('mysql', { BARE_MYSQL_URL: url, BARE_POOL: '32', BARE_SQL: sql, BARE_PARAMS: JSON.stringify(params) }),
          ),
        );
      }
    }
    if (only.has('auth')) await benchAuth(dir);
    if (only.has('sync')) {
      await benchSync('SQLite', { SQLITE_PATH: join(dir, 'sync.sqlite') }, dir);
      if (mysqlUrl) await withMysqlDatabase('bench_http_sync', (url) => benchSync(`MariaDB ${new URL(url).host}`, { DATABASE_URL: url }, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
