import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullWatcher } from '#app/notifications';
import { SnapshotEvents } from '#app/snapshots';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';
/** Parts of the webhook URLs that are credentials: never in a log, an answer or /health. */
const QUERY_SECRET = 'query-secret-4711';
const CHAT_PATH_SECRET = 'chatpathsecret0815';

/** The README's verification snippet ("Verifying a notification"), as a receiver would run it. */
function verify(secret: string, headers: IncomingHttpHeaders, rawBody: string): boolean {
  const timestamp = String(headers['x-bridge-timestamp'] ?? '');
  const signature = String(headers['x-bridge-signature'] ?? '');
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replay window: 5 minutes
  const expected = `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

interface Event {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- each test reads the fields of its type
}

const json = (r: ReceivedRequest) => r.path.startsWith('/hooks');
const chat = (r: ReceivedRequest) => r.path.startsWith('/chat');
const eventOf = (r: ReceivedRequest) => JSON.parse(r.body) as Event;
const ofType = (type: string) => (r: ReceivedRequest) => json(r) && eventOf(r).type === type;

/** The value of bridge_notifications_total for a type and outcome (0 when absent). */
async function counted(bridge: RunningBridge, type: string, outcome: string): Promise<number> {
  const text = (await request(bridge.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith('bridge_notifications_total{') && l.includes(`type="${type}"`) && l.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

/** The value of bridge_notifications_failing for a state (retrying, abandoned); NaN when absent. */
async function failingGauge(bridge: RunningBridge, state: 'retrying' | 'abandoned'): Promise<number> {
  const text = (await request(bridge.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`bridge_notifications_failing{state="${state}"} `));
  return line ? Number(line.split(' ').pop()) : NaN;
}

describe.each(testDatabases())('signed webhook notifications ($kind)', (db) => {
  let emulator: RunningEmulator;
  let receiver: WebhookReceiver;
  let bridge: RunningBridge;
  const log: string[] = [];
  const answers: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString());
      done();
    },
  });
  /** Every admin answer is kept, to check that no credential appears in any. */
  const call = async (method: 'get' | 'post', path: string, body?: object) => {
    const res = await request(bridge.url)[method](path).set(admin).send(body);
    answers.push(res.text);
    return res;
  };
  const runSync = async () => (await call('post', '/api/v1/sync/runs?wait=true', {})).body as { id: number; status: string; error: string | null };
  const faults = (settings: Record<string, number>) => request(emulator.url).put('/_emulator/faults').send(settings).expect(200);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    emulator = await startEmulator({ employees: 60, departments: 6, seed: 11 });
    bridge = await startBridgeWith(await db.create(), {
      env: emulator.bridgeEnv({
        LOG_LEVEL: 'debug',
        NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks?token=${QUERY_SECRET}`,
        NOTIFY_CHAT_WEBHOOK_URLS: `${receiver.url}/chat/T000/B000/${CHAT_PATH_SECRET}`,
        NOTIFY_WEBHOOK_SECRET: SECRET,
        NOTIFY_RETRY_BASE_SECONDS: '1',
        NOTIFY_TIMEOUT_MS: '3000',
        NOTIFY_MAX_ATTEMPTS: '3',
        GUARD_MAX_USER_REMOVALS: '2',
        GUARD_MAX_USER_REMOVAL_PERCENT: '100',
      }),
      logDestination: sink,
    });
    expect((await runSync()).status).toBe('published');
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await receiver?.close();
    await db.dropAll();
  });

  it('notifies a held run: signed JSON with the reasons, counts and REST paths to decide, and the chat message', async () => {
    await request(emulator.url).post('/_emulator/mutations').send({ resign: 5 }).expect(200);
    const held = await runSync();
    expect(held.status).toBe('held');

    const [hook] = await receiver.waitFor(ofType('sync.run.held'));
    expect(verify(SECRET, hook.headers, hook.body)).toBe(true);
    expect(verify('another-secret-0123456789abcdef0123456789', hook.headers, hook.body)).toBe(false);
    expect(hook.path).toBe(`/hooks?token=${QUERY_SECRET}`);
    expect(hook.headers['content-type']).toBe('application/json');
    const event = eventOf(hook);
    expect(Object.keys(event).sort()).toEqual(['data', 'id', 'occurredAt', 'type']);
    expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(hook.headers['x-bridge-event-id']).toBe(event.id);
    expect(hook.headers['x-bridge-event-type']).toBe('sync.run.held');
    expect(new Date(event.occurredAt).toISOString()).toBe(event.occurredAt);
    expect(event.data.run).toMatchObject({ id: held.id, trigger: 'manual' });
    expect(event.data.reasons).toEqual([expect.objectContaining({ kind: 'user-removals', count: 5, limit: 2 })]);
    expect(event.data.diff.users.removed).toBe(5);
    expect(event.data.counts.users).toBeGreaterThan(0);
    expect(event.data.decide).toEqual({
      run: `/api/v1/sync/runs/${held.id}`,
      approve: { method: 'POST', url: `/api/v1/sync/runs/${held.id}/approve` },
      reject: { method: 'POST', url: `/api/v1/sync/runs/${held.id}/reject` },
    });

    const [message] = await receiver.waitFor((r) => chat(r) && r.headers['x-bridge-event-id'] === event.id);
    expect(message.path).toBe(`/chat/T000/B000/${CHAT_PATH_SECRET}`);
    const text = JSON.parse(message.body) as Record<string, string>;
    expect(Object.keys(text)).toEqual(['text']);
    expect(text.text).toMatch(new RegExp(`sync run ${held.id} is held for a decision: .*5.*/api/v1/sync/runs/${held.id}`));
    await call('post', `/api/v1/sync/runs/${held.id}/reject`, { note: 'test' });
  });

  it('notifies a failed run with its reason and message, without the directory secret', async () => {
    await request(emulator.url).post('/_emulator/mutations').send({ hire: 1 }).expect(200);
    await faults({ error_rate: 1 });
    try {
      const failed = await runSync();
      expect(failed.status).toBe('failed');
      const [hook] = await receiver.waitFor(ofType('sync.run.failed'));
      expect(verify(SECRET, hook.headers, hook.body)).toBe(true);
      const event = eventOf(hook);
      expect(event.data).toMatchObject({ run: { id: failed.id }, reason: 'source', details: `/api/v1/sync/runs/${failed.id}` });
      expect(event.data.message).toMatch(/HTTP 500/);
      expect(hook.body).not.toContain(emulator.clientSecret);
      const [message] = await receiver.waitFor((r) => chat(r) && r.headers['x-bridge-event-id'] === event.id);
      expect((JSON.parse(message.body) as { text: string }).text).toMatch(new RegExp(`sync run ${failed.id} failed \\(source\\)`));
    } finally {
      await faults({});
    }
  });

  it('retries a webhook that answers 500, then delivers (same id, a fresh signature), and counts it in /metrics', async () => {
    let failedOnce = false;
    receiver.rule = (r) => {
      if (json(r) && eventOf(r).type === 'notification.test' && !failedOnce) {
        failedOnce = true;
        return 500;
      }
      return 200;
    };
    try {
      const sent = await call('post', '/api/v1/notifications/test', { message: 'retry check' });
      expect(sent.status).toBe(202);
      expect(sent.body.webhooks).toEqual([`json#1 ${receiver.url}`, `chat#1 ${receiver.url}`]);
      const attempts = await receiver.waitFor((r) => json(r) && r.headers['x-bridge-event-id'] === sent.body.id, 2);
      expect(attempts.map((a) => a.answered)).toEqual([500, 200]);
      for (const a of attempts) expect(verify(SECRET, a.headers, a.body)).toBe(true);
      expect(attempts[1].body).toBe(attempts[0].body);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(400); // back-off: at least half the 1 s base
      expect(eventOf(attempts[1]).data).toEqual({ message: 'retry check', requestedBy: 'admin' });

      const deadline = Date.now() + 10_000;
      let rows: { webhook: string; status: string; attempts: number; lastStatus: number; lastError: string | null }[] = [];
      while (Date.now() < deadline) {
        rows = (await call('get', '/api/v1/notifications?type=notification.test')).body.items;
        if (rows.length === 2 && rows.every((r) => r.status === 'delivered')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const byWebhook = Object.fromEntries(rows.map((r) => [r.webhook.split(' ')[0], r]));
      expect(byWebhook['json#1']).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
      expect(byWebhook['chat#1']).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
      expect(await counted(bridge, 'notification.test', 'enqueued')).toBe(2);
      expect(await counted(bridge, 'notification.test', 'failed')).toBe(1);
      expect(await counted(bridge, 'notification.test', 'delivered')).toBe(2);
    } finally {
      receiver.rule = () => 200;
    }
  });

  it('never delays or fails a run while the webhooks do not answer', async () => {
    receiver.rule = () => 'hang';
    try {
      await request(emulator.url).post('/_emulator/mutations').send({ resign: 4 }).expect(200);
      const started = Date.now();
      const held = await runSync();
      const took = Date.now() - started;
      expect(held.status).toBe('held');
      // The webhooks hang for the whole 3 s timeout; the run answered well before it.
      expect(took).toBeLessThan(2500);
      const hanging = (await receiver.waitFor(ofType('sync.run.held'), 2)).at(-1)!;
      expect(eventOf(hanging).data.run.id).toBe(held.id);
      expect(hanging.answered).toBeNull();
    } finally {
      receiver.rule = () => 200;
      receiver.release();
    }
  });

  it('shows failing, then abandoned notifications in /health without the secret or the URL, and audits them', async () => {
    receiver.rule = (r) => (r.headers['x-bridge-event-type'] === 'notification.test' ? 503 : 200);
    try {
      const abandonedBefore = await failingGauge(bridge, 'abandoned');
      const sent = await call('post', '/api/v1/notifications/test', { message: 'doomed' });
      await receiver.waitFor((r) => r.headers['x-bridge-event-id'] === sent.body.id, 2);
      const first = (await call('get', '/health')).body;
      // /metrics counts what /health counts (read at scrape time from the outbox).
      expect(await failingGauge(bridge, 'retrying')).toBeGreaterThanOrEqual(1);
      expect(first.status).toBe('degraded');
      expect(first.notifications.failing).toBeGreaterThanOrEqual(1);
      expect(first.notifications.lastError).toMatchObject({ error: 'HTTP 503' });
      expect(first.warnings.join('\n')).toMatch(/Notifications fail: \d+ being retried/);

      // Three attempts each (NOTIFY_MAX_ATTEMPTS), then abandoned.
      await receiver.waitFor((r) => r.headers['x-bridge-event-id'] === sent.body.id, 6, 20_000);
      const deadline = Date.now() + 10_000;
      let health = first;
      while (Date.now() < deadline && health.notifications.abandoned < 2) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = (await call('get', '/health')).body;
      }
      expect(health.notifications).toMatchObject({ webhooks: 2, abandoned: 2, failing: 0 });
      expect(await failingGauge(bridge, 'retrying')).toBe(0);
      expect(await failingGauge(bridge, 'abandoned')).toBe(abandonedBefore + 2);
      expect(health.notifications.lastError.webhook).toMatch(/^(json|chat)#1 http:\/\/127\.0\.0\.1:\d+$/);
      const warning = health.warnings.find((w: string) => w.startsWith('Notifications fail'));
      expect(warning).toMatch(/0 being retried, 2 abandoned in the last 24 h; last error .* from (json|chat)#1 http:\/\/127\.0\.0\.1:\d+: HTTP 503/);

      const audited = (await call('get', '/api/v1/audit/events?action=notification.abandoned')).body.items as {
        targetId: string;
        details: Record<string, unknown>;
      }[];
      const mine = audited.filter((e) => JSON.stringify(e).includes(sent.body.id));
      expect(mine).toHaveLength(2);
      expect(mine[0].details).toMatchObject({ type: 'notification.test', attempts: 3, lastError: 'HTTP 503' });
      expect(await counted(bridge, 'notification.test', 'abandoned')).toBe(2);
    } finally {
      receiver.rule = () => 200;
    }
  });

  it('notifies a stale OMFLOW once per episode, and its return', async () => {
    const watcher = bridge.app.get(PullWatcher);
    const later = Date.now() + 3 * 3600_000; // past OMFLOW_PULL_STALE_SECONDS (1 h): nobody has pulled yet
    await watcher.check(later);
    await watcher.check(later + 60_000);
    const [stale] = await receiver.waitFor(ofType('omflow.pull.stale'));
    expect(verify(SECRET, stale.headers, stale.body)).toBe(true);
    expect(eventOf(stale).data).toMatchObject({ lastPullAt: null, thresholdSeconds: 3600 });

    await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret).expect(200);
    await watcher.check();
    await watcher.check();
    const [resumed] = await receiver.waitFor(ofType('omflow.pull.resumed'));
    expect(eventOf(resumed).data).toMatchObject({ lastPullClient: OMFLOW.id, awaitedSince: eventOf(stale).data.awaitedSince });
    const [chatResumed] = await receiver.waitFor((r) => chat(r) && r.headers['x-bridge-event-type'] === 'omflow.pull.resumed');
    expect((JSON.parse(chatResumed.body) as { text: string }).text).toMatch(/OMFLOW pulled \/sync again/);
    expect(receiver.received.filter(ofType('omflow.pull.stale'))).toHaveLength(1);
    expect(receiver.received.filter(ofType('omflow.pull.resumed'))).toHaveLength(1);
  });

  it('sends sync.removals.due when the snapshots say removals are due (the call part 3 makes)', async () => {
    await bridge.app.get(SnapshotEvents).removalsDue({ count: 1, people: [{ key: 'u-1', username: 'leaver', dueAt: new Date('2026-12-01T00:00:00Z') }] });
    const [due] = await receiver.waitFor(ofType('sync.removals.due'));
    expect(verify(SECRET, due.headers, due.body)).toBe(true);
    expect(eventOf(due).data).toEqual({
      runId: null,
      count: 1,
      people: [{ key: 'u-1', username: 'leaver', missingSince: null, dueAt: '2026-12-01T00:00:00.000Z' }],
      truncated: false,
    });
  });

  it('guards and validates the admin routes: admin scope only, bad input refused with nothing enqueued', async () => {
    const before = (await call('get', '/api/v1/notifications')).body.total as number;
    expect((await request(bridge.url).get('/api/v1/notifications')).status).toBe(401);
    const client = await call('post', '/api/v1/clients', { id: 'sync-operator', name: 'Sync operator', scopes: ['sync:admin'] });
    expect(client.status).toBe(201);
    const operator = { Authorization: `Bearer ${client.body.secret as string}` };
    expect((await request(bridge.url).get('/api/v1/notifications').set(operator)).status).toBe(403);
    expect((await request(bridge.url).post('/api/v1/notifications/test').set(operator).send({})).status).toBe(403);

    const badStatus = await call('get', '/api/v1/notifications?status=lost');
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.code).toBe('VALIDATION.FAILED');
    for (const body of [{ message: 5 }, { message: 'x'.repeat(501) }, { message: 'ok', url: 'http://elsewhere' }]) {
      const refused = await call('post', '/api/v1/notifications/test', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION.FAILED');
    }
    expect((await call('get', '/api/v1/notifications')).body.total).toBe(before);
  });

  it('never shows the signing secret or the webhooks’ credentials in a log, an answer or a notification', async () => {
    answers.push((await call('get', '/api/v1/notifications?limit=200')).text, (await call('get', '/health')).text, (await call('get', '/metrics')).text);
    answers.push((await call('get', '/api/v1/audit/events?action=notification.*&limit=200')).text);
    const logged = log.join('');
    expect(logged).toMatch(/Notification .* attempt 1 failed \(HTTP 503\)/);
    for (const secret of [SECRET, QUERY_SECRET, CHAT_PATH_SECRET]) {
      expect(logged).not.toContain(secret);
      for (const answer of answers) expect(answer).not.toContain(secret);
      for (const r of receiver.received) expect(r.body).not.toContain(secret);
    }
  });
});
