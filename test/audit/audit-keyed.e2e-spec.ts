import { createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { DataSource } from 'typeorm';
import { AuditCheckpoints, AuditService } from '#app/audit';
import { buildDataSourceOptions, type DatabaseConfig } from '#app/database';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { admin, appendV1Events, openDb, rawEvents, v1Hash, type RawEvent } from './helpers.js';

const SECRET_1 = 'first-audit-key-0123456789abcdef0123456789';
const SECRET_2 = 'second-audit-key-0123456789abcdef012345678';
const K1 = `k1:${SECRET_1}`;
const K2 = `k2:${SECRET_2}`;
const GENESIS = '0'.repeat(64);

interface Broken {
  fromSeq: number;
  toSeq: number;
  reason: string;
  message: string;
}
interface Report {
  ok: boolean;
  checked: number;
  broken: Broken[];
  firstBroken: { seq: number; reason: string } | null;
  keyId: string | null;
  checkpoints: { read: number; checked: number };
  [k: string]: unknown;
}
interface Checkpoint {
  seq: number;
  hash: string;
  anchorSeq: number;
  anchorHash: string;
  at: string;
  keyId: string | null;
  mac: string | null;
}

describe.each(testDatabases())('keyed audit chain ($kind)', (db) => {
  let bridge: RunningBridge | undefined;
  let ds: DataSource | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await bridge?.close();
    await ds?.destroy();
    bridge = undefined;
    ds = undefined;
  });
  afterAll(async () => {
    await db.dropAll();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (database: DatabaseConfig, env: NodeJS.ProcessEnv = {}): Promise<RunningBridge> => {
    bridge = await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, AUDIT_HMAC_KEY: K1, ...env }));
    return bridge;
  };
  const stop = async () => {
    await bridge?.close();
    bridge = undefined;
  };
  const verify = async (body?: object): Promise<Report> => {
    const res = body
      ? await request(bridge!.url).post('/api/v1/audit/verify').set(admin()).send(body)
      : await request(bridge!.url).get('/api/v1/audit/verify').set(admin());
    expect(res.status).toBe(200);
    return res.body as Report;
  };
  const record = async (n: number, action = 'test.keyed') => {
    const audit = bridge!.app.get(AuditService);
    for (let i = 0; i < n; i++) await audit.record({ action, outcome: 'success', target: { type: 'n', id: String(i) } });
  };
  const checkpointFile = () => bridge!.app.get(AuditCheckpoints).file!;
  /** The checkpoint file's checkpoints, once the bridge has written every one it published. */
  const checkpoints = async (): Promise<Checkpoint[]> => {
    await bridge!.app.get(AuditCheckpoints).settled();
    return readFileSync(checkpointFile(), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Checkpoint);
  };

  /** Every row and the head, to put back after a tamper. */
  async function snapshot(): Promise<() => Promise<void>> {
    const rows = await ds!.query<Record<string, unknown>[]>('SELECT * FROM audit_event ORDER BY seq');
    const [head] = await ds!.query<Record<string, unknown>[]>('SELECT * FROM audit_chain_head WHERE id = 1');
    return async () => {
      await ds!.query('DELETE FROM audit_event');
      for (const row of rows) {
        const cols = Object.keys(row);
        await ds!.query(
          `INSERT INTO audit_event (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
          cols.map((c) => row[c]),
        );
      }
      const cols = Object.keys(head).filter((c) => c !== 'id');
      await ds!.query(
        `UPDATE audit_chain_head SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE id = 1`,
        cols.map((c) => head[c]),
      );
    };
  }
  const setHead = (values: Record<string, unknown>) =>
    ds!.query(
      `UPDATE audit_chain_head SET ${Object.keys(values)
        .map((c) => `${c} = ?`)
        .join(', ')} WHERE id = 1`,
      Object.values(values),
    );

  it('keeps verifying audit-v1 events written before the key, records the transition, and seals every new event', async () => {
    const database = await db.create();
    const legacy = new DataSource(buildDataSourceOptions(database));
    await legacy.initialize();
    await legacy.runMigrations();
    await appendV1Events(legacy, ['legacy.one', 'legacy.two', 'legacy.three']);
    await legacy.destroy();

    await start(database);
    ds = await openDb(bridge!.config);
    const rows = await rawEvents(ds);
    expect(rows.slice(0, 3).map((r) => r.key_id)).toEqual([null, null, null]);
    expect(rows[3]).toMatchObject({ seq: 4, action: 'audit.chain.keyed', actor_kind: 'system', key_id: 'k1', prev_hash: rows[2].hash });
    expect(JSON.parse(rows[3].details)).toEqual({ format: 'audit-v2', keyId: 'k1', previousFormat: 'audit-v1', previousKeyId: null });
    expect(rows.length).toBeGreaterThan(4);
    expect(rows.slice(3).every((r) => r.key_id === 'k1')).toBe(true);
    // Sealed with the key: the unkeyed hash of a new event is not its hash.
    expect(v1Hash(rows[4], rows[4].prev_hash)).not.toBe(rows[4].hash);
    expect(await verify()).toMatchObject({ ok: true, checked: rows.length, broken: [], firstBroken: null, keyId: 'k1' });
    const listed = await request(bridge!.url).get('/api/v1/audit/events').query({ order: 'oldest', limit: 5 }).set(admin());
    expect(listed.body.items.map((e: { keyId: string | null }) => e.keyId)).toEqual([null, null, null, 'k1', 'k1']);

    // The legacy events are protected by the keyed ones after them: rewriting one and
    // recomputing the unkeyed hashes up to the key leaves the first keyed event unlinked.
    const restore = await snapshot();
    const edited: RawEvent = { ...rows[1], outcome: 'failure' };
    edited.hash = v1Hash(edited, edited.prev_hash);
    const next: RawEvent = { ...rows[2], prev_hash: edited.hash };
    next.hash = v1Hash(next, next.prev_hash);
    for (const r of [edited, next])
      await ds.query('UPDATE audit_event SET outcome = ?, prev_hash = ?, hash = ? WHERE seq = ?', [r.outcome, r.prev_hash, r.hash, r.seq]);
    try {
      const report = await verify();
      expect(report.ok).toBe(false);
      expect(report.broken).toEqual([{ fromSeq: 4, toSeq: 4, reason: 'prev-hash-mismatch', message: expect.any(String) }]);
    } finally {
      await restore();
    }
    expect((await verify()).ok).toBe(true);
  });

  it('rotates keys: events say which key sealed them, retired keys keep verifying, a key file holds several', async () => {
    const database = await db.create();
    await start(database);
    await record(3);
    await stop();

    await start(database, { AUDIT_HMAC_KEY: K2, AUDIT_HMAC_KEYS_RETIRED: K1 });
    ds = await openDb(bridge!.config);
    await record(3);
    const rows = await rawEvents(ds);
    const rotated = rows.find((r) => r.action === 'audit.chain.key-rotated')!;
    expect(rotated).toMatchObject({ key_id: 'k2' });
    expect(JSON.parse(rotated.details)).toEqual({ format: 'audit-v2', keyId: 'k2', previousFormat: 'audit-v2', previousKeyId: 'k1' });
    expect(rows.filter((r) => r.seq < rotated.seq).every((r) => r.key_id === 'k1')).toBe(true);
    expect(rows.filter((r) => r.seq >= rotated.seq).every((r) => r.key_id === 'k2')).toBe(true);
    expect(await verify()).toMatchObject({ ok: true, checked: rows.length, keyId: 'k2' });
    await stop();

    // The same keys from a file: one `id:secret` per line, the last one seals new events.
    const dir = mkdtempSync(join(tmpdir(), 'audit-keys-'));
    dirs.push(dir);
    const keyFile = join(dir, 'audit.keys');
    writeFileSync(keyFile, `# audit keys, oldest first\n${K1}\n\n${K2}\n`, { mode: 0o600 });
    await start(database, { AUDIT_HMAC_KEY: '', AUDIT_HMAC_KEY_FILE: keyFile });
    expect(await verify()).toMatchObject({ ok: true, keyId: 'k2' });
    expect((await rawEvents(ds, 'action = ?', ['audit.chain.key-rotated'])).length).toBe(1);
    await stop();

    // Without the retired key, the events it sealed cannot be checked, and verify says which.
    await start(database, { AUDIT_HMAC_KEY: K2 });
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.broken).toEqual([{ fromSeq: 1, toSeq: rotated.seq - 1, reason: 'unknown-key', message: expect.stringContaining('k1') }]);
  });

  it('during a rolling rotation, instances with different current keys record a key change at most once each, not at every batch', async () => {
    const database = await db.create();
    await start(database);
    await record(1);
    const old = bridge!;
    // The new instance seals with k2 and still knows k1; the old one knows only k1.
    const next = await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, AUDIT_HMAC_KEY: K2, AUDIT_HMAC_KEYS_RETIRED: K1 }));
    try {
      for (let i = 0; i < 5; i++) {
        await next.app.get(AuditService).record({ action: 'test.new', outcome: 'success' });
        await old.app.get(AuditService).record({ action: 'test.old', outcome: 'success' });
      }
      ds = await openDb(old.config);
      const changes = (await rawEvents(ds)).filter((r) => r.action.startsWith('audit.chain.'));
      // The old instance already recorded its key (the first one): it does not record switching back at each of its batches.
      expect(changes.map((r) => [r.action, r.key_id])).toEqual([
        ['audit.chain.keyed', 'k1'],
        ['audit.chain.key-rotated', 'k2'],
      ]);
      expect((await rawEvents(ds, 'action = ?', ['test.old'])).map((r) => r.key_id)).toEqual(Array(5).fill('k1'));
      const report = (await request(next.url).get('/api/v1/audit/verify').set(admin())).body as Report;
      expect(report).toMatchObject({ ok: true, keyId: 'k2' });
    } finally {
      await next.close();
    }
  });

  describe('the tampers of issue 11, made directly on the database', () => {
    async function keyedTrail(): Promise<void> {
      await start(await db.create(), { AUDIT_CHECKPOINT_EVERY: '5' });
      ds = await openDb(bridge!.config);
      await record(30);
      expect(await verify()).toMatchObject({ ok: true, broken: [] });
      expect((await checkpoints()).length).toBeGreaterThanOrEqual(6);
    }

    it('deleting the tail and moving the head back: caught by the checkpoints (file or request body)', async () => {
      await keyedTrail();
      const rows = await rawEvents(ds!);
      const keep = rows.length - 8;
      const published = await checkpoints();
      const lastCheckpoint = published.at(-1)!;
      expect(lastCheckpoint.seq).toBeGreaterThan(keep);
      const restore = await snapshot();
      await ds!.query('DELETE FROM audit_event WHERE seq > ?', [keep]);
      await setHead({ last_seq: keep, last_hash: rows[keep - 1].hash });
      try {
        const report = await verify();
        expect(report.ok).toBe(false);
        expect(report.broken).toContainEqual({ fromSeq: keep + 1, toSeq: lastCheckpoint.seq, reason: 'checkpoint-ahead', message: expect.any(String) });
        expect(report.firstBroken).toMatchObject({ seq: keep + 1, reason: 'checkpoint-ahead' });

        // Nothing in the database tells: without the file the trail looks whole...
        const file = checkpointFile();
        rmSync(file);
        expect(await verify()).toMatchObject({ ok: true, checkpoints: { read: 0, checked: 0 } });
        // ...and checkpoints kept elsewhere (the log, another machine) are given in the request.
        const given = await verify({ checkpoints: published });
        expect(given.ok).toBe(false);
        expect(given.broken).toContainEqual(expect.objectContaining({ fromSeq: keep + 1, toSeq: lastCheckpoint.seq, reason: 'checkpoint-ahead' }));
        writeFileSync(file, published.map((c) => `${JSON.stringify(c)}\n`).join(''));
      } finally {
        await restore();
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('deleting the first rows and setting the retention anchor: no keyed retention record names that anchor', async () => {
      await keyedTrail();
      const rows = await rawEvents(ds!);
      const restore = await snapshot();
      await ds!.query('DELETE FROM audit_event WHERE seq <= 10');
      await setHead({ anchor_seq: 10, anchor_hash: rows[9].hash });
      try {
        const report = await verify();
        expect(report.ok).toBe(false);
        expect(report.broken).toEqual([{ fromSeq: 1, toSeq: 10, reason: 'anchor-unvouched', message: expect.any(String) }]);
      } finally {
        await restore();
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('editing a row and recomputing every later hash without the key', async () => {
      await keyedTrail();
      const rows = await rawEvents(ds!);
      const from = rows.length - 12;
      const restore = await snapshot();
      // As in the issue: SHA-256 recomputed (the attacker has no key, so the events lose theirs)...
      let prev = rows[from - 2].hash;
      for (const row of rows.slice(from - 1)) {
        const forged: RawEvent = { ...row, outcome: row.seq === from ? 'failure' : row.outcome, prev_hash: prev, key_id: null };
        forged.hash = v1Hash(forged, prev);
        await ds!.query('UPDATE audit_event SET outcome = ?, prev_hash = ?, hash = ?, key_id = NULL WHERE seq = ?', [
          forged.outcome,
          prev,
          forged.hash,
          row.seq,
        ]);
        prev = forged.hash;
      }
      await setHead({ last_hash: prev, last_key_id: null });
      try {
        const report = await verify();
        expect(report.ok).toBe(false);
        expect(report.broken[0]).toEqual({ fromSeq: from, toSeq: rows.length, reason: 'unkeyed-after-keyed', message: expect.any(String) });
        expect(report.broken.filter((b) => b.reason === 'checkpoint-mismatch').length).toBeGreaterThan(0);
      } finally {
        await restore();
      }
      // ...or HMACs under a guessed key, keeping the key id.
      prev = rows[from - 2].hash;
      for (const row of rows.slice(from - 1)) {
        const hash = createHmac('sha256', 'a-guessed-key').update(`${row.seq}${prev}`).digest('hex');
        await ds!.query('UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?', [prev, hash, row.seq]);
        prev = hash;
      }
      await setHead({ last_hash: prev });
      try {
        const report = await verify();
        expect(report.broken[0]).toEqual({ fromSeq: from, toSeq: rows.length, reason: 'hash-mismatch', message: expect.any(String) });
      } finally {
        await restore();
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('wiping every event and resetting the head and the anchor to the genesis', async () => {
      await keyedTrail();
      const lastCheckpoint = (await checkpoints()).at(-1)!;
      const restore = await snapshot();
      await ds!.query('DELETE FROM audit_event');
      await setHead({ last_seq: 0, last_hash: GENESIS, anchor_seq: 0, anchor_hash: GENESIS, last_key_id: null });
      try {
        const report = await verify();
        expect(report).toMatchObject({ ok: false, checked: 0 });
        expect(report.broken).toEqual([{ fromSeq: 1, toSeq: lastCheckpoint.seq, reason: 'checkpoint-ahead', message: expect.any(String) }]);
      } finally {
        await restore();
      }
      expect(await verify()).toMatchObject({ ok: true });
    });
  });

  it('publishes signed checkpoints to the file and the log, every N events and on demand; forged ones are refused', async () => {
    const logged = vi.spyOn(Logger.prototype, 'log');
    try {
      await start(await db.create(), { AUDIT_CHECKPOINT_EVERY: '4' });
      ds = await openDb(bridge!.config);
      await record(12);
      const rows = await rawEvents(ds);
      const published = await checkpoints();
      expect(published.length).toBeGreaterThanOrEqual(3);
      for (const c of published) {
        expect(c).toEqual({
          type: 'audit-checkpoint',
          seq: expect.any(Number),
          hash: rows[c.seq - 1].hash,
          anchorSeq: 0,
          anchorHash: GENESIS,
          at: expect.any(String),
          keyId: 'k1',
          mac: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
      }
      const seqs = published.map((c) => c.seq);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i] - seqs[i - 1]).toBeGreaterThanOrEqual(4);
      const inLog = logged.mock.calls.map((call) => (call[0] as { auditCheckpoint?: Checkpoint }).auditCheckpoint).filter(Boolean);
      expect(inLog).toEqual(expect.arrayContaining(published));
      const report = await verify();
      expect(report).toMatchObject({ ok: true, checkpoints: { read: published.length, checked: published.length } });

      // On demand (the timer's job): the head as it is now.
      await record(1);
      await bridge!.app.get(AuditCheckpoints).publish();
      expect((await checkpoints()).at(-1)!.seq).toBe(rows.length + 1);

      // A line changed by hand, an unreadable line: the file itself was tampered with.
      const file = checkpointFile();
      const original = readFileSync(file, 'utf8');
      appendFileSync(file, `${JSON.stringify({ ...published[0], seq: published[0].seq + 1 })}\nnot a checkpoint\n`);
      const forged = await verify();
      expect(forged.ok).toBe(false);
      expect(forged.broken.map((b) => b.reason)).toEqual(['checkpoint-invalid', 'checkpoint-invalid']);
      writeFileSync(file, original);

      // Checkpoints in the request body are checked the same way, and validated.
      expect(await verify({ checkpoints: [published[1]] })).toMatchObject({ ok: true });
      const wrongMac = await verify({ checkpoints: [{ ...published[1], hash: rows[0].hash }] });
      expect(wrongMac.broken).toEqual([expect.objectContaining({ reason: 'checkpoint-invalid', fromSeq: published[1].seq })]);
      const invalid = await request(bridge!.url)
        .post('/api/v1/audit/verify')
        .set(admin())
        .send({ checkpoints: [{ seq: -1, hash: 'xyz' }] });
      expect(invalid.status).toBe(400);
    } finally {
      logged.mockRestore();
    }
  });

  it('never shows a key in answers, events, checkpoints or logs', async () => {
    const calls: unknown[] = [];
    const spies = (['log', 'warn', 'error', 'debug'] as const).map((m) =>
      vi.spyOn(Logger.prototype, m).mockImplementation((...args: unknown[]) => void calls.push(args)),
    );
    try {
      await start(await db.create(), { AUDIT_HMAC_KEY: K2, AUDIT_HMAC_KEYS_RETIRED: K1 });
      ds = await openDb(bridge!.config);
      await record(3);
      const everything = JSON.stringify([await verify(), await rawEvents(ds), readFileSync(checkpointFile(), 'utf8'), calls]);
      for (const secret of [SECRET_1, SECRET_2]) expect(everything).not.toContain(secret);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  if (db.kind === 'sqlite')
    it('without a configured key on SQLite, generates a key file beside the database and keeps using it', async () => {
      const database = await db.create();
      await start(database, { AUDIT_HMAC_KEY: '' });
      const keyFile = join(dirname(database.sqlitePath), 'audit-hmac.keys');
      expect(existsSync(keyFile)).toBe(true);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const [line] = readFileSync(keyFile, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
      const keyId = line.split(':')[0];
      ds = await openDb(bridge!.config);
      expect((await rawEvents(ds)).every((r) => r.key_id === keyId)).toBe(true);
      await stop();
      await start(database, { AUDIT_HMAC_KEY: '' });
      await record(2);
      expect(await verify()).toMatchObject({ ok: true, keyId });
      expect(readFileSync(keyFile, 'utf8')).toContain(line);
    });

  if (db.kind === 'mysql')
    it('without a configured key on MySQL, warns and writes audit-v1; once keyed, refuses to start unkeyed', async () => {
      const database = await db.create();
      const warned = vi.spyOn(Logger.prototype, 'warn');
      try {
        await start(database, { AUDIT_HMAC_KEY: '' });
        expect(warned.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringContaining('AUDIT_HMAC_KEY'));
      } finally {
        warned.mockRestore();
      }
      ds = await openDb(bridge!.config);
      expect((await rawEvents(ds)).every((r) => r.key_id === null)).toBe(true);
      expect(await verify()).toMatchObject({ ok: true, keyId: null });
      await stop();

      await start(database);
      await record(1);
      expect((await rawEvents(ds)).filter((r) => r.key_id === 'k1').map((r) => r.action)).toEqual(['audit.chain.keyed', 'test.keyed']);
      expect(await verify()).toMatchObject({ ok: true, keyId: 'k1' });
      await stop();
      const outcome = await startBridge(testConfig(database, {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN })).then(
        async (started) => {
          await started.close();
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(/sealed with the key "k1".*AUDIT_HMAC_KEY/);
    });
});
