import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { METRICS_CONTENT_TYPE } from '#app/metrics';
import { startAuthBridge, type AuthBridge } from '../auth/helpers.js';
import { admin, bridgeEnv, startBridge, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import type { TestPerson } from '../support/organisation.js';

const HOUR = 3_600_000;

const PERSONS: TestPerson[] = [
  { userId: 'p1', username: 'alice', departments: ['rd'] },
  { userId: 'p2', username: 'bob', departments: ['rd-web'] },
  { userId: 'p3', username: 'carol', departments: ['sales'] },
  { userId: 'p4', username: 'dave', departments: ['sales'] },
];

/** One scrape, as `series name{k="v",...}` (labels sorted) → value. */
type Scrape = Map<string, number>;

function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length ? `${name}{${pairs.join(',')}}` : name;
}

function parse(text: string): Scrape {
  const out: Scrape = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.set(seriesKey(m[1], labels), Number(m[3]));
  }
  return out;
}

describe.each(testDatabases())('GET /metrics after real work ($kind)', (db) => {
  let bridge: AuthBridge;
  let other: RunningBridge;
  let before: Scrape;

  const scrape = async (url = bridge.url): Promise<Scrape> => {
    const res = await request(url).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    return parse(res.text);
  };
  /** How much a series moved since `before` (a series absent before counts from 0). */
  const moved = (after: Scrape, name: string, labels: Record<string, string> = {}): number => {
    const key = seriesKey(name, labels);
    if (!after.has(key)) throw new Error(`no series ${key} in the scrape`);
    return after.get(key)! - (before.get(key) ?? 0);
  };

  beforeAll(async () => {
    bridge = await startAuthBridge(await db.create(), PERSONS, {
      AUTH_LOCKOUT_THRESHOLD: '2',
      AUTH_LOCKOUT_WINDOW_SECONDS: '60',
      AUTH_LOCKOUT_SECONDS: '120',
      AUTH_IP_LOCKOUT_THRESHOLD: '50',
      QUERY_AUDIT: 'all',
    });
    expect((await bridge.setPassword('alice', 'alice-pass-1')).status).toBe(200);
    // A second bridge in the same process: its own registry, its metrics turned off.
    other = await startBridge(testConfig(await db.create(), {}, bridgeEnv({ METRICS_ENABLED: 'false' })));
  });
  afterAll(async () => {
    await other?.close();
    await bridge?.stop();
    await db.dropAll();
  });
  beforeEach(async () => {
    bridge.advance(HOUR);
    before = await scrape();
  });

  it('counts a published run, its phases, its quarantined records and findings by kind; then an unchanged run', async () => {
    // A newcomer, and two without an email: two `missing-email` findings, two users quarantined.
    const next: TestPerson[] = [
      ...PERSONS,
      { userId: 'p5', username: 'erin', email: null, departments: ['rd'] },
      { userId: 'p6', username: 'frank', email: null, departments: ['rd'] },
      { userId: 'p7', username: 'grace', departments: ['rd'] },
    ];
    await bridge.publish(next);
    let after = await scrape();
    expect(moved(after, 'bridge_sync_runs_total', { outcome: 'published' })).toBe(1);
    for (const phase of ['read', 'load', 'check', 'diff', 'write', 'publish', 'total']) {
      expect(moved(after, 'bridge_sync_phase_duration_seconds_count', { phase }), phase).toBe(1);
    }
    expect(moved(after, 'bridge_sync_phase_duration_seconds_sum', { phase: 'total' })).toBeGreaterThan(0);
    expect(moved(after, 'bridge_sync_findings_total', { kind: 'missing-email' })).toBe(2);
    expect(moved(after, 'bridge_sync_records_quarantined_total', { type: 'user' })).toBe(2);
    expect(moved(after, 'bridge_sync_records_quarantined_total', { type: 'department' })).toBe(0);
    // The run's events and the publish went through the audit trail inside the publish transaction.
    expect(moved(after, 'bridge_audit_append_duration_seconds_count', { mode: 'transaction' })).toBeGreaterThanOrEqual(1);
    const published = after.get('bridge_published_snapshot_id')!;
    expect(published).toBeGreaterThanOrEqual(2);
    expect(after.get('bridge_sync_last_run_failed')).toBe(0);
    expect(after.get('bridge_sync_held_runs')).toBe(0);
    // /health says so too, with the run to look at.
    const health = await request(bridge.url).get('/health');
    expect(health.body.sync.lastRunQuarantined).toEqual({ users: 2, groups: 0 });
    expect(health.body.status).toBe('degraded');
    expect(health.body.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/left out 2 people and 0 departments/)]));

    before = after;
    await bridge.publish(next);
    after = await scrape();
    expect(moved(after, 'bridge_sync_runs_total', { outcome: 'unchanged' })).toBe(1);
    expect(moved(after, 'bridge_sync_runs_total', { outcome: 'published' })).toBe(0);
    expect(moved(after, 'bridge_sync_findings_total', { kind: 'missing-email' })).toBe(2);
    expect(after.get('bridge_published_snapshot_id')).toBe(published);
  });

  it('counts logins by outcome, the lockout they start, and the attempts refused by it', async () => {
    expect((await bridge.login('alice', 'alice-pass-1')).body).toEqual({ status: 'success' });
    let after = await scrape();
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'success' })).toBe(1);
    // A login's audit event is written inside the transaction that settles its reservation.
    expect(moved(after, 'bridge_audit_append_duration_seconds_count', { mode: 'transaction' })).toBe(1);

    before = after;
    expect((await bridge.login('alice', 'wrong')).body.status).toBe('fail');
    expect((await bridge.login('nobody', 'whatever')).body.status).toBe('fail');
    after = await scrape();
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'wrong_password' })).toBe(1);
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'unknown_user' })).toBe(1);
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'success' })).toBe(0);

    before = after;
    // The threshold is 2: the second wrong password locks alice, the next attempt is refused.
    await bridge.login('alice', 'wrong');
    expect((await bridge.login('alice', 'alice-pass-1')).body.message).toMatch(/Too many failed login attempts/);
    after = await scrape();
    expect(moved(after, 'bridge_auth_lockouts_total', { kind: 'user' })).toBe(1);
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'locked' })).toBe(1);
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'wrong_password' })).toBe(1);
  });

  it('counts the rows the query API serves, by call', async () => {
    const created = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ id: 'metrics-tool', name: 'metrics-tool', scopes: ['users:query'] });
    expect(created.status).toBe(201);
    const codeAnswer = await request(bridge.url).get('/accounts/api/security/get/').auth('metrics-tool', String(created.body.secret));
    const security = codeAnswer.body.result.security as string;
    const users = await request(bridge.url)
      .post('/rest/accounts/api/user/list/')
      .send({ security, omflow_restapi: 1, search_conditions: [], start: 0, limit: 3 });
    expect(users.body.result).toHaveLength(3);
    const groups = await request(bridge.url).post('/rest/accounts/api/group/list/').send({ security, omflow_restapi: 1 });
    const departments = (groups.body.result as unknown[]).length;
    expect(departments).toBeGreaterThan(0);
    const byGroup = await request(bridge.url)
      .post('/rest/accounts/api/user/list-by-group/')
      .send({ security, omflow_restapi: 1, org_no: ['sales'] });
    expect(byGroup.body.result.sales).toHaveLength(2);
    const after = await scrape();
    expect(moved(after, 'bridge_query_rows_total', { call: 'users' })).toBe(3);
    expect(moved(after, 'bridge_query_rows_total', { call: 'groups' })).toBe(departments);
    expect(moved(after, 'bridge_query_rows_total', { call: 'users_by_group' })).toBe(2);
    // HTTP requests by route template, the streamed (hijacked) answers included.
    const route = (path: string, status = '200') => ({ method: 'POST', route: path, status });
    expect(moved(after, 'bridge_http_requests_total', route('/rest/accounts/api/user/list'))).toBe(1);
    expect(moved(after, 'bridge_http_requests_total', route('/rest/accounts/api/group/list'))).toBe(1);
    expect(moved(after, 'bridge_http_requests_total', route('/rest/accounts/api/user/list-by-group'))).toBe(1);
    expect(moved(after, 'bridge_http_request_duration_seconds_count', route('/rest/accounts/api/user/list'))).toBe(1);
    expect(moved(after, 'bridge_http_requests_total', { method: 'POST', route: '/api/v1/clients', status: '201' })).toBe(1);
    expect([...after.keys()].some((k) => k.includes('/rest/accounts/api/user/list/'))).toBe(false);
  });

  it('counts liveness probes, which Fastify answers without Nest, under their route', async () => {
    for (const path of ['/health/live', '/health/live/', '/HEALTH/live']) expect((await request(bridge.url).get(path)).status).toBe(200);
    const after = await scrape();
    expect(moved(after, 'bridge_http_requests_total', { method: 'GET', route: '/health/live', status: '200' })).toBe(3);
  });

  it('puts unknown URLs under one unmatched route, never the raw URL', async () => {
    for (const path of ['/nothing/1', '/nothing/2?x=1']) expect((await request(bridge.url).get(path)).status).toBe(404);
    const after = await scrape();
    expect(moved(after, 'bridge_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(2);
    expect([...after.keys()].some((k) => k.includes('/nothing'))).toBe(false);
  });

  it('serves the process and Node metrics of its own registry', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(before.has(name), name).toBe(true);
    }
    expect([...before.keys()].some((k) => k.startsWith('nodejs_gc_duration_seconds_count'))).toBe(true);
  });

  it('answers 404 when METRICS_ENABLED=false, and keeps each bridge in the process to its own counters', async () => {
    const off = await request(other.url).get('/metrics');
    expect(off.status).toBe(404);
    expect(off.text).not.toMatch(/bridge_/);
    // The other bridge's logins never reach this one's registry.
    await request(other.url).post('/authenticate').auth('omflow', 'omflow-secret-0123456789').send({ username: 'alice', password: 'x' });
    const after = await scrape();
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'success' })).toBe(0);
    expect(moved(after, 'bridge_auth_logins_total', { outcome: 'unknown_user' })).toBe(0);
  });
});
