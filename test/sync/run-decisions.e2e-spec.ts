import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Clock } from '#app/common';
import type { DatabaseConfig } from '#app/database';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

interface SyncUser {
  username: string;
  email: string;
  [field: string]: unknown;
}
interface SyncBody {
  status: string;
  user_info_list: SyncUser[];
  group_info_list: { group_no: string; user_list: string[] }[];
}
interface Exported {
  id: string;
  username: string;
  locked: boolean;
  positions: { org_id: string; primary: boolean }[];
}
interface Mutation {
  moved: { username: string }[];
  renamed: { from_username: string; to_username: string }[];
  resigned: { username: string }[];
}

/**
 * Issue 15, parts 2 and 5, end to end against the directory emulator: held runs decided change
 * by change and kind by kind (what /sync serves afterwards), emptied departments, four-eyes
 * approvals by two distinct clients, and single-use override tokens. GUARD_MAX_USER_REMOVALS=3
 * holds any run removing more than 3 people.
 */
describe.each(testDatabases())('deciding held runs ($kind)', (db) => {
  let emulator: RunningEmulator;
  let database: DatabaseConfig;
  let bridge: RunningBridge;
  const env = (extra: NodeJS.ProcessEnv = {}) => emulator.bridgeEnv({ GUARD_MAX_USER_REMOVALS: '3', ...extra });
  const clients: Record<string, { Authorization: string }> = {};

  const runSync = async () => {
    const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.status).toBe(200);
    return res.body;
  };
  const pull = async (): Promise<SyncBody> => (await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret)).body as SyncBody;
  const byName = (body: SyncBody) => new Map(body.user_info_list.map((u) => [u.username, u]));
  const departmentsOf = (body: SyncBody, username: string) => body.group_info_list.filter((g) => g.user_list.includes(username)).map((g) => g.group_no);
  const mutate = async (settings: Record<string, number>): Promise<Mutation> =>
    (await request(emulator.url).post('/_emulator/mutations').send(settings).expect(200)).body as Mutation;
  const faults = (settings: Record<string, number>) => request(emulator.url).put('/_emulator/faults').send(settings).expect(200);
  const decide = (id: number, body: unknown, as: { Authorization: string } = admin) => request(bridge.url).post(`/api/v1/sync/runs/${id}/decide`).set(as).send(body as object);
  const approve = (id: number, body: unknown, as: { Authorization: string } = admin) => request(bridge.url).post(`/api/v1/sync/runs/${id}/approve`).set(as).send(body as object);
  const events = async (action: string) =>
    (await request(bridge.url).get('/api/v1/audit/events').query({ action, limit: '500' }).set(admin).expect(200)).body.items as {
      actor: { id: string | null };
      target: { id: string | null };
      details: Record<string, unknown>;
    }[];
  const client = async (id: string, scopes: string[]) => {
    const res = await request(bridge.url).post('/api/v1/clients').set(admin).send({ id, name: id, scopes });
    expect(res.status).toBe(201);
    clients[id] = { Authorization: `Bearer ${res.body.secret as string}` };
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 300, departments: 20, seed: 4 });
    database = await db.create();
    bridge = await startBridgeWith(database, { env: env() });
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('publishes the organisation first', async () => {
    expect((await runSync()).status).toBe('published');
  });

  it('publishes exactly the accepted changes of a partial decision; the rejected ones keep their published version', async () => {
    const mutation = await mutate({ resign: 6, move: 3, rename: 2 });
    const before = await pull();
    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.holdReasons.map((r: { kind: string }) => r.kind)).toEqual(expect.arrayContaining(['user-removals', 'renames']));
    const removed = [...(held.diff.sample.users.removed as string[])].sort();
    expect(removed).toEqual(mutation.resigned.map((r) => r.username).sort());
    const moves = held.diff.sample.moves as { key: string; username: string; from: string; to: string }[];
    const renames = held.diff.sample.renames as { key: string; from: string; to: string }[];
    expect(moves).toHaveLength(3);
    expect(renames).toHaveLength(2);

    const [gone1, gone2, ...kept] = removed;
    const [renameAccepted, renameRejected] = renames;
    const [moveRejected, ...movesAccepted] = moves;
    const decided = await decide(held.id, {
      note: 'two leavers confirmed by HR; the rest looks like a directory glitch',
      kinds: { 'user-removals': 'reject', moves: 'accept' },
      changes: [
        { kind: 'user-removals', key: gone1, decision: 'accept' },
        { kind: 'user-removals', key: gone2, decision: 'accept' },
        { kind: 'renames', key: renameAccepted.key, decision: 'accept' },
        { kind: 'renames', key: renameRejected.key, decision: 'reject' },
        { kind: 'moves', key: moveRejected.key, decision: 'reject' },
      ],
    });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'published', decidedBy: 'admin' });
    expect(decided.body.decision).toMatchObject({
      approved: true,
      mode: 'decide',
      note: 'two leavers confirmed by HR; the rest looks like a directory glitch',
      approvedBy: ['admin'],
      override: false,
      counts: {
        'user-removals': { accepted: 2, rejected: 4 },
        moves: { accepted: 2, rejected: 1 },
        renames: { accepted: 1, rejected: 1 },
        'group-removals': { accepted: 0, rejected: 0 },
        'emptied-departments': { accepted: 0, rejected: 0 },
      },
    });

    const after = await pull();
    const was = byName(before);
    const now = byName(after);
    expect(now.has(gone1)).toBe(false);
    expect(now.has(gone2)).toBe(false);
    for (const username of kept) expect(now.get(username)).toEqual(was.get(username));
    expect(now.has(renameAccepted.to)).toBe(true);
    expect(now.has(renameAccepted.from)).toBe(false);
    expect(now.get(renameRejected.from)).toEqual(was.get(renameRejected.from));
    expect(now.has(renameRejected.to)).toBe(false);
    expect(departmentsOf(after, moveRejected.username)).toEqual(departmentsOf(before, moveRejected.username));
    for (const move of movesAccepted) {
      expect(departmentsOf(after, move.username)).toContain(move.to);
      expect(departmentsOf(before, move.username)).not.toContain(move.to);
    }
    // Nothing else moved: everyone else is served as before.
    const touched = new Set([...removed, renameAccepted.from, renameRejected.from, ...moves.map((m) => m.username)]);
    for (const [username, user] of was) if (!touched.has(username)) expect(now.get(username)).toEqual(user);
    expect(after.user_info_list).toHaveLength(before.user_info_list.length - 2);

    // Stored on the run and audited with who, why and the counts per kind.
    const detail = await request(bridge.url).get(`/api/v1/sync/runs/${held.id}`).set(admin).expect(200);
    expect(detail.body.decision.counts['user-removals']).toEqual({ accepted: 2, rejected: 4 });
    expect(detail.body.decision.changes).toHaveLength(5);
    const [audited] = (await events('sync.run.decided')).filter((e) => e.target.id === String(held.id));
    expect(audited.actor.id).toBe('admin');
    expect(audited.details).toMatchObject({
      note: 'two leavers confirmed by HR; the rest looks like a directory glitch',
      counts: { 'user-removals': { accepted: 2, rejected: 4 }, renames: { accepted: 1, rejected: 1 }, moves: { accepted: 2, rejected: 1 } },
      approvedBy: ['admin'],
    });
    // The rejected rename is kept (as approve's `keep`): the next run does not hold it again.
    const next = await runSync();
    expect(next.status).toBe('held');
    expect(next.diffSummary.renames).toBe(0);
    expect([...(next.diff.sample.users.removed as string[])].sort()).toEqual(kept);
  });

  it('answers bad decisions with 400, 404, 409 or 422 and publishes nothing', async () => {
    const run = (await request(bridge.url).get('/api/v1/sync/runs').query({ status: 'held' }).set(admin).expect(200)).body.items[0] as { id: number };
    const before = await pull();
    const message = (res: request.Response, status: number) => {
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      return res.body.error.message as string;
    };
    expect(message(await decide(run.id, { note: 'x', changes: [{ kind: 'user-removals', key: 'nobody', decision: 'accept' }, { kind: 'moves', key: 'ghost', decision: 'reject' }] }), 422)).toBe(
      `Run ${run.id} has no such change: user-removals:nobody; moves:ghost.`,
    );
    const someone = (await request(bridge.url).get(`/api/v1/sync/runs/${run.id}`).set(admin)).body.diff.sample.users.removed[0] as string;
    expect(
      message(
        await decide(run.id, {
          note: 'x',
          changes: [
            { kind: 'user-removals', key: someone, decision: 'accept' },
            { kind: 'user-removals', key: someone, decision: 'reject' },
          ],
        }),
        422,
      ),
    ).toBe(`Changes named twice with different decisions: user-removals:${someone}.`);
    const invalid = async (body: unknown, field: string) => {
      const res = await decide(run.id, body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION.FAILED');
      expect(res.body.error.fields.map((f: { field: string }) => f.field)).toContain(field);
    };
    await invalid({ kinds: { 'user-removals': 'reject' } }, 'note');
    await invalid({ note: '' }, 'note');
    await invalid({ note: 'x', kinds: { removals: 'reject' } }, 'kinds');
    await invalid({ note: 'x', kinds: { moves: 'maybe' } }, 'kinds');
    await invalid({ note: 'x', changes: [{ kind: 'leavers', key: 'a', decision: 'accept' }] }, 'changes[0].kind');
    await invalid({ note: 'x', changes: [{ kind: 'moves', key: 'a', decision: 'keep' }] }, 'changes[0].decision');
    await invalid({ note: 'x', changes: 'all' }, 'changes');
    await invalid({ note: 'x', everything: 'accept' }, 'everything');
    expect((await decide(999_999, { note: 'x' })).status).toBe(404);
    expect((await request(bridge.url).post('/api/v1/sync/runs/abc/decide').set(admin).send({ note: 'x' })).status).toBe(400);
    expect((await request(bridge.url).post(`/api/v1/sync/runs/${run.id}/decide`).send({ note: 'x' })).status).toBe(401);
    const published = (await request(bridge.url).get('/api/v1/sync/runs').query({ status: 'published' }).set(admin)).body.items[0] as { id: number };
    expect(message(await decide(published.id, { note: 'x' }), 409)).toMatch(/is published, not held/);
    expect(await pull()).toEqual(before);
    expect((await request(bridge.url).get(`/api/v1/sync/runs/${run.id}`).set(admin)).body.status).toBe('held');
  });

  it('decides kind by kind: the removals rejected, the new people published', async () => {
    const hired = (await request(emulator.url).post('/_emulator/mutations').send({ hire: 2 }).expect(200)).body.hired as { username: string }[];
    const before = await pull();
    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.diffSummary.users).toMatchObject({ added: 2, removed: 4 });
    const res = await decide(held.id, { note: 'keep everyone until HR confirms', kinds: { 'user-removals': 'reject' } });
    expect(res.status).toBe(200);
    expect(res.body.decision.counts['user-removals']).toEqual({ accepted: 0, rejected: 4 });
    const after = await pull();
    const was = byName(before);
    const now = byName(after);
    for (const username of held.diff.sample.users.removed as string[]) expect(now.get(username)).toEqual(was.get(username));
    for (const h of hired) expect(now.has(h.username)).toBe(true);
    expect(after.user_info_list).toHaveLength(before.user_info_list.length + 2);

    // approve (accept everything) still works as before: the four go.
    const again = await runSync();
    expect(again.status).toBe('held');
    const approved = await approve(again.id, { note: 'HR confirmed' });
    expect(approved.status).toBe(200);
    expect(approved.body.decision).toMatchObject({ approved: true, mode: 'approve', counts: { 'user-removals': { accepted: 4, rejected: 0 } } });
    const last = byName(await pull());
    for (const username of held.diff.sample.users.removed as string[]) expect(last.has(username)).toBe(false);
  });

  it('rejecting an emptied department keeps its people; accepting one of them while rejecting it is refused with 422', async () => {
    await faults({ empty_department_size: 15 });
    const department = (await request(emulator.url).get('/_emulator/state').expect(200)).body.emptied_department as { id: string; employees: number };
    const exported = (await request(emulator.url).get('/_emulator/export').expect(200)).body.result as Exported[];
    const people = exported.filter((e) => !e.locked && (e.positions.find((p) => p.primary) ?? e.positions[0])?.org_id === department.id).map((e) => e.username);
    expect(people).toHaveLength(department.employees);
    const before = await pull();
    const held = await runSync();
    expect(held.status).toBe('held');
    expect(held.holdReasons.map((r: { kind: string }) => r.kind)).toEqual(expect.arrayContaining(['user-removals', 'emptied-departments']));

    const conflict = await decide(held.id, {
      note: 'contradictory',
      kinds: { 'emptied-departments': 'reject' },
      changes: [{ kind: 'user-removals', key: people[0], decision: 'accept' }],
    });
    expect(conflict.status).toBe(422);
    expect(conflict.body.error.message).toBe(
      `The decision on run ${held.id} cannot be carried out: the removal of ${people[0]} is accepted, but their emptied department ${department.id} is rejected (its people kept). Nothing was published; decide those changes consistently.`,
    );
    expect(await pull()).toEqual(before);

    const kept = await decide(held.id, { note: 'a directory glitch', kinds: { 'user-removals': 'accept', 'emptied-departments': 'reject' } });
    expect(kept.status).toBe(200);
    expect(kept.body.decision.counts).toMatchObject({ 'emptied-departments': { accepted: 0, rejected: 1 }, 'user-removals': { accepted: 0, rejected: people.length } });
    const now = byName(await pull());
    const was = byName(before);
    for (const username of people) expect(now.get(username)).toEqual(was.get(username));
    // The department comes back whole: the kept records are exactly the published ones.
    await faults({});
    expect((await runSync()).status).toBe('unchanged');
  });

  it('needs two distinct clients above GUARD_FOUR_EYES_USER_REMOVALS; the same client twice or a different decision is refused', async () => {
    await bridge.close();
    bridge = await startBridgeWith(database, { env: env({ GUARD_FOUR_EYES_USER_REMOVALS: '3' }) });
    await client('ops-a', ['sync:admin']);
    await client('ops-b', ['sync:admin']);
    const mutation = await mutate({ resign: 5 });
    const before = await pull();
    const held = await runSync();
    expect(held.status).toBe('held');

    const first = await approve(held.id, { note: 'checked with HR' }, clients['ops-a']);
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('held');
    expect(first.body.approvals).toHaveLength(1);
    expect(first.body.approvals[0]).toMatchObject({ by: 'ops-a', mode: 'approve', note: 'checked with HR', counts: { 'user-removals': { accepted: 5, rejected: 0 } } });
    expect(await pull()).toEqual(before);
    const shown = await request(bridge.url).get(`/api/v1/sync/runs/${held.id}`).set(admin).expect(200);
    expect(shown.body).toMatchObject({ status: 'held', approvals: [{ by: 'ops-a' }], decision: null });

    const twice = await approve(held.id, { note: 'again' }, clients['ops-a']);
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toMatch(/already has the approval of ops-a; 5 user removals \(more than GUARD_FOUR_EYES_USER_REMOVALS=3\) need a second approval from a different client/);

    const other = await decide(
      held.id,
      { note: 'one fewer', kinds: { 'user-removals': 'accept' }, changes: [{ kind: 'user-removals', key: mutation.resigned[0].username, decision: 'reject' }] },
      clients['ops-b'],
    );
    expect(other.status).toBe(409);
    expect(other.body.error.message).toMatch(/differs from the first approval of run \d+ \(by ops-a: user-removals: 0 rejected vs 1\)/);
    expect(await pull()).toEqual(before);

    const second = await approve(held.id, { note: 'agreed' }, clients['ops-b']);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'published', decidedBy: 'ops-b', decision: { approvedBy: ['ops-a', 'ops-b'], note: 'agreed' } });
    expect(second.body.approvals.map((a: { by: string }) => a.by)).toEqual(['ops-a', 'ops-b']);
    const now = byName(await pull());
    for (const r of mutation.resigned) expect(now.has(r.username)).toBe(false);
    const [recorded] = (await events('sync.run.approval.recorded')).filter((e) => e.target.id === String(held.id));
    expect(recorded).toMatchObject({ actor: { id: 'ops-a' }, details: { fourEyesUserRemovals: 3 } });
    const [approved] = (await events('sync.run.approved')).filter((e) => e.target.id === String(held.id));
    expect(approved).toMatchObject({ actor: { id: 'ops-b' }, details: { approvedBy: ['ops-a', 'ops-b'] } });

    // A decision publishing no more removals than the limit needs one approval.
    const small = await mutate({ resign: 5 });
    const heldAgain = await runSync();
    expect(heldAgain.status).toBe('held');
    const one = await decide(
      heldAgain.id,
      {
        note: 'two confirmed',
        changes: small.resigned.slice(0, 2).map((r) => ({ kind: 'user-removals', key: r.username, decision: 'accept' })),
      },
      clients['ops-a'],
    );
    expect(one.status).toBe(200);
    expect(one.body.decision).toMatchObject({ approvedBy: ['ops-a'], counts: { 'user-removals': { accepted: 2, rejected: 3 } } });
  });

  it('an override token publishes with one approval: admin only, for its run, single-use, expiring', async () => {
    await mutate({ resign: 3 }); // with the 3 rejected just before: 6 removals
    const x = await runSync();
    expect(x.status).toBe('held');
    expect(x.diffSummary.users.removed).toBe(6);
    const issue = (id: number, body: unknown = {}, as: { Authorization: string } = admin) =>
      request(bridge.url).post(`/api/v1/sync/runs/${id}/override-token`).set(as).send(body as object);

    expect((await issue(x.id, {}, clients['ops-a'])).status).toBe(403);
    expect((await issue(x.id, { expiresInMinutes: 0 })).status).toBe(400);
    expect((await issue(x.id, { expiresInMinutes: 61 })).status).toBe(400);
    expect((await issue(999_999)).status).toBe(404);
    const forX = await issue(x.id);
    expect(forX.status).toBe(201);
    expect(forX.body).toMatchObject({ runId: x.id, token: expect.stringMatching(/^hrb_ovr_[A-Za-z0-9_-]{43}$/) });
    const life = Date.parse(forX.body.expiresAt) - Date.now();
    expect(life).toBeGreaterThan(59 * 60_000);
    expect(life).toBeLessThanOrEqual(60 * 60_000);

    // A newer run supersedes x: x's token does not serve it.
    const y = await runSync();
    expect(y.status).toBe('held');
    expect((await issue(x.id)).status).toBe(409);
    const otherRun = await approve(y.id, { overrideToken: forX.body.token }, clients['ops-a']);
    expect(otherRun.status).toBe(403);
    expect(otherRun.body.error.message).toBe(`The override token was created for run ${x.id}, not run ${y.id}; a token serves only its run.`);
    const unknown = await approve(y.id, { overrideToken: 'hrb_ovr_not-a-token' }, clients['ops-a']);
    expect(unknown.status).toBe(403);

    const short = await issue(y.id, { expiresInMinutes: 5 });
    const clock = vi.spyOn(bridge.app.get(Clock), 'now').mockImplementation(() => Date.now() + 6 * 60_000);
    try {
      const expired = await approve(y.id, { overrideToken: short.body.token }, clients['ops-a']);
      expect(expired.status).toBe(403);
      expect(expired.body.error.message).toMatch(/^The override token expired at /);
    } finally {
      clock.mockRestore();
    }
    const before = await pull();
    const forY = await issue(y.id);
    const used = await approve(y.id, { note: 'emergency: leavers must go now', overrideToken: forY.body.token }, clients['ops-a']);
    expect(used.status).toBe(200);
    expect(used.body.decision).toMatchObject({ approvedBy: ['ops-a'], override: true });
    expect((await pull()).user_info_list).toHaveLength(before.user_info_list.length - 6);

    await mutate({ resign: 5 });
    const z = await runSync();
    expect(z.status).toBe('held');
    const again = await approve(z.id, { overrideToken: forY.body.token }, clients['ops-a']);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/^The override token was already used \(.*, by ops-a\); it is single-use/);
    expect((await approve(z.id, {}, clients['ops-a'])).status).toBe(202); // without a token, four-eyes again
    // Rejecting takes one client, whatever four-eyes says; the pending approval stays on the run.
    const rejected = await request(bridge.url).post(`/api/v1/sync/runs/${z.id}/reject`).set(clients['ops-b']).send({ note: 'not now' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected', decidedBy: 'ops-b', approvals: [{ by: 'ops-a' }] });

    // Audited; the tokens themselves are never stored or shown again.
    const created = await events('sync.run.override.created');
    expect(created.map((e) => e.target.id)).toEqual(expect.arrayContaining([String(x.id), String(y.id)]));
    const refused = (await events('sync.run.override.refused')).map((e) => e.details.reason);
    expect(refused).toEqual(expect.arrayContaining(['other-run', 'unknown', 'expired', 'used']));
    const [usedEvent] = await events('sync.run.override.used');
    expect(usedEvent).toMatchObject({ actor: { id: 'ops-a' }, target: { id: String(y.id) } });
    const trail = JSON.stringify((await request(bridge.url).get('/api/v1/audit/events').query({ limit: '500' }).set(admin)).body);
    for (const token of [forX.body.token, short.body.token, forY.body.token]) expect(trail).not.toContain(token);
    expect(JSON.stringify((await request(bridge.url).get(`/api/v1/sync/runs/${y.id}`).set(admin)).body)).not.toContain(forY.body.token);
  });
});
