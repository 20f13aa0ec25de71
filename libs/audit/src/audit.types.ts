import type { ActorKind } from '#app/common';

export type AuditOutcome = 'success' | 'failure' | 'denied';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'denied'];

/** Every actor kind, as a runtime list (validation, Swagger). */
export const ACTOR_KINDS: readonly ActorKind[] = ['omflow', 'client', 'admin', 'scheduler', 'system', 'anonymous'];

/** What a module passes to `AuditService.record()`. */
export interface AuditEventInput {
  /** Stable dotted name: `sync.published`, `auth.login.failed`, `directory.employee.updated`, `access.client.revoked`. */
  action: string;
  outcome: AuditOutcome;
  /** Default: the request's authenticated actor; `anonymous` in a request without one; `system` outside requests. */
  actor?: { kind: ActorKind; id: string | null };
  target?: { type: string; id: string | null };
  /** For a change: `{ before, after, ... }`. Secrets are redacted by the module, whatever the caller passes. */
  details?: Record<string, unknown>;
  /** Default: the request's id. */
  requestId?: string;
  /** Default: the request's source IP. */
  sourceIp?: string | null;
}

/** An event as stored: every content field, its place in the chain and its hash. */
export interface StoredAuditEvent {
  seq: number;
  occurredAt: Date;
  actorKind: ActorKind;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: AuditOutcome;
  requestId: string | null;
  sourceIp: string | null;
  /** Canonical JSON of the redacted details, exactly as hashed. */
  details: string;
  prevHash: string;
  hash: string;
  /** The key that sealed it (chain format audit-v2); null for an unkeyed (audit-v1) event. */
  keyId: string | null;
}

/** An event ready to be chained: everything but its sequence, hashes and key. */
export type PreparedAuditEvent = Omit<StoredAuditEvent, 'seq' | 'prevHash' | 'hash' | 'keyId'>;

/** The chain's head and the retention anchor (the last removed event). */
export interface ChainHead {
  lastSeq: number;
  lastHash: string;
  /** The key that sealed the last event; null while the chain is unkeyed (audit-v1). */
  lastKeyId: string | null;
  anchorSeq: number;
  anchorHash: string;
}
