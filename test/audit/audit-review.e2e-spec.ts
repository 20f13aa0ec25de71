import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DataSource } from 'typeorm';
import { AUDIT_EVENT_COLUMNS, AuditCheckpoints, AuditReader, AuditService, type AuditEventInput } from '#app/audit';
import { Clock, type ActorKind } from '#app/common';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { admin, openDb, rawEvents, startWith } from './helpers.js';

interface EventJson {
  seq: number;
  time: string;
  actor: { kind: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  outcome: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const MINUTE = 60_000;
const KINDS: ActorKind[] = ['client', 'admin', 'omflow'];
const ACTIONS = ['sync.published', 'sync.held', 'auth.login.failed', 'directory.employee.updated', 'syncx.other'];
const OUTCOMES = ['success', 'failure', 'denied'] as const;

/** 60 events with known fields, stamped 2026-01-01 00:00 + i minutes. */
const fixture = Array.from({ length: 60 }, (_, i) => ({
  i,
  time: T0 + i * MINUTE,
  input: {
    action: ACTIONS[i % 5],
    outcome: OUTCOMES[(i % 7) % 3],
    actor: { kind: KINDS[i % 3], id: `actor-${i % 4}` },
    target: { type: i % 2 ? 'employee' : 'snapshot', id: `t-${i % 6}` },
    details: { i, note: i % 10 === 0 ? 'Found the Needle_in HAY' : 'plain 100% text' },
  } satisfies AuditEventInput,
}));
type Fixture = (typeof fixture)[number];
/** Every query is limited to January 2026, where only the fixture lives. */
const BASE = { to: '2026-02-01T00:00:00Z' };

describe.each(testDatabases())('audit review API on $kind', (db) => {
  let bridge: RunningBridge;
  let ds: DataSource;
  let seqOf: Map<number, number>;

  beforeAll(async () => {
    bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    ds = await openDb(bridge.config);
    const audit = bridge.app.get(AuditService);
    const clock = vi.spyOn(bridge.app.get(Clock), 'now');
    for (const f of fixture) {
      clock.mockReturnValue(f.time);
      await audit.record(f.input);
    }
    clock.mockRestore();
    const rows = await rawEvents(ds, "occurred_at < '2026-02-01'");
    seqOf = new Map(rows.map((r) => [JSON.parse(r.details).i as number, r.seq]));
    expect(seqOf.size).toBe(60);
  });
  afterAll(async () => {
    await bridge?.close();
    await ds?.destroy();
    await db.dropAll();
  });

  const get = (path: string, query: Record<string, string | number> = {}) => request(bridge.url).get(path).query(query).set(admin());

  /** Pages through the list with a small page size and returns the sequences in order. */
  async function pageAll(query: Record<string, string>, order: 'newest' | 'oldest', limit = 7): Promise<number[]> {
    const seqs: number[] = [];
    let cursor: number | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const res = await get('/api/v1/audit/events', { ...query, order, limit, ...(cursor === null ? {} : { cursor }) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      seqs.push(...res.body.items.map((e: EventJson) => e.seq));
      cursor = res.body.nextCursor;
      if (cursor === null) return seqs;
    }
    throw new Error('pagination did not end');
  }

  const cases: [string, Record<string, string>, (f: Fixture) => boolean][] = [
    ['no filter', {}, () => true],
    ['actor kind', { actorKind: 'admin' }, (f) => f.input.actor.kind === 'admin'],
    ['actor id', { actorId: 'actor-1' }, (f) => f.input.actor.id === 'actor-1'],
    ['exact action', { action: 'sync.published' }, (f) => f.input.action === 'sync.published'],
    ['action prefix', { action: 'sync.*' }, (f) => f.input.action.startsWith('sync.')],
    ['target', { targetType: 'employee', targetId: 't-1' }, (f) => f.input.target.type === 'employee' && f.input.target.id === 't-1'],
    ['outcome', { outcome: 'denied' }, (f) => f.input.outcome === 'denied'],
    ['free text, case-insensitive', { q: 'needle_IN' }, (f) => f.input.details.note.includes('Needle')],
    ['free text with LIKE wildcards taken literally', { q: '100%' }, (f) => f.input.details.note.includes('100%')],
    ['time range', { from: '2026-01-01T00:10:00Z', to: '2026-01-01T00:20:00Z' }, (f) => f.i >= 10 && f.i < 20],
    [
      'combined',
      { actorKind: 'client', outcome: 'failure', action: 'sync.*' },
      (f) => f.input.actor.kind === 'client' && f.input.outcome === 'failure' && f.input.action.startsWith('sync.'),
    ],
  ];

  it.each(cases)('filters by %s, exactly, in both orders', async (_name, query, predicate) => {
    const expected = fixture.filter(predicate).map((f) => seqOf.get(f.i)!);
    expect(expected.length).toBeGreaterThan(0);
    expect(await pageAll({ ...BASE, ...query }, 'oldest')).toEqual([...expected].sort((a, b) => a - b));
    expect(await pageAll({ ...BASE, ...query }, 'newest')).toEqual([...expected].sort((a, b) => b - a));
  });

  it('returns each event with every field', async () => {
    const f = fixture[13];
    const res = await get(`/api/v1/audit/events/${seqOf.get(13)}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      seq: seqOf.get(13),
      time: new Date(f.time).toISOString(),
      actor: f.input.actor,
      action: f.input.action,
      target: f.input.target,
      outcome: f.input.outcome,
      requestId: null,
      sourceIp: null,
      details: f.input.details,
      prevHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      // Keyed with the key file generated beside the SQLite database; unkeyed on MySQL without AUDIT_HMAC_KEY.
      keyId: db.kind === 'sqlite' ? expect.stringMatching(/^auto-[0-9a-f]{8}$/) : null,
    });
    expect((await get('/api/v1/audit/events/999999')).body.error.code).toBe('RESOURCE.NOT_FOUND');
    expect((await get('/api/v1/audit/events/abc')).body.error.code).toBe('VALIDATION.FAILED');
  });

  it('rejects invalid filters with field messages', async () => {
    const res = await get('/api/v1/audit/events', { action: 'bad action', limit: 0, from: 'yesterday', order: 'random', outcome: 'maybe' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['action', 'from', 'limit', 'order', 'outcome']);
  });

  it('keeps pages exact while events are being written', async () => {
    const audit = bridge.app.get(AuditService);
    const write = (n: number, from: number) =>
      Promise.all(Array.from({ length: n }, (_, k) => audit.record({ action: 'paging.item', outcome: 'success', details: { k: from + k } })));
    await write(25, 0);
    const original = (await rawEvents(ds, 'action = ?', ['paging.item'])).map((r) => r.seq);

    // Newest first: events written between pages are newer than the cursor and never appear or shift the pages.
    const newest: number[] = [];
    let cursor: number | null = null;
    do {
      const res = await get('/api/v1/audit/events', { action: 'paging.item', order: 'newest', limit: 10, ...(cursor === null ? {} : { cursor }) });
      newest.push(...res.body.items.map((e: EventJson) => e.seq));
      cursor = res.body.nextCursor;
      await write(3, 100 + newest.length);
    } while (cursor !== null);
    expect(newest).toEqual([...original].reverse());

    // Oldest first: new events show up at the end, once each.
    const oldest: number[] = [];
    cursor = null;
    let rounds = 0;
    do {
      const res = await get('/api/v1/audit/events', { action: 'paging.item', order: 'oldest', limit: 10, ...(cursor === null ? {} : { cursor }) });
      oldest.push(...res.body.items.map((e: EventJson) => e.seq));
      cursor = res.body.nextCursor;
      if (rounds++ < 2) await write(3, 200 + rounds * 10);
    } while (cursor !== null);
    const all = (await rawEvents(ds, 'action = ?', ['paging.item'])).map((r) => r.seq);
    expect(oldest).toEqual(all);
    expect(new Set(oldest).size).toBe(oldest.length);
  });

  it('exports NDJSON and CSV with the filter applied, and audits the export', async () => {
    const ndjson = await get('/api/v1/audit/export', { ...BASE, action: 'sync.*' });
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(ndjson.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.ndjson"/);
    const lines = ndjson.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as EventJson);
    const expected = fixture.filter((f) => f.input.action.startsWith('sync.')).map((f) => seqOf.get(f.i));
    expect(lines.map((e) => e.seq)).toEqual(expected);
    const listed = await get('/api/v1/audit/events', { ...BASE, action: 'sync.*', order: 'oldest', limit: 500 });
    expect(lines).toEqual(listed.body.items);

    const csv = await get('/api/v1/audit/export', { ...BASE, q: 'needle', format: 'csv' });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.text.split('\r\n').filter(Boolean);
    expect(rows[0]).toBe('seq,time,actor_kind,actor_id,action,target_type,target_id,outcome,request_id,source_ip,details,prev_hash,hash,key_id');
    expect(rows).toHaveLength(1 + 6);
    expect(rows[1]).toContain(
      `${seqOf.get(0)},2026-01-01T00:00:00.000Z,client,actor-0,sync.published,snapshot,t-0,success,,,"{""i"":0,""note"":""Found the Needle_in HAY""}"`,
    );

    const exported = await get('/api/v1/audit/events', { action: 'audit.exported', limit: 10 });
    expect(exported.body.items[0]).toMatchObject({ actor: { kind: 'admin', id: 'admin' }, details: { format: 'csv', filter: { q: 'needle' } } });
  });

  describe('verify', () => {
    let pick: number;
    beforeAll(() => {
      pick = seqOf.get(31)!;
    });
    const verify = async (query: Record<string, number> = {}): Promise<{ ok: boolean; firstBroken: unknown }> => {
      const res = await get('/api/v1/audit/verify', query);
      return res.body as { ok: boolean; firstBroken: unknown };
    };

    it('passes on an intact trail, whole or in a range', async () => {
      const head = (await rawEvents(ds)).at(-1)!;
      const report = (await get('/api/v1/audit/verify')).body as { checkpoints: { read: number } };
      expect(report.checkpoints.read).toBeGreaterThan(0);
      expect(report).toEqual({
        ok: true,
        fromSeq: 1,
        toSeq: head.seq,
        checked: head.seq,
        anchor: null,
        head: { seq: head.seq, hash: head.hash },
        keyId: head.key_id,
        firstBroken: null,
        broken: [],
        truncated: false,
        // The checkpoints published beside the database since start-up, each compared with the trail.
        checkpoints: { read: report.checkpoints.read, checked: report.checkpoints.read },
      });
      expect(await verify({ fromSeq: 5, toSeq: 20 })).toMatchObject({ ok: true, fromSeq: 5, toSeq: 20, checked: 16 });
    });

    it('finds a row changed in the database and names its sequence', async () => {
      const [row] = await rawEvents(ds, 'seq = ?', [pick]);
      await ds.query('UPDATE audit_event SET details = ? WHERE seq = ?', [row.details.replace('plain', 'PLAIN'), pick]);
      try {
        expect((await verify()).firstBroken).toMatchObject({ seq: pick, reason: 'hash-mismatch' });
        expect(await verify({ fromSeq: pick + 1 })).toMatchObject({ ok: true });
        expect(await verify({ toSeq: pick - 1 })).toMatchObject({ ok: true });
      } finally {
        await ds.query('UPDATE audit_event SET details = ? WHERE seq = ?', [row.details, pick]);
      }
      await ds.query('UPDATE audit_event SET actor_id = ? WHERE seq = ?', ['someone-else', pick]);
      try {
        expect((await verify()).firstBroken).toMatchObject({ seq: pick, reason: 'hash-mismatch' });
      } finally {
        await ds.query('UPDATE audit_event SET actor_id = ? WHERE seq = ?', [row.actor_id, pick]);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('finds a deleted row', async () => {
      const [row] = await ds.query('SELECT * FROM audit_event WHERE seq = ?', [pick]);
      await ds.query('DELETE FROM audit_event WHERE seq = ?', [pick]);
      try {
        expect((await verify()).firstBroken).toMatchObject({ seq: pick, reason: 'missing' });
      } finally {
        const cols = Object.keys(row);
        await ds.query(
          `INSERT INTO audit_event (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          cols.map((c): unknown => row[c]),
        );
      }
      expect((await verify()).ok).toBe(true);
    });

    it('finds two rows swapped', async () => {
      // Every column but the sequence and the sealing key: the rows change places whole.
      const cols = Object.values(AUDIT_EVENT_COLUMNS)
        .map((c) => c.name)
        .filter((c) => c !== 'seq' && c !== 'key_id');
      const read = async (seq: number): Promise<Record<string, unknown>> =>
        (await ds.query<Record<string, unknown>[]>(`SELECT ${cols.join(', ')} FROM audit_event WHERE seq = ?`, [seq]))[0];
      const write = (seq: number, row: Record<string, unknown>) =>
        ds.query(`UPDATE audit_event SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE seq = ?`, [...cols.map((c) => row[c]), seq]);
      const a = await read(pick);
      const b = await read(pick + 1);
      await write(pick, b);
      await write(pick + 1, a);
      try {
        expect((await verify()).firstBroken).toMatchObject({ seq: pick, reason: 'prev-hash-mismatch' });
      } finally {
        await write(pick, a);
        await write(pick + 1, b);
      }
      expect((await verify()).ok).toBe(true);
    });

    it('finds events removed from the end', async () => {
      const last = (await rawEvents(ds)).at(-1)!;
      const [row] = await ds.query('SELECT * FROM audit_event WHERE seq = ?', [last.seq]);
      await ds.query('DELETE FROM audit_event WHERE seq = ?', [last.seq]);
      try {
        expect((await verify()).firstBroken).toMatchObject({ seq: last.seq, reason: 'missing' });
      } finally {
        const cols = Object.keys(row);
        await ds.query(
          `INSERT INTO audit_event (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          cols.map((c): unknown => row[c]),
        );
      }
      expect((await verify()).ok).toBe(true);
    });

    it('reports every broken range, not only the first, bounded in count', async () => {
      const seqs = [pick, pick + 1, pick + 10, pick + 20, pick + 21, pick + 22];
      const saved = await ds.query<Record<string, unknown>[]>(`SELECT * FROM audit_event WHERE seq IN (${seqs.join(', ')}) ORDER BY seq`);
      // Two neighbours and a third event altered; three events in a row deleted.
      for (const seq of [pick, pick + 1, pick + 10]) await ds.query("UPDATE audit_event SET outcome = 'denied' WHERE seq = ?", [seq]);
      await ds.query('DELETE FROM audit_event WHERE seq >= ? AND seq <= ?', [pick + 20, pick + 22]);
      try {
        const report = (await get('/api/v1/audit/verify')).body;
        expect(report).toMatchObject({ ok: false, truncated: false, firstBroken: { seq: pick, reason: 'hash-mismatch' } });
        expect(report.broken).toEqual([
          { fromSeq: pick, toSeq: pick + 1, reason: 'hash-mismatch', message: expect.any(String) },
          { fromSeq: pick + 10, toSeq: pick + 10, reason: 'hash-mismatch', message: expect.any(String) },
          { fromSeq: pick + 20, toSeq: pick + 22, reason: 'missing', message: expect.any(String) },
        ]);
        // Every event still present is checked, the altered ones included.
        expect(report.checked).toBe(report.toSeq - report.fromSeq + 1 - 3);

        const bounded = (await get('/api/v1/audit/verify', { maxBroken: 2 })).body;
        expect(bounded).toMatchObject({ ok: false, truncated: true });
        expect(bounded.broken.map((b: { fromSeq: number }) => b.fromSeq)).toEqual([pick, pick + 10]);
        expect((await get('/api/v1/audit/verify', { maxBroken: 0 })).status).toBe(400);
      } finally {
        await ds.query(`DELETE FROM audit_event WHERE seq IN (${seqs.join(', ')})`);
        for (const row of saved) {
          const cols = Object.keys(row);
          await ds.query(
            `INSERT INTO audit_event (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
            cols.map((c): unknown => row[c]),
          );
        }
      }
      expect((await verify()).ok).toBe(true);
    });
  });
});

describe.each(testDatabases())('audit export of a large range ($kind)', (db) => {
  let bridge: RunningBridge;
  const COUNT = 8000;
  const PAGE = 100;

  beforeAll(async () => {
    bridge = await startBridge(testConfig(await db.create(), { audit: { exportPageSize: PAGE } }, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    const audit = bridge.app.get(AuditService);
    const filler = 'x'.repeat(2000);
    for (let start = 0; start < COUNT; start += 1000) {
      await Promise.all(Array.from({ length: 1000 }, (_, k) => audit.record({ action: 'bulk.item', outcome: 'success', details: { n: start + k, filler } })));
    }
  }, 120_000);
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('streams page by page, reading the next page only as the client takes the data', async () => {
    const page = vi.spyOn(bridge.app.get(AuditReader), 'page');
    const url = new URL('/api/v1/audit/export?action=bulk.item', bridge.url);
    let pagesWhilePaused = 0;
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(url, { headers: admin() }, (res) => {
        const chunks: Buffer[] = [];
        res.once('data', (first: Buffer) => {
          chunks.push(first);
          res.pause();
          // The client reads nothing for a while: the server must stop reading the database.
          setTimeout(() => {
            pagesWhilePaused = page.mock.calls.length;
            res.on('data', (c: Buffer) => chunks.push(c));
            res.resume();
          }, 500);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const totalPages = COUNT / PAGE;
    // ~19 MB in all: while paused only what fits in the socket buffers has been read.
    expect(pagesWhilePaused).toBeGreaterThan(0);
    expect(pagesWhilePaused).toBeLessThan(totalPages / 2);
    expect(page.mock.calls.length).toBeGreaterThanOrEqual(totalPages);
    for (const call of page.mock.calls) expect(call[1].limit).toBe(PAGE);
    const lines = body.trimEnd().split('\n');
    expect(lines).toHaveLength(COUNT);
    expect(lines.map((l) => (JSON.parse(l) as { details: { n: number } }).details.n)).toEqual(Array.from({ length: COUNT }, (_, i) => i).sort((a, b) => a - b));
    page.mockRestore();
  }, 60_000);
});

describe.each(testDatabases())('audit retention ($kind)', (db) => {
  let bridge: RunningBridge;
  let archiveDir: string;
  const DAY = 86_400_000;

  beforeAll(async () => {
    archiveDir = mkdtempSync(join(tmpdir(), 'audit-archive-'));
    // The clock is set 40 days back before the application starts, so its own start-up events are old too.
    const realNow = Date.now();
    let clock!: ReturnType<typeof vi.spyOn>;
    bridge = await startWith(testConfig(await db.create(), { audit: { archiveDir } }, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }), (app) => {
      clock = vi.spyOn(app.get(Clock), 'now').mockImplementation(() => realNow - 40 * DAY + (Date.now() - realNow));
    });
    const audit = bridge.app.get(AuditService);
    for (let i = 0; i < 20; i++) await audit.record({ action: 'old.item', outcome: 'success', details: { i } });
    clock.mockRestore();
    for (let i = 0; i < 10; i++) await audit.record({ action: 'new.item', outcome: 'success', details: { i } });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
    rmSync(archiveDir, { recursive: true, force: true });
  });

  it('archives the old events to a file, removes them, and the rest still verifies from the anchor', async () => {
    const ds = await openDb(bridge.config);
    try {
      const before = await rawEvents(ds);
      const old = before.filter((r) => r.action !== 'new.item');
      const lastOld = old.at(-1)!;
      expect(old.map((r) => r.seq)).toEqual(old.map((_, i) => i + 1));

      const res = await request(bridge.url).post('/api/v1/audit/retention/run').set(admin()).send({ olderThanDays: 30 });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        archived: old.length,
        fromSeq: 1,
        toSeq: lastOld.seq,
        file: expect.stringMatching(/\.ndjson$/),
        anchor: { seq: lastOld.seq, hash: lastOld.hash },
      });

      // The archive holds exactly the removed events, chained from the genesis hash.
      expect(readdirSync(archiveDir)).toEqual([res.body.file]);
      const archived = readFileSync(join(archiveDir, res.body.file), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as EventJson);
      expect(archived.map((e) => [e.seq, e.hash])).toEqual(old.map((r) => [r.seq, r.hash]));
      expect(archived[0].prevHash).toBe('0'.repeat(64));
      for (let i = 1; i < archived.length; i++) expect(archived[i].prevHash).toBe(archived[i - 1].hash);

      const after = await rawEvents(ds);
      expect(after.every((r) => r.seq > lastOld.seq)).toBe(true);
      expect(after.filter((r) => r.action === 'new.item')).toHaveLength(10);
      const [note] = after.filter((r) => r.action === 'audit.retention.archived');
      expect(JSON.parse(note.details)).toMatchObject({ fromSeq: 1, toSeq: lastOld.seq, removed: old.length, anchorHash: lastOld.hash });

      const verify = await request(bridge.url).get('/api/v1/audit/verify').set(admin());
      expect(verify.body).toMatchObject({ ok: true, fromSeq: lastOld.seq + 1, checked: after.length, anchor: { seq: lastOld.seq, hash: lastOld.hash } });
      // The anchor moved with the event naming it, in one transaction, and a checkpoint of the new anchor was published.
      expect(note.seq).toBe(after.at(-1)!.seq);
      const checkpoints = bridge.app.get(AuditCheckpoints);
      await checkpoints.settled();
      const published = readFileSync(checkpoints.file!, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number; anchorSeq: number; anchorHash: string });
      expect(published.at(-1)).toMatchObject({ seq: note.seq, anchorSeq: lastOld.seq, anchorHash: lastOld.hash });

      // Moving the anchor further by hand (deleting the next events too) is not retention: no event names that anchor.
      const next = after.slice(0, 3);
      const saved = await ds.query<Record<string, unknown>[]>('SELECT * FROM audit_event WHERE seq <= ? ORDER BY seq', [next[2].seq]);
      await ds.query('DELETE FROM audit_event WHERE seq <= ?', [next[2].seq]);
      await ds.query('UPDATE audit_chain_head SET anchor_seq = ?, anchor_hash = ? WHERE id = 1', [next[2].seq, next[2].hash]);
      try {
        const moved = (await request(bridge.url).get('/api/v1/audit/verify').set(admin())).body;
        expect(moved.broken).toEqual([{ fromSeq: 1, toSeq: next[2].seq, reason: 'anchor-unvouched', message: expect.any(String) }]);
      } finally {
        for (const row of saved) {
          const cols = Object.keys(row);
          await ds.query(
            `INSERT INTO audit_event (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
            cols.map((c): unknown => row[c]),
          );
        }
        await ds.query('UPDATE audit_chain_head SET anchor_seq = ?, anchor_hash = ? WHERE id = 1', [lastOld.seq, lastOld.hash]);
      }
      expect((await request(bridge.url).get('/api/v1/audit/verify').set(admin())).body).toMatchObject({ ok: true });

      // Nothing is old enough any more.
      const again = await request(bridge.url).post('/api/v1/audit/retention/run').set(admin()).send({ olderThanDays: 30 });
      expect(again.body).toMatchObject({ archived: 0, file: null, anchor: { seq: lastOld.seq } });

      // Removing the first kept event directly is still detected after the anchor.
      const [first] = await ds.query('SELECT * FROM audit_event WHERE seq = ?', [lastOld.seq + 1]);
      await ds.query('DELETE FROM audit_event WHERE seq = ?', [lastOld.seq + 1]);
      expect((await request(bridge.url).get('/api/v1/audit/verify').set(admin())).body.firstBroken).toMatchObject({ seq: lastOld.seq + 1, reason: 'missing' });
      const cols = Object.keys(first);
      await ds.query(
        `INSERT INTO audit_event (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
        cols.map((c): unknown => first[c]),
      );
    } finally {
      await ds.destroy();
    }
  });

  it('refuses to run without an age', async () => {
    const res = await request(bridge.url).post('/api/v1/audit/retention/run').set(admin()).send({});
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST.INVALID');
  });
});
