import { describe, expect, it } from 'vitest';
import { csvField } from './audit-export.js';
import type { PreparedAuditEvent } from './audit.types.js';
import { GENESIS_HASH, hashEvent } from './chain.js';
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
