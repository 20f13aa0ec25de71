import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new client secret: 256 random bits, prefixed so that secret scanners recognise it. */
export function generateSecret(): string {
  return `hrb_${randomBytes(32).toString('base64url')}`;
}

export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored digest in constant time. */
export function secretMatches(presented: string, storedDigest: string): boolean {
  return sameBytes(Buffer.from(digestSecret(presented), 'hex'), Buffer.from(storedDigest, 'hex'));
}

/** Whether two values are equal, compared in constant time (for equal lengths). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
