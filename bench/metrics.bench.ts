/**
 * Metrics cost benchmark: `npm run bench -- metrics [--observations 1000000] [--rounds 5] [--duration 3]`.
 * It prints, with the command to reproduce:
 *  1. the cost of one HTTP observation (requests counter + duration histogram) as the bridge records it
 *     (BridgeMetrics.httpRequest: label children cached per method/route/status), beside prom-client called
 *     directly with a label object per call, both after subtracting the loop itself; 40 label combinations
 *     (10 routes x 2 methods x 2 statuses), durations spread over the buckets; median of `rounds` alternated rounds;
 *  2. the cost of one scrape (registry.metrics()) with those series and the default process/Node metrics;
 *  3. over real HTTP: a bare Fastify answering a small JSON, without and with installHttpMetrics, autocannon at
 *     32 connections, alternated rounds (on a shared machine this is noisy: (1) is the figure to quote).
 */
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import fastify from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { BridgeMetrics, createMetricsRegistry, installHttpMetrics } from '#app/metrics';

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: { url: string; connections: number; duration: number }) => Promise<CannonResult>;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const N = Number(arg('observations', '1000000'));
const ROUNDS = Number(arg('rounds', '5'));
const DURATION = Number(arg('duration', '3'));

const ROUTES = Array.from({ length: 10 }, (_, i) => `/api/v1/resource${i}/:id`);
const METHODS = ['GET', 'POST'];
const STATUSES = [200, 404];
/** The requests to observe, precomputed so that every variant does the same work around the call. */
const SAMPLES = Array.from({ length: 4096 }, (_, i) => ({
  method: METHODS[i % 2],
  route: ROUTES[(i >> 1) % ROUTES.length],
  status: STATUSES[(i >> 4) % 2],
  // 0.2 ms to ~1.6 s, log-spread over the buckets.
  seconds: 0.0002 * Math.pow(2, (i % 13) + ((i * 7919) % 100) / 100),
}));

/**
 * CPU ns (user + system of this process) per iteration of `body(i)` over N iterations: CPU time,
 * not wall time, so that other processes competing for the machine count less.
 */
function time(body: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) body(i);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / N;
}

function observations(): void {
  const bridge = new BridgeMetrics(new Registry());
  const registry = new Registry();
  const counter = new Counter({ name: 'c_total', help: 'h', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const histogram = new Histogram({
    name: 'h_seconds',
    help: 'h',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  let sink = 0;
  const variants = {
    loop: (i: number) => {
      const s = SAMPLES[i & 4095];
      sink += s.status + s.seconds;
    },
    bridge: (i: number) => {
      const s = SAMPLES[i & 4095];
      bridge.httpRequest(s.method, s.route, s.status, s.seconds);
    },
    direct: (i: number) => {
      const s = SAMPLES[i & 4095];
      const labels = { method: s.method, route: s.route, status: String(s.status) };
      counter.inc(labels);
      histogram.observe(labels, s.seconds);
    },
  };
  const results: Record<keyof typeof variants, number[]> = { loop: [], bridge: [], direct: [] };
  for (const body of Object.values(variants)) time(body); // warm-up
  for (let r = 0; r < ROUNDS; r++) for (const [name, body] of Object.entries(variants)) results[name as keyof typeof variants].push(time(body));
  const loop = median(results.loop);
  console.log(`\n== one HTTP observation (counter + histogram), ${fmt(N)} observations x ${ROUNDS} rounds, 40 label sets, median CPU time ==`);
  console.log(`loop alone:                                   ${fmt(loop, 1)} ns`);
  console.log(`BridgeMetrics.httpRequest (what the hook does): ${fmt(median(results.bridge) - loop, 1)} ns/observation`);
  console.log(`prom-client direct, label object per call:    ${fmt(median(results.direct) - loop, 1)} ns/observation`);
  if (sink === -1) console.log(sink);
}

async function scrape(): Promise<void> {
  const registry = createMetricsRegistry();
  const bridge = new BridgeMetrics(registry);
  for (const s of SAMPLES) bridge.httpRequest(s.method, s.route, s.status, s.seconds);
  for (const phase of ['read', 'load', 'check', 'diff', 'write', 'publish', 'total']) bridge.syncPhase(phase, 1);
  await registry.metrics();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    bytes = (await registry.metrics()).length;
    times.push(performance.now() - t);
  }
  console.log(`\n== one scrape (registry.metrics()), 40 HTTP label sets + sync phases + default metrics, 200 scrapes ==`);
  console.log(`median ${fmt(median(times), 3)} ms, ${fmt(bytes)} bytes (the /metrics route adds one status read from the database)`);
}

async function overHttp(): Promise<void> {
  const start = async (withMetrics: boolean) => {
    const app = fastify();
    if (withMetrics) installHttpMetrics(app, new BridgeMetrics(new Registry()));
    app.get('/ping/:id', () => ({ status: 'ok' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    return { app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ping/1` };
  };
  const plain = await start(false);
  const metered = await start(true);
  const rounds: Record<'plain' | 'metered', CannonResult[]> = { plain: [], metered: [] };
  try {
    for (let r = 0; r < 2; r++) {
      rounds.plain.push(await autocannon({ url: plain.url, connections: 32, duration: DURATION }));
      rounds.metered.push(await autocannon({ url: metered.url, connections: 32, duration: DURATION }));
    }
  } finally {
    await plain.app.close();
    await metered.app.close();
  }
  const line = (label: string, rs: CannonResult[]) => {
    const rps = Math.max(...rs.map((x) => x.requests.average)); // the best round: the least disturbed by other processes
    const errors = rs.reduce((n, x) => n + x.errors + x.non2xx, 0);
    return {
      rps,
      text: `${label}: ${fmt(rps)} req/s (rounds ${rs.map((x) => fmt(x.requests.average)).join(', ')}), p99 ${fmt(Math.max(...rs.map((x) => x.latency.p99)))} ms, errors ${errors}`,
    };
  };
  const a = line('bare Fastify', rounds.plain);
  const b = line('with installHttpMetrics', rounds.metered);
  console.log(`\n== GET /ping/:id over HTTP (same process as autocannon), 32 connections, 2 x ${DURATION} s alternated ==`);
  console.log(a.text);
  console.log(b.text);
  console.log(`ratio of the best rounds ${fmt((b.rps / a.rps) * 100, 1)} % (under load, rounds swing by tens of %: quote the CPU figure above)`);
}

console.log(
  `Node ${process.version}, ${cpus().length} CPU(s) ${cpus()[0]?.model ?? ''}, load average ${loadavg()
    .map((l) => fmt(l, 2))
    .join(' ')}`,
);
observations();
await scrape();
await overHttp();
console.log(`\nReproduce: npm run bench -- metrics --observations ${N} --rounds ${ROUNDS} --duration ${DURATION}`);
