import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OmUser, PullRecord } from '../../apps/omflow-emulator/src/index.js';
import { admin } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startLoop, type Reconciliation, type RunningLoop } from '../support/omflow-emulator.js';

interface Mutation {
  hired: { id: string; username: string; org_id: string }[];
  moved: { id: string; username: string; from_org_id: string; to_org_id: string }[];
  renamed: { id: string; from_username: string; to_username: string }[];
  resigned: { id: string; username: string }[];
}
interface Run {
  id: number;
  status: string;
  holdReasons?: { kind: string }[];
  diff?: { sample: { renames?: { key: string; from: string; to: string }[] } };
  counts?: Record<string, number>;
  error: unknown;
}
type EmulatorUser = OmUser & { groups: string[] };

/** The grace window of the suite: 0.001 h = 3.6 s. */
const GRACE_HOURS = '0.001';
const GRACE_MS = 3_600;

/**
 * The whole loop (issue 16 part 3): the directory emulator → the bridge → the OMFLOW emulator,
 * with the bridge's read-back pointed at the OMFLOW emulator's query API. After each change in
 * the directory (hires, moves, renames held then decided, resignations through the grace
 * window) and through each directory fault (run, cleared, converged), a run, a pull and a
 * read-back: OMFLOW holds what the bridge serves (`inSync: true`), and OMFLOW never deleted
 * anyone but the directory's real leavers and the old names of the renames an operator accepted.
 */
describe.each(testDatabases())('the whole loop: directory → bridge → OMFLOW → read-back ($kind)', (db) => {
  let loop: RunningLoop;
  /** Every leaver the directory really had (usernames), and the old names of accepted renames. */
  const leavers = new Set<string>();
  const acceptedRenames = new Set<string>();
  /** Renames an operator rejected: the directory's new name → the name /sync and OMFLOW keep. */
  const keptRenames = new Map<string, string>();

  const directory = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${loop.directory.url}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const mutate = (m: Partial<Record<'hire' | 'move' | 'rename' | 'resign', number>>) => directory<Mutation>('POST', '/mutations', m);
  const bridgeCall = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${loop.bridge.url}${path}`, {
      method,
      headers: { ...admin, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const sync = async (): Promise<Run> => (await loop.sync()) as unknown as Run;
  const pull = async (): Promise<PullRecord> => loop.omflow.pull();
  const omflowUser = async (username: string) => loop.omflow.admin<EmulatorUser>('GET', `/users/${encodeURIComponent(username)}`);
  const liveUsernames = async () => new Set((await loop.omflow.admin<EmulatorUser[]>('GET', '/users')).body.map((u) => u.username));
  const expectInSync = (r: Reconciliation) => {
    expect(r.outcome, JSON.stringify({ reasons: r.reasons, counts: r.counts, samples: r.samples, error: r.error })).toBe('in-sync');
    expect(r.inSync).toBe(true);
    expect(r.counts!.users.omflow).toBe(r.counts!.users.snapshot);
  };
  /** A run that publishes, a pull that applies it, and a read-back that finds OMFLOW in sync. */
  const converge = async (): Promise<PullRecord> => {
    const run = await sync();
    expect(run.status, JSON.stringify(run)).toMatch(/^(published|unchanged)$/);
    const pulled = await pull();
    expect(pulled.outcome, JSON.stringify(pulled.failures)).toBe('applied');
    const r = await loop.reconcile();
    expectInSync(r);
    expect(r.snapshot.id).toBe(r.snapshot.publishedId);
    return pulled;
  };

  beforeAll(async () => {
    loop = await startLoop(await db.create(), {
      directory: { employees: 80, departments: 10, seed: 16 },
      bridgeEnv: { GUARD_DELETION_GRACE_HOURS: GRACE_HOURS, OMFLOW_PAGE_SIZE: '25', DIRECTORY_RETRIES: '1' },
      readback: true,
    });
  });
  afterAll(async () => {
    await loop?.close();
    await db.dropAll();
  });

  it('reports OMFLOW as not having pulled, then in sync after the first run and pull', async () => {
    expect((await sync()).status).toBe('published');
    const before = await loop.reconcile();
    expect(before).toMatchObject({ outcome: 'not-pulled', inSync: false });
    const first = await converge();
    expect(first.users.added).toBeGreaterThan(60);
    expect(first.users.deleted).toBe(0);
  });

  it('converges after hires and moves: OMFLOW adds the new people and moves the others', async () => {
    const m = await mutate({ hire: 3, move: 3 });
    const pulled = await converge();
    expect(pulled.changes.users.added.sort()).toEqual(m.hired.map((h) => h.username).sort());
    for (const moved of m.moved) {
      const user = (await omflowUser(moved.username)).body;
      expect(user.default_group, moved.username).toBe(moved.to_org_id);
      expect(user.groups).toContain(moved.to_org_id);
    }
  });

  it('holds renames; decided change by change (one kept, one accepted), OMFLOW follows the decision', async () => {
    const m = await mutate({ rename: 2 });
    const held = await sync();
    expect(held.status).toBe('held');
    expect(held.holdReasons!.map((r) => r.kind)).toContain('renames');
    // Held: /sync still serves the old names, and OMFLOW still matches it.
    expect((await pull()).users).toMatchObject({ added: 0, deleted: 0 });
    expectInSync(await loop.reconcile());

    const renames = held.diff!.sample.renames!;
    expect(renames).toHaveLength(2);
    const [accepted, kept] = renames;
    const decided = await bridgeCall<Run>('POST', `/api/v1/sync/runs/${held.id}/decide`, {
      note: 'one rename confirmed by HR, the other kept under its old name',
      changes: [
        { kind: 'renames', key: accepted.key, decision: 'accept' },
        { kind: 'renames', key: kept.key, decision: 'reject' },
      ],
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    acceptedRenames.add(accepted.from);
    keptRenames.set(kept.to, kept.from);
    expect(m.renamed.map((r) => r.from_username)).toEqual(expect.arrayContaining([accepted.from, kept.from]));

    // OMFLOW matches users by username: the accepted rename is a deletion of the old account and
    // an addition under the new name. Its soft delete keeps the old account's email, so adding the
    // new one fails on OMFLOW's unique email, as it would in a real OMFLOW: the read-back tells.
    const pulled = await pull();
    expect(pulled.changes.users.deleted).toEqual([accepted.from]);
    expect(pulled.failures).toEqual([
      expect.objectContaining({ type: 'user', key: accepted.to, reason: expect.stringContaining('already used by the deleted user') }),
    ]);
    const drift = await loop.reconcile();
    expect(drift).toMatchObject({ outcome: 'drifted', inSync: false });
    expect(drift.counts!.users.missing).toBe(1);
    expect(drift.samples!.missingUsers.map((u) => u.username)).toEqual([accepted.to]);
    expect((await omflowUser(kept.from)).status).toBe(200);

    // OMFLOW's administrator frees the email of the deleted account: the next pull adds the new name.
    const deleted = (await loop.omflow.admin<EmulatorUser[]>('GET', '/users?state=deleted')).body.find((u) => u.username.startsWith(`${accepted.from}-`))!;
    const freed = await loop.omflow.admin('PATCH', `/users/${encodeURIComponent(deleted.username)}`, { email: `freed.${deleted.id}@omflow.invalid` });
    expect(freed.status).toBe(200);
    const again = await converge();
    expect(again.changes.users.added).toEqual([accepted.to]);
  });

  it('holds a rename beside a hire; approved keeping the old username, OMFLOW adds the hire and keeps the account', async () => {
    const m = await mutate({ rename: 1, hire: 1 });
    const held = await sync();
    expect(held.status).toBe('held');
    const [rename] = held.diff!.sample.renames!;
    expect(rename.from).toBe(m.renamed[0].from_username);
    const approved = await bridgeCall('POST', `/api/v1/sync/runs/${held.id}/approve`, { renames: { [rename.key]: 'keep' }, note: 'keep the account' });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    keptRenames.set(rename.to, rename.from);
    const pulled = await converge();
    expect(pulled.changes.users).toMatchObject({ added: [m.hired[0].username], deleted: [] });
    expect((await omflowUser(rename.from)).status).toBe(200);
  });

  it('keeps leavers in OMFLOW while their grace window runs, then OMFLOW deletes them', async () => {
    const m = await mutate({ resign: 2 });
    const resigned = m.resigned.map((r) => r.username);
    for (const name of resigned) leavers.add(name);
    const first = await converge();
    expect(first.changes.users.deleted).toEqual([]);
    const live = await liveUsernames();
    for (const name of resigned) expect(live.has(name), name).toBe(true);

    await sleep(GRACE_MS + 500);
    const due = await sync();
    expect(due.status, JSON.stringify(due)).toBe('published');
    expect(due.counts!.removedAfterGrace).toBe(2);
    const pulled = await pull();
    expect(pulled.changes.users.deleted.sort()).toEqual([...resigned].sort());
    expectInSync(await loop.reconcile());
  });

  const faults: [string, Record<string, number>][] = [
    ['every directory call answered 500', { error_rate: 1 }],
    ['every answer cut off mid-body', { drop_rate: 1 }],
    ['every answer malformed JSON', { malformed_rate: 1 }],
    ['every page short of its total', { short_page_rate: 1 }],
    ['every call slower than the timeout', { latency_ms: 1_500 }],
    ['a department answered as all resigned', { empty_department_size: 3 }],
  ];
  it.each(faults)('runs through a directory fault (%s), then clears and converges; OMFLOW deletes nobody', async (_name, fault) => {
    const liveBefore = await liveUsernames();
    await directory('PUT', '/faults', fault);
    const run = await sync();
    if (run.status === 'held') {
      const rejected = await bridgeCall('POST', `/api/v1/sync/runs/${run.id}/reject`, { note: 'a directory fault' });
      expect(rejected.status).toBe(200);
    } else {
      // A fault that breaks the read fails the run; one that reads consistently only opens grace windows.
      expect(run.status, JSON.stringify(run)).toMatch(/^(failed|published|unchanged)$/);
    }
    if (fault.empty_department_size) expect(run.counts!.enteredGrace).toBeGreaterThanOrEqual(3);
    const during = await pull();
    expect(during.outcome).toBe('applied');
    expect(during.changes.users.deleted).toEqual([]);
    expectInSync(await loop.reconcile());

    await directory('DELETE', '/faults');
    const after = await converge();
    expect(after.changes.users.deleted).toEqual([]);
    expect(await liveUsernames()).toEqual(liveBefore);
  });

  it('holds a department emptied for longer than the grace window; rejected, OMFLOW keeps its people', async () => {
    const liveBefore = await liveUsernames();
    await directory('PUT', '/faults', { empty_department_size: 5 });
    const opened = await sync();
    expect(opened.counts!.enteredGrace, JSON.stringify(opened)).toBeGreaterThanOrEqual(5);
    expect((await pull()).changes.users.deleted).toEqual([]);
    await sleep(GRACE_MS + 500);
    const due = await sync();
    expect(due.status, JSON.stringify(due)).toBe('held');
    expect(due.holdReasons!.map((r) => r.kind)).toContain('emptied-departments');
    expect((await bridgeCall('POST', `/api/v1/sync/runs/${due.id}/reject`, { note: 'the directory emptied a department' })).status).toBe(200);
    expect((await pull()).changes.users.deleted).toEqual([]);
    expectInSync(await loop.reconcile());
    await directory('DELETE', '/faults');
    const after = await converge();
    expect(after.changes.users.deleted).toEqual([]);
    expect(await liveUsernames()).toEqual(liveBefore);
  });

  it('OMFLOW deleted nobody wrongly: every deletion it made is a real leaver or an accepted rename', async () => {
    const pulls = (await loop.omflow.admin<PullRecord[]>('GET', '/pulls?limit=100')).body;
    const deletions = pulls.flatMap((p) => p.changes.users.deleted);
    const wrongly = deletions.filter((name) => !leavers.has(name) && !acceptedRenames.has(name));
    expect(wrongly).toEqual([]);
    expect(deletions.length).toBe(leavers.size + acceptedRenames.size);
    const exported = (await directory<{ result: { username: string; locked: boolean }[] }>('GET', '/export')).result;
    const live = await liveUsernames();
    const active = exported.filter((e) => !e.locked).map((e) => keptRenames.get(e.username) ?? e.username);
    expect(active.length).toBeGreaterThan(70);
    expect(active.filter((name) => !live.has(name))).toEqual([]);
    for (const name of leavers) expect(live.has(name)).toBe(false);
  });

  describe('the read-back detects what goes wrong in OMFLOW', () => {
    let someone: string;
    beforeAll(async () => {
      someone = [...(await liveUsernames())].sort()[5];
    });

    it('a user edited by hand: drifted on that field, in sync again once OMFLOW pulls', async () => {
      const edited = await loop.omflow.admin('PATCH', `/users/${encodeURIComponent(someone)}`, { nick_name: 'Edited By Hand', phone1: '555-0100' });
      expect(edited.status).toBe(200);
      const r = await loop.reconcile();
      expect(r).toMatchObject({ outcome: 'drifted', inSync: false });
      expect(r.counts!.users.drifted).toBe(1);
      expect(r.counts!.users.driftByField).toMatchObject({ nick_name: 1, phone1: 1 });
      const sample = r.samples!.driftedUsers[0];
      expect(sample.username).toBe(someone);
      expect(sample.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'nick_name', actual: 'Edited By Hand' })]));
      expect((await pull()).changes.users.modified).toEqual([someone]);
      expectInSync(await loop.reconcile());
    });

    it('a failed apply (whole, then of named records): the hires OMFLOW did not apply are missing', async () => {
      expect((await loop.omflow.admin('PUT', '/faults', { whole: true })).status).toBe(200);
      const m = await mutate({ hire: 2 });
      expect((await sync()).status).toBe('published');
      const failed = await pull();
      expect(failed.outcome).toBe('failed');
      const r = await loop.reconcile();
      expect(r).toMatchObject({ outcome: 'drifted', inSync: false });
      expect(r.samples!.missingUsers.map((u) => u.username).sort()).toEqual(m.hired.map((h) => h.username).sort());

      const [first, second] = m.hired.map((h) => h.username);
      expect((await loop.omflow.admin('PUT', '/faults', { users: [first] })).status).toBe(200);
      const partial = await pull();
      expect(partial.outcome).toBe('partial');
      expect(partial.changes.users.added).toEqual([second]);
      const still = await loop.reconcile();
      expect(still.samples!.missingUsers.map((u) => u.username)).toEqual([first]);
      expect((await pull()).changes.users.added).toEqual([first]);
      expectInSync(await loop.reconcile());
    });

    it('a user deleted by hand: missing (and counted as deleted in OMFLOW) until OMFLOW can add them again', async () => {
      const victim = [...(await liveUsernames())].sort()[7];
      expect((await loop.omflow.admin('DELETE', `/users/${encodeURIComponent(victim)}`)).status).toBe(200);
      const r = await loop.reconcile();
      expect(r).toMatchObject({ outcome: 'drifted', inSync: false });
      expect(r.samples!.missingUsers.map((u) => u.username)).toEqual([victim]);
      expect(r.counts!.users.omflowDeleted).toBeGreaterThanOrEqual(1);
      // OMFLOW cannot re-create them: the hand-deleted account still holds the email.
      const retried = await pull();
      expect(retried.failures.map((f) => f.key)).toEqual([victim]);
      expect((await loop.reconcile()).samples!.missingUsers.map((u) => u.username)).toEqual([victim]);
      const deleted = (await loop.omflow.admin<EmulatorUser[]>('GET', '/users?state=deleted')).body.find((u) => u.username.startsWith(`${victim}-`))!;
      expect((await loop.omflow.admin('PATCH', `/users/${encodeURIComponent(deleted.username)}`, { email: `freed.${deleted.id}@omflow.invalid` })).status).toBe(
        200,
      );
      expect((await pull()).changes.users.added).toEqual([victim]);
      expectInSync(await loop.reconcile());
    });
  });
});
