import { describe, expect, it } from 'vitest';
import { AuditKeyring } from './audit-keys.js';
import type { ChainHead, PreparedAuditEvent, StoredAuditEvent } from './audit.types.js';
import { GENESIS_HASH, hashEvent, makeCheckpoint, type Checkpoint } from './chain.js';
import { ChainVerifier } from './chain-verifier.js';

const key = { id: 'k1', secret: Buffer.from('s'.repeat(32)) };
const keys = new AuditKeyring(key);

function event(i: number): PreparedAuditEvent {
  return {
    occurredAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
    actorKind: 'system',
    actorId: null,
    action: 'test.event',
    targetType: null,
    targetId: String(i),
    outcome: 'success',
    requestId: null,
    sourceIp: null,
    details: '{}',
  };
}

/** A chain of `n` events, the first `unkeyed` of them audit-v1, and its head. */
function trail(n: number, unkeyed = 0): { rows: StoredAuditEvent[]; head: ChainHead } {
  const rows: StoredAuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const k = seq > unkeyed ? key : null;
    const hash = hashEvent(seq, event(seq), prev, k);
    rows.push({ ...event(seq), seq, prevHash: prev, hash, keyId: k?.id ?? null });
    prev = hash;
  }
  return { rows, head: { lastSeq: n, lastHash: prev, lastKeyId: n > unkeyed ? 'k1' : null, anchorSeq: 0, anchorHash: GENESIS_HASH } };
}

function verify(rows: StoredAuditEvent[], head: ChainHead, options: { maxBroken?: number; checkpoints?: Checkpoint[] } = {}) {
  const verifier = new ChainVerifier({
    head,
    fromSeq: 1,
    toSeq: head.lastSeq,
    maxBroken: options.maxBroken ?? 100,
    keys,
    checkpoints: options.checkpoints ?? [],
    unreadable: [],
    authenticate: () => ({ ok: true, signed: true }),
  });
  for (const row of rows) verifier.event(row);
  return verifier.finish();
}

describe('ChainVerifier', () => {
  it('accepts an intact chain of audit-v1 then audit-v2 events', () => {
    const { rows, head } = trail(10, 4);
    expect(verify(rows, head)).toMatchObject({ ok: true, checked: 10, broken: [], firstBroken: null, keyId: 'k1' });
  });

  it('merges consecutive events broken for one reason, keeps others apart, and goes on after each', () => {
    const { rows, head } = trail(20);
    for (const i of [3, 4, 10]) rows[i - 1] = { ...rows[i - 1], outcome: 'failure' };
    const kept = rows.filter((r) => r.seq < 14 || r.seq > 16);
    const report = verify(kept, head);
    expect(report.broken.map((b) => [b.fromSeq, b.toSeq, b.reason])).toEqual([
      [3, 4, 'hash-mismatch'],
      [10, 10, 'hash-mismatch'],
      [14, 16, 'missing'],
    ]);
    expect(report.broken[0].message).toBe('Events 3 to 4 were altered: the content does not match the hash sealed with it.');
    expect(report.firstBroken).toMatchObject({ seq: 3, reason: 'hash-mismatch' });
    expect(report.checked).toBe(17);
  });

  it('bounds the list and says so', () => {
    const { rows, head } = trail(20);
    for (const i of [2, 4, 6, 8]) rows[i - 1] = { ...rows[i - 1], outcome: 'failure' };
    const report = verify(rows, head, { maxBroken: 3 });
    expect(report.broken.map((b) => b.fromSeq)).toEqual([2, 4, 6]);
    expect(report).toMatchObject({ ok: false, truncated: true });
  });

  it('reports unkeyed events after keyed ones, and a trail shorter than a checkpoint saw', () => {
    const { rows, head } = trail(8);
    const checkpoint = makeCheckpoint(head, new Date(), key);
    const short = rows.slice(0, 5);
    const cut = { ...head, lastSeq: 5, lastHash: short[4].hash };
    expect(verify(short, cut, { checkpoints: [checkpoint] }).broken).toEqual([
      { fromSeq: 6, toSeq: 8, reason: 'checkpoint-ahead', message: expect.stringContaining('up to event 8') },
    ]);
    let prev = rows[2].hash;
    const downgraded = rows.map((r) => {
      if (r.seq < 4) return r;
      const hash = hashEvent(r.seq, r, prev);
      const out = { ...r, prevHash: prev, hash, keyId: null };
      prev = hash;
      return out;
    });
    expect(verify(downgraded, { ...head, lastHash: prev, lastKeyId: null }).broken.map((b) => [b.fromSeq, b.toSeq, b.reason])).toEqual([
      [4, 8, 'unkeyed-after-keyed'],
    ]);
  });
});
