import { createHash, createHmac } from 'node:crypto';
import type { AuditKey } from './audit-keys.js';
import type { ChainHead, PreparedAuditEvent } from './audit.types.js';

/** The previous hash of the first event ever written. */
export const GENESIS_HASH = '0'.repeat(64);

/** Chain formats: audit-v1 events carry no key id, audit-v2 events the id of the key that sealed them. */
export const CHAIN_V1 = 'audit-v1';
export const CHAIN_V2 = 'audit-v2';

function fields(event: PreparedAuditEvent): unknown[] {
  return [
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
  ];
}

/**
 * The hash of an event: a digest of a canonical serialisation of every content field, the
 * sequence number and the previous event's hash, so that changing, removing or reordering any
 * stored event breaks the chain.
 *
 * - audit-v1 (no key): SHA-256. Anyone with write access to the database can recompute it, so
 *   it only detects accidents and tampering by someone who does not know the format. Kept
 *   unchanged so that events written before the key still verify.
 * - audit-v2 (a key): HMAC-SHA256 under the key, over the same fields plus the key id. Without
 *   the key, a changed event cannot be given a matching hash, nor can the events after it.
 */
export function hashEvent(seq: number, event: PreparedAuditEvent, prevHash: string, key: AuditKey | null = null): string {
  if (!key)
    return createHash('sha256')
      .update(JSON.stringify([CHAIN_V1, seq, ...fields(event), prevHash]), 'utf8')
      .digest('hex');
  return createHmac('sha256', key.secret)
    .update(JSON.stringify([CHAIN_V2, key.id, seq, ...fields(event), prevHash]), 'utf8')
    .digest('hex');
}

/** A checkpoint of the chain as published outside the database (file, log). */
export interface Checkpoint {
  type: 'audit-checkpoint';
  /** The head when it was taken: its last sequence and hash. */
  seq: number;
  hash: string;
  /** The retention anchor then. */
  anchorSeq: number;
  anchorHash: string;
  /** When it was taken (ISO 8601). */
  at: string;
  /** The key the MAC was made with; null for a checkpoint of an unkeyed bridge. */
  keyId: string | null;
  mac: string | null;
}

/** The MAC of a checkpoint: HMAC-SHA256 under the key over every other field. */
export function checkpointMac(point: { seq: number; hash: string; anchorSeq: number; anchorHash: string; at: string }, key: AuditKey): string {
  return createHmac('sha256', key.secret)
    .update(JSON.stringify(['audit-checkpoint-v1', key.id, point.seq, point.hash, point.anchorSeq, point.anchorHash, point.at]), 'utf8')
    .digest('hex');
}

/** A checkpoint of `head`, signed with `key` when there is one. */
export function makeCheckpoint(head: ChainHead, at: Date, key: AuditKey | null): Checkpoint {
  const point = { seq: head.lastSeq, hash: head.lastHash, anchorSeq: head.anchorSeq, anchorHash: head.anchorHash, at: at.toISOString() };
  return { type: 'audit-checkpoint', ...point, keyId: key?.id ?? null, mac: key ? checkpointMac(point, key) : null };
}
