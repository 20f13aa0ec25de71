/**
 * OMFLOW query API benchmark: `npm run bench:query -- [--users 100000] [--duration 5] [--audit all|failures|off] [--mysql mysql://root@127.0.0.1:3306/test]`
 * (TEST_MYSQL_URL works as --mysql). For each database (SQLite always, MySQL/MariaDB when a URL is given) it
 *  1. starts the bridge on a fresh database and inserts N users (100 departments, one membership each) straight
 *     into person/department/person_group;
 *  2. for each scenario (lookup by username, `in` of 50 ids, `contains` on nick_name, a page of 100 ordered by -id,
 *     one 10,000-row answer) runs autocannon at 1 and 32 connections against POST /rest/accounts/api/user/list/
 *     and prints requests/s, median and p99 latency;
 *  3. beside each, the floor: the same SQL the service runs (the statement libs/snapshots compiles for the request,
 *     `UserQueryService.prepareUsers(body).statement`), executed directly through the driver in a loop (better-sqlite3
 *     on its own connection to the same file; a mysql2 pool of 1 or 32 connections).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createConnection, createPool } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadBridgeConfig } from '#app/config';
import { UserQueryService } from '#app/omflow';
import { omflowCollation } from '#app/omflow-contract';
import { CollationKeyFill, FOLD_FUNCTION, foldFunction } from '#app/snapshots';
import { createBridgeApp } from '../apps/bridge/src/bootstrap.js';
import { populate } from './support/people.js';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: {
  url: string;
  method: string;
  body: string;
  connections: number;
  duration: number;
  timeout: number;
  headers: Record<string, string>;
}) => Promise<CannonResult>;
const BetterSqlite3 = require('better-sqlite3') as new (
  path: string,
  opts?: { readonly?: boolean },
) => {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  function(name: string, opts: { deterministic: boolean }, fn: (value: unknown) => unknown): void;
  close(): void;
};

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

type Body = Record<string, unknown>;

function scenarios(users: number): { name: string; indexed: boolean; body: Body }[] {
  const ids = Array.from({ length: 50 }, (_, i) => 1 + Math.floor(((i + 1) * users) / 51));
  return [
    { name: 'lookup by username', indexed: true, body: { search_conditions: [{ column: 'username', condition: '=', value: `user${Math.floor(users / 2)}` }] } },
    { name: 'in of 50 ids', indexed: true, body: { search_conditions: [{ column: 'id', condition: 'in', value: ids }] } },
    { name: 'contains on nick_name', indexed: false, body: { search_conditions: [{ column: 'nick_name', condition: 'contains', value: 'wei 123' }] } },
    { name: 'page of 100 by -id', indexed: true, body: { order_columns: ['-id'], start: 0, limit: 100 } },
    { name: '10,000-row answer', indexed: false, body: { start: 0, limit: 10_000 } },
  ];
}

interface Floor {
  run(sql: string, params: unknown[]): Promise<unknown>;
  concurrency: number[];
  close(): Promise<void>;
}

async function floorLoop(
  floor: Floor,
  sql: string,
  params: unknown[],
  concurrency: number,
  seconds: number,
): Promise<{ rps: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await floor.run(sql, params);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function benchDatabase(
  label: string,
  env: NodeJS.ProcessEnv,
  floorFactory: (concurrency: number) => Promise<Floor>,
  opts: { users: number; duration: number; audit: string },
): Promise<void> {
  const config = loadBridgeConfig({
    LOG_LEVEL: 'silent',
    BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    DOCS_ENABLED: 'false',
    SYNC_CRON: 'off',
    SYNC_ON_START: 'false',
    QUERY_AUDIT: opts.audit,
    ...env,
  });
  const app = await createBridgeApp(config, { adminTokenSink: () => undefined });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  console.log(`\n== ${label}: ${fmt(opts.users)} users, QUERY_AUDIT=${opts.audit}, ${opts.duration} s per run ==`);
  try {
    const t = performance.now();
    await populate(app.get(DataSource), opts.users);
    await app.get(CollationKeyFill).fill();
    console.log(`inserted in ${fmt((performance.now() - t) / 1000, 1)} s`);
    const created = await fetch(`${url}/api/v1/clients`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'bench-query', name: 'bench', scopes: ['users:query'] }),
    });
    const { secret } = (await created.json()) as { secret: string };
    const codeAnswer = await fetch(`${url}/accounts/api/security/get/`, {
      headers: { Authorization: `Basic ${Buffer.from(`bench-query:${secret}`).toString('base64')}` },
    });
    const security = ((await codeAnswer.json()) as { result: { security: string } }).result.security;
    const service = app.get(UserQueryService);

    console.log(`${'scenario'.padEnd(24)} conns  rows  | bridge req/s   p50 ms   p99 ms | floor q/s     p50 ms   p99 ms | bridge/floor`);
    for (const scenario of scenarios(opts.users)) {
      const body = JSON.stringify({ security, omflow_restapi: 1, ...scenario.body });
      const check = (await (
        await fetch(`${url}/rest/accounts/api/user/list/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })
      ).json()) as { status: number; result: unknown[] };
      if (check.status !== 200) throw new Error(`${scenario.name}: ${JSON.stringify(check)}`);
      const prepared = await service.prepareUsers(scenario.body);
      const size = Math.max(0, prepared.query.limit - prepared.query.start);
      const { sql, params: sqlParams } = prepared.statement.page(prepared.query.start, size);
      for (const connections of [1, 32]) {
        await autocannon({
          url: `${url}/rest/accounts/api/user/list/`,
          method: 'POST',
          body,
          connections,
          duration: 1,
          timeout: 60,
          headers: { 'content-type': 'application/json' },
        });
        const r = await autocannon({
          url: `${url}/rest/accounts/api/user/list/`,
          method: 'POST',
          body,
          connections,
          duration: opts.duration,
          timeout: 60,
          headers: { 'content-type': 'application/json' },
        });
        const floor = await floorFactory(connections);
        let f: { rps: number; p50: number; p99: number };
        try {
          await floorLoop(floor, sql, sqlParams, connections, 0.5);
          f = await floorLoop(floor, sql, sqlParams, connections, opts.duration);
        } finally {
          await floor.close();
        }
        const bad =
          (r.non2xx + r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : '') +
          (r.requests.average ? '' : ' (no answer completed within the run: raise --duration)');
        console.log(
          `${scenario.name.padEnd(24)} ${String(connections).padStart(5)} ${String(check.result.length).padStart(5)}  | ${fmt(r.requests.average).padStart(11)} ${fmt(r.latency.p50, 1).padStart(8)} ${fmt(r.latency.p99, 1).padStart(8)} | ${fmt(f.rps).padStart(9)} ${fmt(f.p50, 2).padStart(10)} ${fmt(f.p99, 2).padStart(8)} | ${fmt((100 * r.requests.average) / f.rps).padStart(5)} %${scenario.indexed ? ' (indexed)' : ''}${bad}`,
        );
      }
    }
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const users = Number(arg('users', '100000'));
  const duration = Number(arg('duration', '5'));
  const audit = arg('audit', 'all')!;
  const mysqlUrl = arg('mysql', process.env.TEST_MYSQL_URL);
  console.log(`Reproduce: npm run bench:query -- --users ${users} --duration ${duration} --audit ${audit}${mysqlUrl ? ` --mysql ${mysqlUrl}` : ''}`);
  console.log('Floor: the same SQL through the driver alone (SQLite is synchronous: its 32-client floor is the 1-client loop run by 32 callers).');

  const dir = mkdtempSync(join(tmpdir(), 'bench-query-'));
  try {
    const path = join(dir, 'bridge.sqlite');
    await benchDatabase(
      'SQLite',
      { SQLITE_PATH: path },
      (concurrency) => {
        const db = new BetterSqlite3(path, { readonly: true });
        // The bridge's LIKE fold (contains), the same collation object as the bridge in this process uses.
        const collation = omflowCollation(loadBridgeConfig({}).query.collation);
        db.function(FOLD_FUNCTION, { deterministic: true }, foldFunction(collation));
        const cache = new Map<string, { all(...params: unknown[]): unknown[] }>();
        return Promise.resolve({
          concurrency: [concurrency],
          run: (sql: string, params: unknown[]) => {
            let stmt = cache.get(sql);
            if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
            return Promise.resolve(stmt.all(...params));
          },
          close: () => Promise.resolve(db.close()),
        });
      },
      { users, duration, audit },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (mysqlUrl) {
    const name = `bench_query_${randomBytes(4).toString('hex')}`;
    const admin = await createConnection({ uri: mysqlUrl });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    try {
      const url = new URL(mysqlUrl);
      url.pathname = `/${name}`;
      await benchDatabase(
        `MySQL/MariaDB (${url.host})`,
        { DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: '32', ALLOW_SAMPLE_ORGANISATION: 'true' },
        (concurrency) => {
          const pool = createPool({ uri: url.toString(), connectionLimit: concurrency, charset: 'utf8mb4_unicode_ci', timezone: 'Z' });
          return Promise.resolve({ concurrency: [concurrency], run: (sql: string, params: unknown[]) => pool.query(sql, params), close: () => pool.end() });
        },
        { users, duration, audit },
      );
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
