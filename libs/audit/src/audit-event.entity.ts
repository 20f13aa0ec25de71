import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { ActorKind } from '#app/common';
import type { AuditOutcome, StoredAuditEvent } from './audit.types.js';

/** BIGINT columns come back as strings on some drivers; sequences stay far below 2^53. */
const asNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/** One audit event. Rows are only ever inserted (and, by retention, removed oldest first). */
@Entity('audit_event')
export class AuditEvent implements StoredAuditEvent {
  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  seq: number;

  @Column({ name: 'occurred_at', type: 'datetime', precision: 3 })
  occurredAt: Date;

  @Column({ name: 'actor_kind', type: 'varchar', length: 16 })
  actorKind: ActorKind;

  @Column({ name: 'actor_id', type: 'varchar', length: 128, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 128 })
  action: string;

  @Column({ name: 'target_type', type: 'varchar', length: 64, nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 255, nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: AuditOutcome;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp: string | null;

  /** Canonical JSON of the redacted details, exactly as hashed. */
  @Column({ type: 'text' })
  details: string;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash: string;

  @Column({ type: 'varchar', length: 64 })
  hash: string;

  /** The key that sealed the event (chain format audit-v2); null for audit-v1 events, written before the chain had a key. */
  @Column({ name: 'key_id', type: 'varchar', length: 32, nullable: true })
  keyId: string | null;
}

/** The one-row head of the chain (id = 1): appends lock it; retention moves its anchor. */
@Entity('audit_chain_head')
export class AuditChainHead {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'last_seq', type: 'bigint', transformer: asNumber })
  lastSeq: number;

  @Column({ name: 'last_hash', type: 'varchar', length: 64 })
  lastHash: string;

  /** The key that sealed the last event; null while the chain is unkeyed. */
  @Column({ name: 'last_key_id', type: 'varchar', length: 32, nullable: true })
  lastKeyId: string | null;

  @Column({ name: 'anchor_seq', type: 'bigint', transformer: asNumber })
  anchorSeq: number;

  @Column({ name: 'anchor_hash', type: 'varchar', length: 64 })
  anchorHash: string;

  @Column({ name: 'anchor_at', type: 'datetime', precision: 3, nullable: true })
  anchorAt: Date | null;
}
