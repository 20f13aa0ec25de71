import { createHash } from 'node:crypto';
import type { PreparedAuditEvent } from './audit.types.js';

/** The previous hash of the first event ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over a canonical serialisation of every content field, the sequence number and the
 * previous event's hash: changing, removing or reordering any stored event breaks the chain.
 * Version 1 of the format; a new format would add a new tag rather than change this one.
 */
export function hashEvent(seq: number, event: PreparedAuditEvent, prevHash: string): string {
  const canonical = JSON.stringify([
    'audit-v1',
    seq,
    event.occurredAt.toISOString(),
    event.actorKind,
    event.actorId,
    event.action,
    event.targetType,
    event.targetId,
    event.outcome,
    event.requestId,
    event.sourceIp,
    event.details,
    prevHash,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
