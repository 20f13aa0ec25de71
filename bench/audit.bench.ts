/**
 * Audit trail benchmark: `npm run bench:audit -- [--events 100000] [--concurrency 256] [--mysql mysql://root@127.0.0.1:3306/test] [--duration 5]`
 * (TEST_MYSQL_URL works as --mysql). For each database (SQLite always, MySQL/MariaDB when a URL is given) it
 *  1. records N events through AuditService.record() with `concurrency` calls outstanding (as many concurrent requests),
 *     and prints the throughput and the latency of record();
 *  2. records 2,000 events one after the other (the commit latency an idle bridge adds to one request);
 *  3. runs autocannon against a trivial authenticated request (GET /api/v1/whoami), without and with one awaited
 *     audit event per request, and prints the cost per request;
 *  4. verifies the whole chain over the API.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createConnection } from 'mysql2/promise';
import { AuditService } from '#app/audit';
import { loadBridgeConfig } from '#app/config';
import { createBridgeApp } from '../apps/bridge/src/bootstrap.js';

interface CannonResult {
  requests: { average: number };
  latency: { average: number; p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}) => Promise<CannonResult>;

const ADMIN_TOKEN = `bench-admin-${randomBytes(16).toString('hex')}`;

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function benchDatabase(label: string, env: NodeJS.ProcessEnv, opts: { events: number; concurrency: number; duration: number }): Promise<void> {
  const config = loadBridgeConfig({ LOG_LEVEL: 'silent', BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN, DOCS_ENABLED: 'false', ...env });
  const app = await createBridgeApp(config, { adminTokenSink: () => undefined });
  const audit = app.get(AuditService);
  let auditRequests = false;
  // One awaited audit event per request, as a route that records what it did; toggled between the two HTTP runs.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (req) => {
      if (!auditRequests) return;
      await audit.record({
        action: 'bench.request',
        outcome: 'success',
        actor: { kind: 'client', id: 'bench' },
        target: { type: 'route', id: req.url.split('?')[0] },
        details: { method: req.method },
      });
    });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  console.log(`\n== ${label} ==`);
  try {
    // 1. Throughput with many concurrent recorders.
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const latencies = new Float64Array(opts.events);
    let issued = 0;
    const started = performance.now();
    const worker = async () => {
      while (issued < opts.events) {
        const i = issued++;
        const t = performance.now();
        await audit.record({
          action: 'bench.event',
          outcome: i % 10 ? 'success' : 'failure',
          actor: { kind: 'client', id: `client-${i % 50}` },
          target: { type: 'employee', id: `emp-${i}` },
          requestId: `req-${i}`,
          sourceIp: '10.0.0.1',
          details: { before: { name: `Old ${i}`, dept: 'A' }, after: { name: `New ${i}`, dept: 'B' }, password: 'never-stored' },
        });
        latencies[i] = performance.now() - t;
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const elapsed = (performance.now() - started) / 1000;
    global.gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    const sorted = Array.from(latencies).sort((a, b) => a - b);
    console.log(`record() x ${fmt(opts.events)} with ${opts.concurrency} outstanding: ${fmt(elapsed, 2)} s, ${fmt(opts.events / elapsed)} events/s`);
    console.log(
      `  record() latency under that load: p50 ${fmt(percentile(sorted, 50), 2)} ms, p99 ${fmt(percentile(sorted, 99), 2)} ms; heap +${fmt((heapAfter - heapBefore) / 1048576, 1)} MB`,
    );

    // 2. Idle commit latency: one event at a time.
    const serial: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const t = performance.now();
      await audit.record({ action: 'bench.serial', outcome: 'success', target: { type: 'n', id: String(i) } });
      serial.push(performance.now() - t);
    }
    serial.sort((a, b) => a - b);
    console.log(`record() one at a time (2,000): p50 ${fmt(percentile(serial, 50), 2)} ms, p99 ${fmt(percentile(serial, 99), 2)} ms`);

    // 3. Cost per request over HTTP.
    const cannon = (audited: boolean) => {
      auditRequests = audited;
      return autocannon({ url: `${url}/api/v1/whoami`, connections: 16, duration: opts.duration, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    };
    await cannon(false); // warm-up
    // Alternated, twice each, so that a noisy neighbour weighs on both sides alike.
    const runs: { plain: CannonResult[]; audited: CannonResult[] } = { plain: [], audited: [] };
    for (let round = 0; round < 2; round++) {
      runs.plain.push(await cannon(false));
      runs.audited.push(await cannon(true));
    }
    auditRequests = false;
    const mean = (rs: CannonResult[]): CannonResult => ({
      requests: { average: rs.reduce((s, r) => s + r.requests.average, 0) / rs.length },
      latency: {
        average: rs.reduce((s, r) => s + r.latency.average, 0) / rs.length,
        p50: Math.max(...rs.map((r) => r.latency.p50)),
        p99: Math.max(...rs.map((r) => r.latency.p99)),
      },
      non2xx: rs.reduce((s, r) => s + r.non2xx, 0),
      errors: rs.reduce((s, r) => s + r.errors, 0),
    });
    const plain = mean(runs.plain);
    const audited = mean(runs.audited);
    const line = (name: string, r: CannonResult) =>
      `  ${name}: ${fmt(r.requests.average)} req/s, latency mean ${fmt(r.latency.average, 2)} ms, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms${r.non2xx || r.errors ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`;
    console.log(`GET /api/v1/whoami (bearer), 16 connections, 2 x ${opts.duration} s each, alternated (p50/p99: worst run):`);
    console.log(line('without audit', plain));
    console.log(line('with one audited event per request', audited));
    console.log(
      `  cost per request: +${fmt(audited.latency.average - plain.latency.average, 2)} ms mean latency, ${fmt((1 - audited.requests.average / plain.requests.average) * 100, 1)} % fewer req/s`,
    );

    // One request at a time, modes interleaved in small blocks: the median difference is the cost a single request pays.
    const serialLatency = { plain: [] as number[], audited: [] as number[] };
    for (let round = 0; round < 20; round++) {
      for (const mode of ['plain', 'audited'] as const) {
        auditRequests = mode === 'audited';
        for (let i = 0; i < 100; i++) {
          const t0 = performance.now();
          const r = await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
          await r.arrayBuffer();
          serialLatency[mode].push(performance.now() - t0);
        }
      }
    }
    auditRequests = false;
    serialLatency.plain.sort((a, b) => a - b);
    serialLatency.audited.sort((a, b) => a - b);
    const p50plain = percentile(serialLatency.plain, 50);
    const p50audited = percentile(serialLatency.audited, 50);
    console.log(
      `GET /api/v1/whoami one at a time (2,000 each, interleaved): p50 ${fmt(p50plain, 2)} ms without, ${fmt(p50audited, 2)} ms with audit: +${fmt(p50audited - p50plain, 2)} ms per request`,
    );

    // 4. Verify the whole chain.
    const t = performance.now();
    const res = await fetch(`${url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const report = (await res.json()) as { ok: boolean; checked: number };
    console.log(`verify: ${report.ok ? 'ok' : 'BROKEN'}, ${fmt(report.checked)} events in ${fmt((performance.now() - t) / 1000, 2)} s`);
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const events = Number(arg('events', '100000'));
  const concurrency = Number(arg('concurrency', '256'));
  const duration = Number(arg('duration', '5'));
  const mysqlUrl = arg('mysql', process.env.TEST_MYSQL_URL);
  console.log(`Audit trail benchmark, Node ${process.version}, ${events} events`);
  console.log(
    `Reproduce: npm run bench:audit -- --events ${events} --concurrency ${concurrency} --duration ${duration}${mysqlUrl ? ` --mysql ${mysqlUrl}` : ''}`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'audit-bench-'));
  try {
    await benchDatabase('SQLite (better-sqlite3, WAL)', { SQLITE_PATH: join(dir, 'bench.sqlite') }, { events, concurrency, duration });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (mysqlUrl) {
    const name = `bench_audit_${Date.now().toString(36)}`;
    const admin = await createConnection({ uri: mysqlUrl });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    try {
      const url = new URL(mysqlUrl);
      url.pathname = `/${name}`;
      await benchDatabase(
        `MySQL/MariaDB (${url.host})`,
        { DATABASE_URL: url.toString(), ALLOW_SAMPLE_ORGANISATION: 'true' },
        { events, concurrency, duration },
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
