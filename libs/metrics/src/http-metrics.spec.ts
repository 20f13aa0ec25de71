import fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BridgeMetrics } from './bridge-metrics.js';
import { installHttpMetrics } from './http-metrics.js';

/**
 * The value of the series of `name` with exactly `labels` (a histogram's `_count` when `name` is
 * a histogram), or undefined when there is none.
 */
async function value(metrics: BridgeMetrics, name: string, labels: Record<string, string>): Promise<number | undefined> {
  await closed();
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { type, values } = await metric.get();
  const sample = String(type) === 'histogram' ? `${name}_count` : undefined;
  const same = (l: Record<string, unknown>) => Object.keys(l).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => l[k] === v);
  return values.find((v) => (v as { metricName?: string }).metricName === sample && same(v.labels))?.value;
}

/** Lets the responses' `close` events (which the hook observes) run. */
const closed = () => new Promise((resolve) => setImmediate(resolve));

describe('installHttpMetrics (bare Fastify)', () => {
  let app: FastifyInstance;
  let metrics: BridgeMetrics;

  beforeEach(async () => {
    metrics = new BridgeMetrics();
    app = fastify();
    installHttpMetrics(app, metrics);
    app.get('/users/:id', (request) => ({ id: (request.params as { id: string }).id }));
    app.post('/fail', async (_request, reply) => reply.code(503).send({ message: 'down' }));
    app.get('/stream', (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(206, { 'content-type': 'text/plain' });
      reply.raw.end('written by the route itself');
    });
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
  });

  it('labels requests with the route template, not the raw URL, and counts each', async () => {
    for (const id of ['1', '2', '3']) expect((await app.inject({ method: 'GET', url: `/users/${id}?x=${id}` })).statusCode).toBe(200);
    expect(await value(metrics, 'bridge_http_requests_total', { method: 'GET', route: '/users/:id', status: '200' })).toBe(3);
    expect(await value(metrics, 'bridge_http_request_duration_seconds', { method: 'GET', route: '/users/:id', status: '200' })).toBe(3);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/\/users\/1/);
    expect(text).toMatch(/^bridge_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/users\/:id",status="200"\} 3$/m);
  });

  it('counts answers a route writes itself after reply.hijack()', async () => {
    expect((await app.inject({ method: 'GET', url: '/stream' })).statusCode).toBe(206);
    expect(await value(metrics, 'bridge_http_requests_total', { method: 'GET', route: '/stream', status: '206' })).toBe(1);
  });

  it('puts every unknown URL under one `unmatched` route with its 404', async () => {
    await app.inject({ method: 'GET', url: '/nope' });
    await app.inject({ method: 'GET', url: '/other/thing' });
    expect(await value(metrics, 'bridge_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(2);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/nope|other\/thing/);
  });

  it('labels the status the reply was sent with', async () => {
    await app.inject({ method: 'POST', url: '/fail' });
    expect(await value(metrics, 'bridge_http_requests_total', { method: 'POST', route: '/fail', status: '503' })).toBe(1);
    expect(await value(metrics, 'bridge_http_requests_total', { method: 'POST', route: '/fail', status: '200' })).toBeUndefined();
  });

  it('times each request from its arrival to the end of its answer, in seconds', async () => {
    await app.close();
    app = fastify();
    metrics = new BridgeMetrics();
    installHttpMetrics(app, metrics);
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return 'ok';
    });
    await app.inject({ method: 'GET', url: '/slow' });
    await closed();
    const { values } = await metrics.httpDuration.get();
    const sum = values.find((v) => (v as { metricName?: string }).metricName === 'bridge_http_request_duration_seconds_sum')!.value;
    expect(sum).toBeGreaterThanOrEqual(0.055);
    expect(sum).toBeLessThan(5);
    const le = (bound: string) =>
      values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_bucket') && String((v.labels as Record<string, unknown>).le) === bound)!.value;
    expect(le('0.05')).toBe(0);
    expect(le('0.1')).toBe(1);
  });

  it('keeps the method label bounded', async () => {
    metrics.httpRequest('FOO', 'unmatched', 405, 0.001);
    expect(await value(metrics, 'bridge_http_requests_total', { method: 'other', route: 'unmatched', status: '405' })).toBe(1);
  });
});

describe('BridgeMetrics registries', () => {
  it('gives each instance its own registry (several bridges in one process)', async () => {
    const a = new BridgeMetrics();
    const b = new BridgeMetrics();
    a.login('success');
    expect(await value(a, 'bridge_auth_logins_total', { outcome: 'success' })).toBe(1);
    expect(await value(b, 'bridge_auth_logins_total', { outcome: 'success' })).toBeUndefined();
  });
});
