import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '#app/database';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

interface SyncBody {
  status: string;
  user_info_list: { username: string }[];
}
interface Exported {
  id: string;
  username: string;
  locked: boolean;
  positions: { org_id: string; primary: boolean }[];
}
interface Removal {
  key: string;
  username: string;
  status: string;
  missingSince: string;
  dueAt: string;
  runId: number | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}
interface AuditEvent {
  action: string;
  actor: { kind: string; id: string | null };
  target: { type: string; id: string | null } | null;
  details: Record<string, unknown>;
}

const HOUR = 3_600_000;
const PASSWORD = 'Grace-window-password-1';
const LOGIN_FAILED = 'Invalid username or password.';
const SECRET = 'whsec-grace-0123456789abcdef0123456789abcdef';
const ARGON2 = { AUTH_ARGON2_MEMORY_KIB: '4096', AUTH_ARGON2_TIME_COST: '2', AUTH_ARGON2_PARALLELISM: '1' };

/**
 * The deletion grace window (issue 15 part 3) against the directory emulator: a person the
 * directory stops listing (locked, as a leaver is) stays in `/sync` while their removal waits out
 * GUARD_DELETION_GRACE_HOURS, cannot log in meanwhile, and is listed as pending with the due time;
 * reappearing cancels it; a run after the window removes them; an operator can expedite or cancel;
 * 0 removes at once.
 */
describe.each(testDatabases())('the deletion grace window ($kind)', (db) => {
  let emulator: RunningEmulator;
  let database: DatabaseConfig;
  let bridge: RunningBridge;
  let receiver: WebhookReceiver;
  /** Active people of the organisation, each in a department of at least 5 (none is emptied), by username → directory id. */
  let people: { username: string; id: string }[];

  const start = async (grace: string, extra: NodeJS.ProcessEnv = {}) => {
    await bridge?.close();
    bridge = await startBridgeWith(database, { env: emulator.bridgeEnv({ GUARD_DELETION_GRACE_HOURS: grace, ...ARGON2, ...extra }) });
  };
  const runSync = async () => {
    const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.status).toBe(200);
    expect(res.body.error).toBeNull();
    return res.body;
  };
  const listed = async (): Promise<Set<string>> => {
    const body = (await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret).expect(200)).body as SyncBody;
    expect(body.status).toBe('success');
    return new Set(body.user_info_list.map((u) => u.username));
  };
  const login = async (username: string, password = PASSWORD) =>
    (await request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({ username, password }).expect(200)).body as {
      status: string;
      message?: string;
    };
  const pending = async (query = ''): Promise<{ items: Removal[]; total: number }> =>
    (await request(bridge.url).get(`/api/v1/sync/pending-removals${query}`).set(admin).expect(200)).body;
  const removalOf = async (username: string): Promise<Removal | undefined> => (await pending()).items.find((r) => r.username === username);
  const audit = async (action: string, targetId?: string): Promise<AuditEvent[]> =>
    (
      await request(bridge.url)
        .get('/api/v1/audit/events')
        .query({ action, limit: '200', ...(targetId ? { targetId } : {}) })
        .set(admin)
        .expect(200)
    ).body.items;
  const metric = async (name: string, label = ''): Promise<number | undefined> => {
    const text = (await request(bridge.url).get('/metrics').expect(200)).text;
    const line = text.split('\n').find((l) => l.startsWith(`${name}${label ? `{${label}}` : ''} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  /** Locks (a leaver) or unlocks people through the directory's own API (real HTTP, its own token). */
  const directory = (usernames: string[], operation: 'lock' | 'unlock') =>
    emulator.operate(
      usernames.map((username) => people.find((p) => p.username === username)!.id),
      operation,
    );
  const person = (i: number) => people[i].username;
  /** Gives a person another email through the directory's update call (which replaces the employee's fields: the others are sent back as they are). */
  const setEmail = async (username: string, email: string) => {
    const token = await emulator.token();
    const path = `${emulator.url}/v1/admin/organizations/${emulator.orgCode}/employees/${people.find((p) => p.username === username)!.id}?access_token=${token}`;
    const current = ((await (await fetch(path)).json()) as { result: Record<string, unknown> & { positions: Record<string, unknown>[] } }).result;
    const body: Record<string, unknown> = { email };
    for (const field of ['name', 'en_name', 'mobile', 'sn', 'tel', 'workPhone', 'gender']) if (typeof current[field] === 'string') body[field] = current[field];
    body.positions = current.positions.map((p) => ({ org_id: p.org_id, primary: p.primary, ...(typeof p.job_title === 'string' ? { job_title: p.job_title } : {}) }));
    const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(((await res.json()) as { status: number }).status).toBe(0);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 120, departments: 6, seed: 11 });
    database = await db.create();
    receiver = await startWebhookReceiver();
    const exported = (await request(emulator.url).get('/_emulator/export').expect(200)).body.result as Exported[];
    const active = exported.filter((e) => !e.locked);
    const department = (e: Exported) => (e.positions.find((p) => p.primary) ?? e.positions[0])?.org_id;
    const sizes = new Map<string | undefined, number>();
    for (const e of active) sizes.set(department(e), (sizes.get(department(e)) ?? 0) + 1);
    people = active.filter((e) => (sizes.get(department(e)) ?? 0) >= 10).map((e) => ({ username: e.username, id: e.id }));
    expect(people.length).toBeGreaterThanOrEqual(8);
    await start('24');
  });
  afterAll(async () => {
    await bridge?.close();
    await receiver?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('keeps a person the directory stops listing in /sync, refuses their login, and lists the pending removal with its due time', async () => {
    expect((await runSync()).status).toBe('published');
    for (const i of [0, 1, 2]) await request(bridge.url).put(`/api/v1/auth/passwords/${person(i)}`).set(admin).send({ password: PASSWORD }).expect(200);
    expect(await login(person(0))).toEqual({ status: 'success' });

    await directory([person(0)], 'lock');
    const run = await runSync();
    // The carried record is the published one: nothing new to publish, and no removal for the guard.
    expect(run.status).toBe('unchanged');
    expect(run.diffSummary.users.removed).toBe(0);
    expect(run.counts).toMatchObject({ pendingRemovals: 1, enteredGrace: 1, removalsCancelled: 0, removedAfterGrace: 0 });
    const detail = (await request(bridge.url).get(`/api/v1/sync/runs/${run.id}`).set(admin).expect(200)).body;
    expect(detail.diff.grace.entered).toEqual([{ key: expect.any(String), username: person(0), dueAt: expect.any(String) }]);
    expect((await listed()).has(person(0))).toBe(true);

    const removal = (await removalOf(person(0)))!;
    expect(removal).toMatchObject({ username: person(0), status: 'pending', runId: run.id, decidedBy: null });
    expect(Date.parse(removal.dueAt) - Date.parse(removal.missingSince)).toBe(24 * HOUR);
    expect(Date.parse(removal.missingSince)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    expect(detail.diff.grace.entered[0]).toEqual({ key: removal.key, username: person(0), dueAt: removal.dueAt });
    expect((await audit('sync.removal.pending', person(0))).map((e) => e.details)).toEqual([
      { key: removal.key, runId: run.id, missingSince: removal.missingSince, dueAt: removal.dueAt },
    ]);

    // Refused with OMFLOW's ordinary words, right password or not; audited as pending_removal; never locked out.
    expect(await login(person(0))).toEqual({ status: 'fail', message: LOGIN_FAILED });
    for (let i = 0; i < 6; i++) expect(await login(person(0), `wrong-${i}`)).toEqual({ status: 'fail', message: LOGIN_FAILED });
    const failures = await audit('auth.login.failed', person(0));
    expect(failures.map((e) => e.details.reason)).toEqual(Array(7).fill('pending_removal'));
    expect(await metric('bridge_auth_logins_total', 'outcome="pending_removal"')).toBe(7);
    expect(await metric('bridge_sync_pending_removals')).toBe(1);
    expect((await request(bridge.url).get('/health').expect(200)).body.sync.pendingRemovals).toBe(1);
  });

  it('cancels the removal when the person reappears: audited, and the login works again (the refusals locked nothing)', async () => {
    const removal = (await removalOf(person(0)))!;
    await directory([person(0)], 'unlock');
    const run = await runSync();
    expect(run.counts).toMatchObject({ pendingRemovals: 0, enteredGrace: 0, removalsCancelled: 1 });
    expect((await request(bridge.url).get(`/api/v1/sync/runs/${run.id}`).set(admin).expect(200)).body.diff.grace.reappeared).toEqual([
      { key: removal.key, username: person(0) },
    ]);
    expect(await pending()).toEqual({ items: [], total: 0, offset: 0, limit: 50 });
    expect((await audit('sync.removal.cancelled', person(0))).map((e) => e.details)).toEqual([
      { key: removal.key, runId: run.id, reason: 'reappeared', status: 'pending' },
    ]);
    expect(await login(person(0))).toEqual({ status: 'success' });
    expect(await metric('bridge_sync_pending_removals')).toBe(0);
  });

  it('leaves alone a person the quality checks keep at their published version: not missing, no window, the login works', async () => {
    await setEmail(person(5), 'not-an-email');
    const run = await runSync();
    expect(run.counts).toMatchObject({ quarantinedUsers: 0, enteredGrace: 0, pendingRemovals: 0 });
    const detail = (await request(bridge.url).get(`/api/v1/sync/runs/${run.id}`).set(admin).expect(200)).body;
    expect(detail.findings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'invalid-email', action: 'kept-published', record: expect.objectContaining({ label: person(5) }) })]));
    expect((await listed()).has(person(5))).toBe(true);
    expect(await removalOf(person(5))).toBeUndefined();
    await request(bridge.url).put(`/api/v1/auth/passwords/${person(5)}`).set(admin).send({ password: PASSWORD }).expect(200);
    expect(await login(person(5))).toEqual({ status: 'success' });
  });

  it('answers bad input of the admin routes with 400, an unknown person with 404, and needs the sync:admin scope', async () => {
    const bad = (res: request.Response, field: RegExp) => {
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(field);
    };
    bad(await request(bridge.url).get('/api/v1/sync/pending-removals?status=gone').set(admin), /status/);
    bad(await request(bridge.url).get('/api/v1/sync/pending-removals?limit=0').set(admin), /limit/);
    bad(await request(bridge.url).get('/api/v1/sync/pending-removals?limit=201').set(admin), /limit/);
    bad(await request(bridge.url).post(`/api/v1/sync/pending-removals/k/cancel`).set(admin).send({}), /note/);
    bad(await request(bridge.url).post(`/api/v1/sync/pending-removals/k/expedite`).set(admin).send({ note: '' }), /note/);
    bad(await request(bridge.url).post(`/api/v1/sync/pending-removals/k/cancel`).set(admin).send({ note: 'x', extra: 1 }), /extra/);
    // A key longer than any stored one (the router already refuses paths with a segment over 100 characters).
    bad(await request(bridge.url).post(`/api/v1/sync/pending-removals/${'k'.repeat(192)}/cancel`).set(admin).send({ note: 'x' }), /REQUEST.INVALID|key/);
    expect((await request(bridge.url).post('/api/v1/sync/pending-removals/nobody/cancel').set(admin).send({ note: 'x' })).status).toBe(404);
    expect((await request(bridge.url).post('/api/v1/sync/pending-removals/nobody/expedite').set(admin).send({ note: 'x' })).status).toBe(404);
    expect((await request(bridge.url).get('/api/v1/sync/pending-removals')).status).toBe(401);
    const client = await request(bridge.url).post('/api/v1/clients').set(admin).send({ id: 'grace-reader', name: 'Reader', scopes: ['audit:read'] }).expect(201);
    const reader = { Authorization: `Bearer ${client.body.secret as string}` };
    expect((await request(bridge.url).get('/api/v1/sync/pending-removals').set(reader)).status).toBe(403);
    expect((await request(bridge.url).post('/api/v1/sync/pending-removals/nobody/cancel').set(reader).send({ note: 'x' })).status).toBe(403);
  });

  it('cancel keeps the person published and able to log in, run after run; expedite removes a person from /sync at once; both audited with who and why', async () => {
    await directory([person(1), person(2)], 'lock');
    const found = await runSync();
    expect(found.counts).toMatchObject({ pendingRemovals: 2, enteredGrace: 2 });
    const [cancelled, expedited] = [(await removalOf(person(1)))!, (await removalOf(person(2)))!];
    expect(await login(person(1))).toEqual({ status: 'fail', message: LOGIN_FAILED });

    const cancel = await request(bridge.url).post(`/api/v1/sync/pending-removals/${cancelled.key}/cancel`).set(admin).send({ note: 'on leave, not a leaver' }).expect(200);
    expect(cancel.body).toMatchObject({ key: cancelled.key, username: person(1), status: 'cancelled', decidedBy: 'admin', note: 'on leave, not a leaver' });
    expect((await request(bridge.url).post(`/api/v1/sync/pending-removals/${cancelled.key}/cancel`).set(admin).send({ note: 'again' })).status).toBe(409);
    expect(await login(person(1))).toEqual({ status: 'success' });
    const later = await runSync();
    expect(later.counts).toMatchObject({ pendingRemovals: 1, enteredGrace: 0, removalsKeptByCancel: 1 });
    expect((await listed()).has(person(1))).toBe(true);
    expect((await pending('?status=cancelled')).items.map((r) => r.username)).toEqual([person(1)]);
    expect((await pending('?status=pending')).items.map((r) => r.username)).toEqual([person(2)]);
    expect(await login(person(1))).toEqual({ status: 'success' });
    const [cancelEvent] = await audit('sync.removal.cancelled', person(1));
    expect(cancelEvent.actor).toMatchObject({ id: 'admin' });
    expect(cancelEvent.details).toMatchObject({ key: cancelled.key, reason: 'operator', by: 'admin', note: 'on leave, not a leaver', status: 'pending' });

    const before = (await request(bridge.url).get('/api/v1/sync/status').set(admin).expect(200)).body.publishedSnapshotId as number;
    const expedite = await request(bridge.url)
      .post(`/api/v1/sync/pending-removals/${expedited.key}/expedite`)
      .set(admin)
      .send({ note: 'confirmed by HR' })
      .expect(200);
    expect(expedite.body).toMatchObject({ removal: { key: expedited.key, username: person(2), decidedBy: 'admin', note: 'confirmed by HR' }, previousSnapshotId: before });
    expect(expedite.body.snapshotId).toBeGreaterThan(before);
    expect((await request(bridge.url).get('/api/v1/sync/status').set(admin).expect(200)).body.publishedSnapshotId).toBe(expedite.body.snapshotId);
    const now = await listed();
    expect(now.has(person(2))).toBe(false);
    expect(now.has(person(1))).toBe(true);
    expect((await pending()).items.map((r) => r.username)).toEqual([person(1)]);
    const [expediteEvent] = await audit('sync.removal.expedited', person(2));
    expect(expediteEvent.details).toMatchObject({ key: expedited.key, by: 'admin', note: 'confirmed by HR', snapshotId: expedite.body.snapshotId });
    // Gone from what is published: an ordinary inactive user now, no pending removal.
    expect(await login(person(2))).toEqual({ status: 'fail', message: LOGIN_FAILED });
    expect((await audit('auth.login.failed', person(2))).pop()!.details.reason).toBe('inactive_user');
    // The next run finds nothing new for the expedited person.
    expect((await runSync()).counts).toMatchObject({ enteredGrace: 0, pendingRemovals: 0, removalsKeptByCancel: 1 });

    // A cancelled removal ends with an expedite too.
    await request(bridge.url).post(`/api/v1/sync/pending-removals/${cancelled.key}/expedite`).set(admin).send({ note: 'left after all' }).expect(200);
    expect((await listed()).has(person(1))).toBe(false);
    expect((await pending()).total).toBe(0);
  });

  it('removes the person at the first run after the window (counted by the guard), and sends sync.removals.due', async () => {
    await start('0.0005', { NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`, NOTIFY_WEBHOOK_SECRET: SECRET }); // 1.8 s
    await directory([person(3)], 'lock');
    const found = await runSync();
    expect(found.counts).toMatchObject({ enteredGrace: 1, pendingRemovals: 1 });
    expect((await listed()).has(person(3))).toBe(true);
    const removal = (await removalOf(person(3)))!;
    expect(Date.parse(removal.dueAt) - Date.parse(removal.missingSince)).toBe(1800);
    while (Date.now() <= Date.parse(removal.dueAt)) await sleep(100);
    expect((await pending('?status=due')).items.map((r) => r.username)).toEqual([person(3)]);
    expect(await login(person(3))).toEqual({ status: 'fail', message: LOGIN_FAILED }); // still refused while due

    const due = await runSync();
    expect(due.status).toBe('published');
    expect(due.diffSummary.users.removed).toBe(1);
    expect(due.counts).toMatchObject({ removedAfterGrace: 1, pendingRemovals: 0, enteredGrace: 0 });
    const detail = (await request(bridge.url).get(`/api/v1/sync/runs/${due.id}`).set(admin).expect(200)).body;
    expect(detail.diff.sample.users.removed).toEqual([person(3)]);
    expect(detail.diff.grace.due).toEqual([{ key: removal.key, username: person(3), missingSince: removal.missingSince }]);
    expect((await listed()).has(person(3))).toBe(false);
    expect((await pending()).total).toBe(0);
    expect((await audit('sync.removal.due', person(3))).map((e) => e.details)).toEqual([
      { key: removal.key, runId: due.id, missingSince: removal.missingSince, dueAt: removal.dueAt },
    ]);

    const isDue = (r: ReceivedRequest) => r.path.startsWith('/hooks') && (JSON.parse(r.body) as { type: string }).type === 'sync.removals.due';
    const [hook] = await receiver.waitFor(isDue);
    const timestamp = String(hook.headers['x-bridge-timestamp']);
    expect(hook.headers['x-bridge-signature']).toBe(`v1=${createHmac('sha256', SECRET).update(`${timestamp}.${hook.body}`).digest('hex')}`);
    expect((JSON.parse(hook.body) as { data: unknown }).data).toEqual({
      runId: due.id,
      count: 1,
      people: [{ key: removal.key, username: person(3), missingSince: removal.missingSince, dueAt: removal.dueAt }],
      truncated: false,
    });
  });

  it('holds a run whose due removals exceed the guard: they stay published and refused, notified once; the approval removes them and ends their rows', async () => {
    await start('0.0005', { NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`, NOTIFY_WEBHOOK_SECRET: SECRET, GUARD_MAX_USER_REMOVALS: '1' });
    const leavers = [person(6), person(7)];
    await directory(leavers, 'lock');
    // Entering the window removes nobody: not held, whatever the limit.
    const found = await runSync();
    expect(found.status).toBe('unchanged');
    expect(found.counts).toMatchObject({ enteredGrace: 2, pendingRemovals: 2 });
    const dueAt = Math.max(...(await pending()).items.map((r) => Date.parse(r.dueAt)));
    while (Date.now() <= dueAt) await sleep(100);

    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.holdReasons.map((r: { kind: string }) => r.kind)).toEqual(['user-removals']);
    expect(held.counts).toMatchObject({ removedAfterGrace: 2, pendingRemovals: 0 });
    for (const username of leavers) expect((await listed()).has(username)).toBe(true);
    expect((await pending('?status=due')).items.map((r) => r.username).sort()).toEqual([...leavers].sort());
    await request(bridge.url).put(`/api/v1/auth/passwords/${leavers[0]}`).set(admin).send({ password: PASSWORD }).expect(200);
    expect(await login(leavers[0])).toEqual({ status: 'fail', message: LOGIN_FAILED });

    const isDueOf = (r: ReceivedRequest) =>
      r.path.startsWith('/hooks') && (JSON.parse(r.body) as { type: string; data: { runId: number } }).type === 'sync.removals.due' && JSON.parse(r.body).data.runId === held.id;
    await receiver.waitFor(isDueOf);
    const again = await runSync();
    expect(again.status).toBe('held');
    expect((await audit('sync.removal.due')).filter((e) => leavers.includes(e.target!.id!))).toHaveLength(2);

    await request(bridge.url).post(`/api/v1/sync/runs/${again.id}/approve`).set(admin).send({ note: 'they left' }).expect(200);
    const now = await listed();
    for (const username of leavers) expect(now.has(username)).toBe(false);
    expect((await pending()).total).toBe(0);
    const dueHooks = receiver.received.filter((r) => r.path.startsWith('/hooks') && (JSON.parse(r.body) as { type: string }).type === 'sync.removals.due');
    expect(dueHooks.filter((r) => (JSON.parse(r.body) as { data: { people: { username: string }[] } }).data.people.some((p) => leavers.includes(p.username)))).toHaveLength(1);
  });

  it('with GUARD_DELETION_GRACE_HOURS=0 removes a missing person at once, as before the window', async () => {
    await start('0');
    await directory([person(4)], 'lock');
    const run = await runSync();
    expect(run.status).toBe('published');
    expect(run.diffSummary.users.removed).toBe(1);
    expect(run.counts).toMatchObject({ enteredGrace: 0, pendingRemovals: 0, removedAfterGrace: 0 });
    expect((await listed()).has(person(4))).toBe(false);
    expect((await pending()).total).toBe(0);
  });
});
