import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MutationResult } from '../../apps/directory-emulator/src/index.js';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

const KINDS = ['users.added', 'users.removed', 'users.changed', 'groups.added', 'groups.removed', 'groups.changed', 'renames', 'moves'] as const;
type Kind = (typeof KINDS)[number];

interface User {
  key: string;
  username: string;
  email: string;
  nick_name: string | null;
  groups: string[];
}
interface Field {
  field: string;
  before: unknown;
  after: unknown;
}
interface Summary {
  users: { added: number; removed: number; changed: number };
  groups: { added: number; removed: number; changed: number };
  renames: number;
  moves: number;
}
interface DiffPage {
  from: number | null;
  to: number;
  runId?: number;
  summary: Summary;
  matched: Summary;
  kinds: Kind[];
  offset: number;
  limit: number;
  q: string | null;
  diff: {
    users: { added: User[]; removed: User[]; changed: { key: string; before: User; after: User; fields: Field[] }[] };
    groups: { added: { group_no: string }[]; removed: { group_no: string }[]; changed: { key: string; fields: Field[] }[] };
    renames: { key: string; from: string; to: string }[];
    moves: { key: string; username: string; from: string | null; to: string | null }[];
  };
}

const EMPLOYEES = 2500;

function listOf(page: DiffPage, kind: Kind): unknown[] {
  const [a, b] = kind.split('.') as [string, string | undefined];
  const diff = page.diff as unknown as Record<string, unknown>;
  return (b ? (diff[a] as Record<string, unknown[]>)[b] : diff[a]) as unknown[];
}
function countOf(summary: Summary, kind: Kind): number {
  const [a, b] = kind.split('.') as [string, string | undefined];
  const s = summary as unknown as Record<string, unknown>;
  return (b ? (s[a] as Record<string, number>)[b] : s[a]) as number;
}

describe.each(testDatabases())('paged diffs of snapshots and runs ($kind)', (db) => {
  let emulator: RunningEmulator;
  let bridge: RunningBridge;
  let mutation: MutationResult;
  /** The usernames of the first snapshot. */
  let published: Set<string>;
  let first: { id: number; snapshotId: number };
  let held: { id: number; status: string; snapshotId: number; baseSnapshotId: number; diffSummary: Summary; diff: { sample: { renames: unknown[] } } };

  const get = async (path: string): Promise<DiffPage> => {
    const res = await request(bridge.url).get(path).set(admin);
    expect(res.status, res.text).toBe(200);
    return res.body as DiffPage;
  };
  /** Every change of one kind, page by page (`limit` a page), checking each page's bounds. */
  const all = async <T>(base: string, kind: Kind, limit: number, q?: string): Promise<T[]> => {
    const items: T[] = [];
    for (let offset = 0; ; offset += limit) {
      const page = await get(`${base}${base.includes('?') ? '&' : '?'}kind=${kind}&offset=${offset}&limit=${limit}${q ? `&q=${encodeURIComponent(q)}` : ''}`);
      expect(page.kinds).toEqual([kind]);
      const list = listOf(page, kind) as T[];
      expect(list.length).toBeLessThanOrEqual(limit);
      for (const other of KINDS) if (other !== kind) expect(listOf(page, other)).toEqual([]);
      items.push(...list);
      if (offset + limit >= countOf(page.matched, kind)) {
        expect(items).toHaveLength(countOf(page.matched, kind));
        return items;
      }
      expect(list).toHaveLength(limit);
    }
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: EMPLOYEES, departments: 50, seed: 29 });
    bridge = await startBridgeWith(await db.create(), { env: emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '500' }) });
    first = (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200)).body;
    published = new Set(
      (
        (await request(bridge.url).get(`/api/v1/snapshots/${first.snapshotId}/content`).set(admin).expect(200)).body.user_info_list as { username: string }[]
      ).map((u) => u.username),
    );
    mutation = (await request(emulator.url).post('/_emulator/mutations').send({ hire: 230, move: 110, rename: 35, resign: 140 }).expect(200)).body;
    // The renames hold the run: what people review is its diff.
    held = (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({}).expect(200)).body;
  }, 120_000);
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it("pages a held run's diff by kind: exactly the directory's hires, leavers, renames and moves, with the summary the run recorded", async () => {
    expect(held.status).toBe('held');
    const base = `/api/v1/sync/runs/${held.id}/diff`;
    const head = await get(`${base}?kind=users.removed&limit=1`);
    expect(head).toMatchObject({ runId: held.id, from: first.snapshotId, to: held.snapshotId, summary: held.diffSummary, matched: held.diffSummary });
    // What reaches the snapshots of the directory's batch: hires not resigned in the same batch
    // nor quarantined for their data; leavers that were published.
    const resignedIds = new Set(mutation.resigned.map((r) => r.id));
    const quarantined = new Set(
      ((await request(bridge.url).get(`/api/v1/sync/runs/${held.id}`).set(admin).expect(200)).body.findings as { record: { key: string }; action: string }[])
        .filter((f) => f.action === 'quarantined')
        .map((f) => f.record.key),
    );
    const hired = mutation.hired.filter((h) => !resignedIds.has(h.id) && !quarantined.has(h.user_id));
    const resigned = mutation.resigned.filter((r) => published.has(r.username));
    expect(held.diffSummary).toMatchObject({ users: { added: hired.length, removed: resigned.length } });
    expect(hired.length).toBeGreaterThan(200);
    expect(resigned.length).toBeGreaterThan(120);

    const removed = await all<User>(base, 'users.removed', 50);
    expect(new Set(removed.map((u) => u.username))).toEqual(new Set(resigned.map((r) => r.username)));
    const added = await all<User>(base, 'users.added', 100);
    expect(new Set(added.map((u) => u.username))).toEqual(new Set(hired.map((h) => h.username)));
    const renames = await all<{ key: string; from: string; to: string }>(base, 'renames', 16);
    const renamedNow = mutation.renamed.filter((r) => !resignedIds.has(r.id) && published.has(r.from_username));
    expect(new Set(renames.map((r) => `${r.from}>${r.to}`))).toEqual(new Set(renamedNow.map((r) => `${r.from_username}>${r.to_username}`)));
    // The keys the decisions name: the same as the run's sample (which lists them in the directory's read order).
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect([...renames].sort(byKey)).toEqual([...(held.diff.sample.renames as { key: string }[])].sort(byKey));
    const moves = await all<{ key: string; username: string; from: string; to: string }>(base, 'moves', 1000);
    expect(moves.length).toBe(held.diffSummary.moves);
    const movedNames = new Set(moves.map((m) => m.username));
    for (const m of mutation.moved)
      if (!mutation.resigned.some((r) => r.id === m.id)) expect(movedNames.has(m.username) || renames.some((r) => r.from === m.username)).toBe(true);

    // Changed people carry their fields, before and after; a move shows the department change.
    const changed = await all<{ key: string; before: User; after: User; fields: Field[] }>(base, 'users.changed', 200);
    expect(changed).toHaveLength(held.diffSummary.users.changed);
    const move = changed.find((c) => c.key === moves[0].key)!;
    expect(move.fields).toContainEqual({ field: 'groups', before: move.before.groups, after: move.after.groups });
    expect(move.before.groups[0]).toBe(moves[0].from);
    expect(move.after.groups[0]).toBe(moves[0].to);
    const rename = changed.find((c) => c.key === renames[0].key)!;
    expect(rename.fields).toContainEqual({ field: 'username', before: renames[0].from, after: renames[0].to });

    // Every list in stable-number order, pages neither overlapping nor skipping: the same as one page of everything.
    const whole = await get(`${base}?limit=1000`);
    expect(whole.kinds).toEqual([...KINDS]);
    expect(whole.diff.users.removed).toEqual(removed);
    expect(whole.diff.users.added).toEqual(added);
    expect(whole.diff.users.changed).toEqual(changed);
    expect(whole.diff.moves).toEqual(moves);
  });

  it('answers the same diff for the snapshots, and the first snapshot (against nothing) page by page', async () => {
    const run = await get(`/api/v1/sync/runs/${held.id}/diff?limit=1000`);
    const snapshots = await get(`/api/v1/snapshots/${held.snapshotId}/diff?against=${held.baseSnapshotId}&limit=1000`);
    expect(snapshots).toEqual({ ...run, runId: undefined, from: held.baseSnapshotId, to: held.snapshotId });
    // Its parent is the first snapshot: the default `against`.
    expect((await get(`/api/v1/snapshots/${held.snapshotId}/diff?kind=renames`)).summary).toEqual(held.diffSummary);
    // The other way round: hires are removals.
    const back = await get(`/api/v1/snapshots/${held.baseSnapshotId}/diff?against=${held.snapshotId}&kind=users.removed&limit=1`);
    expect(back.summary.users.removed).toBe(held.diffSummary.users.added);
    expect(back.summary.users.added).toBe(held.diffSummary.users.removed);

    const firstDiff = await get(`/api/v1/snapshots/${first.snapshotId}/diff?kind=users.added&offset=${published.size - 30}&limit=100`);
    expect(firstDiff.from).toBeNull();
    expect(firstDiff.summary.users.added).toBe(published.size);
    expect(firstDiff.diff.users.added).toHaveLength(30);
    const everyone = await all<User>(`/api/v1/snapshots/${first.snapshotId}/diff`, 'users.added', 1000);
    expect(new Set(everyone.map((u) => u.username))).toEqual(published);
    expect(everyone.slice(-30)).toEqual(firstDiff.diff.users.added);
  });

  it('without kind: the summary and the first page of every kind (100 each), a bounded answer', async () => {
    const res = await request(bridge.url).get(`/api/v1/snapshots/${first.snapshotId}/diff`).set(admin).expect(200);
    const page = res.body as DiffPage;
    expect(page).toMatchObject({ kinds: [...KINDS], offset: 0, limit: 100, q: null });
    expect(page.diff.users.added).toHaveLength(100);
    expect(page.diff.groups.added).toHaveLength(Math.min(100, page.summary.groups.added));
    const whole = await request(bridge.url).get(`/api/v1/snapshots/${first.snapshotId}/diff?kind=users.added&limit=1000`).set(admin).expect(200);
    // 100 of some 2,500 people: a twenty-fifth of the whole list, give or take the departments.
    expect(res.text.length).toBeLessThan(whole.text.length / 5);
  });

  it('searches a person by username, name or email, case-insensitively, with the matches counted by kind', async () => {
    const base = `/api/v1/sync/runs/${held.id}/diff`;
    const leaver = mutation.resigned.filter((r) => published.has(r.username))[7].username;
    const byName = await get(`${base}?q=${encodeURIComponent(leaver.toUpperCase())}`);
    expect(byName.q).toBe(leaver.toUpperCase());
    expect(byName.diff.users.removed.map((u) => u.username)).toContain(leaver);
    for (const u of byName.diff.users.removed) expect(`${u.username}|${u.nick_name}|${u.email}`.toLowerCase()).toContain(leaver.toLowerCase());
    expect(byName.matched.users.removed).toBe(byName.diff.users.removed.length);
    expect(byName.summary).toEqual(held.diffSummary);

    const removedOne = byName.diff.users.removed.find((u) => u.username === leaver)!;
    const byEmail = await get(`${base}?kind=users.removed&q=${encodeURIComponent(removedOne.email.toUpperCase())}`);
    expect(byEmail.diff.users.removed.map((u) => u.username)).toEqual([leaver]);

    // A renamed person is found by the old username and by the new one.
    const renamed = mutation.renamed.find((r) => published.has(r.from_username) && !mutation.resigned.some((x) => x.id === r.id))!;
    for (const q of [renamed.from_username, renamed.to_username]) {
      const page = await get(`${base}?kind=renames,users.changed&q=${encodeURIComponent(q)}`);
      expect(page.kinds).toEqual(['renames', 'users.changed']);
      expect(page.diff.renames.map((r) => r.to)).toContain(renamed.to_username);
      expect(page.diff.users.changed.some((c) => c.after.username === renamed.to_username)).toBe(true);
    }
    // Repeated kind works like a comma list.
    expect((await get(`${base}?kind=renames&kind=moves&q=nobody-is-called-this`)).matched).toMatchObject({ renames: 0, moves: 0, users: { added: 0 } });
  });

  it('refuses bad input with 400 naming the problem, and answers 404, 409 and 401 where due', async () => {
    const bad = async (query: string) => {
      const res = await request(bridge.url).get(`/api/v1/snapshots/${held.snapshotId}/diff?${query}`).set(admin);
      expect(res.status, query).toBe(400);
      return JSON.stringify(res.body);
    };
    expect(await bad('kind=users.gone')).toContain(`kind must be one of ${KINDS.join(', ')}`);
    expect(await bad('kind=renames,people')).toContain('kind must be one of');
    expect(await bad('limit=1001')).toContain('limit');
    expect(await bad('limit=0')).toContain('limit');
    expect(await bad('offset=-1')).toContain('offset');
    expect(await bad('offset=abc')).toContain('offset');
    expect(await bad('q=')).toContain('q');
    expect(await bad(`q=${'x'.repeat(201)}`)).toContain('q');
    expect(await bad('against=0')).toContain('against');
    expect(await bad('sort=name')).toContain('sort');
    const runBad = await request(bridge.url).get(`/api/v1/sync/runs/${held.id}/diff?kind=nope`).set(admin);
    expect(runBad.status).toBe(400);
    expect(JSON.stringify(runBad.body)).toContain('kind must be one of');

    expect((await request(bridge.url).get('/api/v1/sync/runs/999999/diff').set(admin)).status).toBe(404);
    expect((await request(bridge.url).get('/api/v1/snapshots/999999/diff').set(admin)).status).toBe(404);
    expect((await request(bridge.url).get(`/api/v1/snapshots/${held.snapshotId}/diff?against=999999`).set(admin)).status).toBe(404);
    const dry = (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({ dryRun: true }).expect(200)).body;
    const noSnapshot = await request(bridge.url).get(`/api/v1/sync/runs/${dry.id}/diff`).set(admin);
    expect(noSnapshot.status).toBe(409);
    expect(noSnapshot.body.error.message).toMatch(/wrote no snapshot/);
    expect((await request(bridge.url).get(`/api/v1/sync/runs/${held.id}/diff`)).status).toBe(401);
  });
});
