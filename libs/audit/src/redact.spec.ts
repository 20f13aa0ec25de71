import { describe, expect, it } from 'vitest';
import { csvField } from './audit-export.js';
import type { PreparedAuditEvent } from './audit.types.js';
import { checkpointMac, GENESIS_HASH, hashEvent, makeCheckpoint } from './chain.js';
import { detailsJson, redact } from './redact.js';

describe('redact', () => {
  it('redacts secret-named keys at any depth, in objects, arrays, maps', () => {
    const out = redact({
      user: 'ann',
      Password: 'x',
      deep: [{ a: { b: { refresh_token: 'y', ok: 1 } } }],
      map: new Map([['clientSecret', 'z']]),
      AUTHORIZATION: 'Basic abc',
    });
    expect(out).toEqual({
      AUTHORIZATION: '[redacted]',
      Password: '[redacted]',
      deep: [{ a: { b: { ok: 1, refresh_token: '[redacted]' } } }],
      map: { clientSecret: '[redacted]' },
      user: 'ann',
    });
  });

  it('masks recognisable secrets inside strings', () => {
    expect(redact('sent Authorization: Bearer abcdefgh12345678')).toBe('sent Authorization: Bearer [redacted]');
    expect(redact(`hrb_${'a'.repeat(43)}`)).toBe('hrb_[redacted]');
  });

  it('produces JSON-safe, key-sorted output whatever it is given', () => {
    const circular: Record<string, unknown> = { b: 1, a: 2n, when: new Date('2026-01-02T03:04:05.678Z'), nan: Number.NaN, fn: () => 1, u: undefined };
    circular.self = circular;
    expect(detailsJson(circular)).toBe('{"a":"2","b":1,"nan":null,"self":"[circular]","when":"2026-01-02T03:04:05.678Z"}');
    expect(detailsJson(undefined)).toBe('{}');
    expect(detailsJson({ buf: Buffer.from('abc') })).toBe('{"buf":"[binary 3 bytes]"}');
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep.next = {};
    expect(detailsJson(root)).toContain('[too deep]');
  });

  it('gives the same text for the same content in any key order', () => {
    expect(detailsJson({ a: 1, b: { d: 2, c: 3 } })).toBe(detailsJson({ b: { c: 3, d: 2 }, a: 1 }));
  });

  it('replaces lone surrogates in strings and keys, keeping pairs, NUL and spaces', () => {
    expect(JSON.parse(detailsJson({ name: 'a\ud800b \u{1F600}\u0000 ', ['k\udc00']: ['\udbff'] }))).toEqual({
      name: 'a\uFFFDb \u{1F600}\u0000 ',
      'k\uFFFD': ['\uFFFD'],
    });
  });
});

describe('hashEvent', () => {
  const base: PreparedAuditEvent = {
    occurredAt: new Date('2026-01-01T00:00:00.000Z'),
    actorKind: 'admin',
    actorId: 'admin',
    action: 'access.client.created',
    targetType: 'api_client',
    targetId: 'x',
    outcome: 'success',
    requestId: 'r1',
    sourceIp: '127.0.0.1',
    details: '{}',
  };

  it('changes when any content field, the sequence or the previous hash changes', () => {
    const h = hashEvent(1, base, GENESIS_HASH);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEvent(1, { ...base }, GENESIS_HASH)).toBe(h);
    const variants: Partial<PreparedAuditEvent>[] = [
      { occurredAt: new Date('2026-01-01T00:00:00.001Z') },
      { actorKind: 'client' },
      { actorId: null },
      { action: 'access.client.revoked' },
      { targetType: null },
      { targetId: 'y' },
      { outcome: 'failure' },
      { requestId: null },
      { sourceIp: '::1' },
      { details: '{"a":1}' },
    ];
    for (const v of variants) expect(hashEvent(1, { ...base, ...v }, GENESIS_HASH)).not.toBe(h);
    expect(hashEvent(2, base, GENESIS_HASH)).not.toBe(h);
    expect(hashEvent(1, base, 'f'.repeat(64))).not.toBe(h);
  });

  it('keeps the audit-v1 format exactly: events written before the key verify as they were written', () => {
    // SHA-256 of ["audit-v1",1,"2026-01-01T00:00:00.000Z","admin","admin","access.client.created","api_client","x","success","r1","127.0.0.1","{}","000…0"].
    expect(hashEvent(1, base, GENESIS_HASH)).toBe('c18208e50c4269fa1e463b051f9885937400d38ef49b39e8fb1e52f6bbc701da');
    expect(hashEvent(1, base, GENESIS_HASH, null)).toBe('c18208e50c4269fa1e463b051f9885937400d38ef49b39e8fb1e52f6bbc701da');
  });

  it('seals audit-v2 events with the key: another secret or another key id gives another hash', () => {
    const key = { id: 'k1', secret: Buffer.from('s'.repeat(32)) };
    const h = hashEvent(1, base, GENESIS_HASH, key);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toBe(hashEvent(1, base, GENESIS_HASH));
    expect(hashEvent(1, base, GENESIS_HASH, { ...key })).toBe(h);
    expect(hashEvent(1, base, GENESIS_HASH, { ...key, secret: Buffer.from('t'.repeat(32)) })).not.toBe(h);
    expect(hashEvent(1, base, GENESIS_HASH, { ...key, id: 'k2' })).not.toBe(h);
    expect(hashEvent(1, { ...base, outcome: 'failure' }, GENESIS_HASH, key)).not.toBe(h);
  });
});

describe('checkpoints', () => {
  const key = { id: 'k1', secret: Buffer.from('s'.repeat(32)) };
  const head = { lastSeq: 7, lastHash: 'a'.repeat(64), lastKeyId: 'k1', anchorSeq: 2, anchorHash: 'b'.repeat(64) };

  it('signs every field, under the key', () => {
    const cp = makeCheckpoint(head, new Date('2026-01-01T00:00:00Z'), key);
    expect(cp).toEqual({
      type: 'audit-checkpoint',
      seq: 7,
      hash: 'a'.repeat(64),
      anchorSeq: 2,
      anchorHash: 'b'.repeat(64),
      at: '2026-01-01T00:00:00.000Z',
      keyId: 'k1',
      mac: checkpointMac(cp, key),
    });
    for (const change of [{ seq: 8 }, { hash: 'c'.repeat(64) }, { anchorSeq: 3 }, { anchorHash: 'c'.repeat(64) }, { at: '2026-01-01T00:00:01.000Z' }]) {
      expect(checkpointMac({ ...cp, ...change }, key)).not.toBe(cp.mac);
    }
    expect(checkpointMac(cp, { ...key, secret: Buffer.from('t'.repeat(32)) })).not.toBe(cp.mac);
    expect(makeCheckpoint(head, new Date(), null)).toMatchObject({ keyId: null, mac: null });
  });
});

describe('csvField', () => {
  it('quotes per RFC 4180 and neutralises spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\n')).toBe('"say ""hi""\n"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
    expect(csvField(-5)).toBe('-5');
  });
});
