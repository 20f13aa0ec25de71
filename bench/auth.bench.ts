/**
 * Login benchmark: `npm run bench:auth -- [--duration 10] [--samples 300] [--mysql mysql://root@127.0.0.1:3306/test]`
 * (TEST_MYSQL_URL works as --mysql). The bridge runs as its own process (the production entry point, default
 * argon2id parameters, audit on) so that the load generator does not share its event loop. It prints:
 *  1. the bare cost of one argon2id verify with the bridge's parameters (in this process): latency one at a time, and
 *     throughput with 32 verifies outstanding;
 *  2. POST /authenticate over real HTTP, right password: one at a time interleaved with bare verifies (median, p99,
 *     overhead beyond the hash); the CPU time per login of the bridge process beside the CPU time of one bare verify
 *     (Linux; unaffected by other processes competing for the machine); and logins/s, median and p99 latency with
 *     autocannon at 1 and 32 concurrent clients, in rounds alternated with as many bare verifies outstanding;
 *  3. unknown-user and wrong-password answers, interleaved one at a time, as two latency distributions side by side,
 *     with a two-sample Kolmogorov-Smirnov distance (indistinguishable within noise when below the 5 % critical value).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hash, verify } from '@node-rs/argon2';
import { createConnection } from 'mysql2/promise';
import { request } from 'undici';
import { loadBridgeConfig } from '#app/config';
import { freePort } from './support/bridge-process.js';
import { writeOrganisation } from './support/people.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { average: number; p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: {
  url: string;
  method: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
  body: string;
}) => Promise<CannonResult>;

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
const OMFLOW = { id: 'omflow-bench', secret: `omflow-${randomBytes(12).toString('hex')}` };
const BASIC = `Basic ${Buffer.from(`${OMFLOW.id}:${OMFLOW.secret}`).toString('base64')}`;
const USERS = 50;

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`The bridge exited with code ${child.exitCode}`);
    try {
      const res = await request(`${url}/health/live`);
      await res.body.dump();
      if (res.statusCode < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('The bridge did not start within 20 s');
}

async function call(url: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await request(`${url}${path}`, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: await res.body.json() };
}

/** Two-sample Kolmogorov-Smirnov distance. */
function ksDistance(a: number[], b: number[]): number {
  const sa = sortNum(a);
  const sb = sortNum(b);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < sa.length && j < sb.length) {
    const x = Math.min(sa[i], sb[j]);
    while (i < sa.length && sa[i] <= x) i++;
    while (j < sb.length && sb[j] <= x) j++;
    d = Math.max(d, Math.abs(i / sa.length - j / sb.length));
  }
  return d;
}

async function benchDatabase(label: string, env: NodeJS.ProcessEnv, opts: { duration: number; samples: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-bench-'));
  const orgFile = join(dir, 'org.json');
  writeOrganisation(orgFile, USERS);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bridgeEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DOCS_ENABLED: 'false',
    SQLITE_PATH: join(dir, 'bridge.sqlite'),
    HR_SOURCE: 'file',
    HR_FILE: orgFile,
    SYNC_CRON: 'off',
    SYNC_ON_START: 'false',
    BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    OMFLOW_CLIENT_ID: OMFLOW.id,
    OMFLOW_CLIENT_SECRET: OMFLOW.secret,
    // Counting stays on (the wrong-password path writes its counters) but nothing locks during the run.
    AUTH_LOCKOUT_THRESHOLD: '1000',
    AUTH_IP_LOCKOUT_THRESHOLD: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  };
  const child = spawn(process.execPath, ['dist/apps/bridge/src/main.js'], { env: bridgeEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`\n== ${label} ==`);
  try {
    await waitUntilUp(url, child);
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const run = await call(url, 'POST', '/api/v1/sync/runs?wait=true', admin, {});
    if ((run.json as { status?: string }).status !== 'published') throw new Error(`The sync did not publish: ${JSON.stringify(run.json)}`);
    const items = Array.from({ length: USERS }, (_, i) => ({ username: `user${i}`, password: `password-of-user${i}` }));
    const imported = await call(url, 'POST', '/api/v1/auth/passwords/import', admin, { items });
    if ((imported.json as { created?: number }).created !== USERS) throw new Error(`Import failed: ${JSON.stringify(imported.json)}`);
    const login = (username: string, password: string) => call(url, 'POST', '/authenticate', { authorization: BASIC }, { username, password });
    const ok = await login('user1', 'password-of-user1');
    if ((ok.json as { status?: string }).status !== 'success') throw new Error(`The login check failed: ${JSON.stringify(ok.json)}`);

    // 1. The bare hash, with the bridge's parameters, in this process; and logins, one at a time, paired with it.
    const config = loadBridgeConfig(bridgeEnv);
    const params = { memoryCost: config.auth.argon2MemoryKib, timeCost: config.auth.argon2TimeCost, parallelism: config.auth.argon2Parallelism };
    const stored = await hash('password-of-user1', params);
    for (let i = 0; i < 20; i++) {
      await verify(stored, 'password-of-user1');
      await login('user1', 'password-of-user1');
    }
    // Interleaved, so that a noisy neighbour (other processes on the machine) weighs on both alike.
    const bare: number[] = [];
    const logins: number[] = [];
    for (let i = 0; i < opts.samples; i++) {
      let t = performance.now();
      await verify(stored, 'password-of-user1');
      bare.push(performance.now() - t);
      t = performance.now();
      const res = await login('user1', 'password-of-user1');
      logins.push(performance.now() - t);
      if ((res.json as { status?: string }).status !== 'success') throw new Error(`Expected a success, got ${JSON.stringify(res.json)}`);
    }
    const sb = sortNum(bare);
    const sl = sortNum(logins);
    console.log(
      `argon2id m=${params.memoryCost} KiB, t=${params.timeCost}, p=${params.parallelism}; libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4} threads`,
    );
    console.log(`1 client, ${opts.samples} pairs interleaved (one bare verify in this process, then one POST /authenticate with the right password):`);
    console.log(`  bare verify        : median ${fmt(pct(sb, 50), 2)} ms, p99 ${fmt(pct(sb, 99), 2)} ms`);
    console.log(
      `  POST /authenticate : median ${fmt(pct(sl, 50), 2)} ms, p99 ${fmt(pct(sl, 99), 2)} ms, ${fmt(1000 / (logins.reduce((a, b) => a + b, 0) / logins.length), 1)} logins/s`,
    );
    console.log(
      `  overhead beyond the hash (median): +${fmt(pct(sl, 50) - pct(sb, 50), 2)} ms = ${fmt(((pct(sl, 50) - pct(sb, 50)) / pct(sb, 50)) * 100, 1)} % (target < 10 %)`,
    );

    // 1b. CPU time, which other processes on the machine do not inflate: the bridge process's CPU per login
    // (Linux /proc, all its threads: event loop, argon2 pool, SQLite) beside this process's CPU per bare verify.
    const procCpu = (): number | null => {
      try {
        const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
      } catch {
        return null;
      }
    };
    const cpuBefore = procCpu();
    if (cpuBefore !== null) {
      const n = opts.samples;
      for (let i = 0; i < n; i++) await login('user1', 'password-of-user1');
      const perLogin = ((procCpu()! - cpuBefore) / n) * 1000;
      const own = process.cpuUsage();
      for (let i = 0; i < n; i++) await verify(stored, 'password-of-user1');
      const used = process.cpuUsage(own);
      const perVerify = (used.user + used.system) / 1000 / n;
      console.log(`CPU time, ${n} sequential logins (bridge process) vs ${n} bare verifies (this process), immune to other load:`);
      console.log(
        `  per login ${fmt(perLogin, 2)} ms CPU, per bare verify ${fmt(perVerify, 2)} ms CPU: overhead beyond the hash ${fmt(((perLogin - perVerify) / perVerify) * 100, 1)} % (target < 10 %)`,
      );
    }

    // 2. Throughput over HTTP (autocannon) beside the same number of verifies outstanding in this process, alternated.
    const cannon = (connections: number, duration: number) =>
      autocannon({
        url: `${url}/authenticate`,
        method: 'POST',
        connections,
        duration,
        headers: { authorization: BASIC, 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'user1', password: 'password-of-user1' }),
      });
    const bareRate = async (outstanding: number, duration: number) => {
      const started = performance.now();
      const until = started + duration * 1000;
      let done = 0;
      await Promise.all(
        Array.from({ length: outstanding }, async () => {
          while (performance.now() < until) {
            await verify(stored, 'password-of-user1');
            done++;
          }
        }),
      );
      return done / ((performance.now() - started) / 1000);
    };
    await cannon(4, 2); // warm-up
    const rounds = 3;
    const slice = Math.max(2, Math.round(opts.duration / rounds));
    console.log(`Throughput, ${rounds} alternated rounds of ${slice} s (bare verifies outstanding in this process vs autocannon over HTTP/1.1 keep-alive):`);
    for (const connections of [1, 32]) {
      let bareSum = 0;
      const results: CannonResult[] = [];
      for (let r = 0; r < rounds; r++) {
        bareSum += await bareRate(connections, slice);
        results.push(await cannon(connections, slice));
      }
      const rps = results.reduce((a, x) => a + x.requests.average, 0) / rounds;
      const bareRps = bareSum / rounds;
      const bad = results.reduce((a, x) => a + x.non2xx + x.errors, 0);
      console.log(
        `  ${String(connections).padStart(2)} client(s): ${fmt(rps, 1)} logins/s (bare: ${fmt(bareRps, 1)} verifies/s, ${fmt((1 - rps / bareRps) * 100, 1)} % fewer), ` +
          `latency median ${Math.max(...results.map((x) => x.latency.p50))} ms, p99 ${Math.max(...results.map((x) => x.latency.p99))} ms (worst round)${bad ? `, ${bad} non-2xx/errors` : ''}`,
      );
    }

    // 3. Unknown user vs wrong password, interleaved so that noise weighs on both alike.
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < opts.samples; i++) {
      for (const [sink, username, password] of (i % 2
        ? [
            [unknown, `nobody${i}`, 'password-of-user1'],
            [wrong, `user${i % USERS}`, 'not-the-password'],
          ]
        : [
            [wrong, `user${i % USERS}`, 'not-the-password'],
            [unknown, `nobody${i}`, 'password-of-user1'],
          ]) as [number[], string, string][]) {
        const t = performance.now();
        const res = await login(username, password);
        sink.push(performance.now() - t);
        if ((res.json as { status?: string }).status !== 'fail') throw new Error(`Expected a failure, got ${JSON.stringify(res.json)}`);
      }
    }
    const su = sortNum(unknown);
    const sw = sortNum(wrong);
    console.log(`Failed logins, one at a time, interleaved (${opts.samples} each), latency in ms:`);
    console.log(`  ${'percentile'.padEnd(12)}${'unknown user'.padStart(14)}${'wrong password'.padStart(16)}`);
    for (const p of [1, 10, 25, 50, 75, 90, 99]) console.log(`  ${`p${p}`.padEnd(12)}${fmt(pct(su, p), 2).padStart(14)}${fmt(pct(sw, p), 2).padStart(16)}`);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    console.log(`  ${'mean'.padEnd(12)}${fmt(mean(su), 2).padStart(14)}${fmt(mean(sw), 2).padStart(16)}`);
    const d = ksDistance(unknown, wrong);
    const critical = 1.358 * Math.sqrt(2 / opts.samples);
    console.log(
      `  Kolmogorov-Smirnov distance ${fmt(d, 3)} (5 % critical value ${fmt(critical, 3)}): ${d < critical ? 'indistinguishable' : 'DISTINGUISHABLE'}`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const duration = Number(arg('duration', '10'));
  const samples = Number(arg('samples', '300'));
  const mysqlUrl = arg('mysql', process.env.TEST_MYSQL_URL);
  console.log(`Login benchmark, Node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`Reproduce: npm run bench:auth -- --duration ${duration} --samples ${samples}${mysqlUrl ? ` --mysql ${mysqlUrl}` : ''}`);
  await benchDatabase('SQLite (better-sqlite3, WAL)', {}, { duration, samples });
  if (mysqlUrl) {
    const name = `bench_auth_${Date.now().toString(36)}`;
    const conn = await createConnection({ uri: mysqlUrl });
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    try {
      const url = new URL(mysqlUrl);
      url.pathname = `/${name}`;
      await benchDatabase(`MySQL/MariaDB (${url.host})`, { DATABASE_URL: url.toString() }, { duration, samples });
    } finally {
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
