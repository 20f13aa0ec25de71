import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a notification request. */
export const HEADER = {
  id: 'x-bridge-event-id',
  type: 'x-bridge-event-type',
  timestamp: 'x-bridge-timestamp',
  signature: 'x-bridge-signature',
} as const;

/** How old a signed timestamp a receiver should still accept (README "Verifying a notification"). */
export const REPLAY_WINDOW_SECONDS = 300;

/**
 * `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the key being NOTIFY_WEBHOOK_SECRET: the
 * timestamp is signed with the body, so a captured request cannot be replayed later with a new
 * timestamp (Stripe's scheme).
 */
export function signature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does (the README's snippet, as a function): a valid signature, within the replay window. */
export function verifySignature(secret: string, headers: { timestamp?: string; signature?: string }, body: string, now = Date.now()): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(signature(secret, timestamp, body));
  const given = Buffer.from(headers.signature ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
