import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_SECONDS, signature, verifySignature } from './signature.js';

const SECRET = 'a-webhook-secret-of-at-least-32-characters';

describe('webhook signatures', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const body = '{"id":"x","type":"notification.test"}';
    expect(signature(SECRET, 1_700_000_000, body)).toBe(`v1=${createHmac('sha256', SECRET).update(`1700000000.${body}`).digest('hex')}`);
  });

  it('verifies within the replay window, and refuses another body, key, timestamp or an old request', () => {
    const now = 1_700_000_000_000;
    const ts = now / 1000;
    const body = '{"a":1}';
    const headers = { timestamp: String(ts), signature: signature(SECRET, ts, body) };
    expect(verifySignature(SECRET, headers, body, now)).toBe(true);
    expect(verifySignature(SECRET, headers, '{"a":2}', now)).toBe(false);
    expect(verifySignature(`${SECRET}x`, headers, body, now)).toBe(false);
    expect(verifySignature(SECRET, { ...headers, timestamp: String(ts + 1) }, body, now)).toBe(false);
    expect(verifySignature(SECRET, headers, body, now + REPLAY_WINDOW_SECONDS * 1000)).toBe(true);
    expect(verifySignature(SECRET, headers, body, now + (REPLAY_WINDOW_SECONDS + 1) * 1000)).toBe(false);
    expect(verifySignature(SECRET, { timestamp: String(ts) }, body, now)).toBe(false);
  });
});
