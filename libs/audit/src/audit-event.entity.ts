import { Column, Entity, EntitySchema, type EntitySchemaColumnOptions, PrimaryColumn, type ValueTransformer } from 'typeorm';
import type { StoredAuditEvent } from './audit.types.js';

/** BIGINT columns come back as strings on some drivers; sequences stay far below 2^53. */
const asNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};

/** How a field of an event is stored (TypeORM's column options) and exported. */
export interface AuditEventColumn extends EntitySchemaColumnOptions {
  /** The column of `audit_event`. */
  name: string;
  /** Its name in the CSV export's header, when not the column's. */
  csv?: string;
  /** Where the JSON form (review API, NDJSON export, archives) puts it: a key, or an object and its key. */
  json: string | readonly [string, string];
}

/**
 * The columns of `audit_event`, in table order: the one list from which the entity, the store's
 * INSERT, the CSV export and the JSON form (review API, NDJSON export, archives) are built. The
 * migrations that created the table are history; audit-event.entity.spec.ts holds this list to them.
 */
export const AUDIT_EVENT_COLUMNS = {
  seq: { name: 'seq', type: 'bigint', primary: true, transformer: asNumber, json: 'seq' },
  occurredAt: { name: 'occurred_at', type: 'datetime', precision: 3, csv: 'time', json: 'time' },
  actorKind: { name: 'actor_kind', type: 'varchar', length: 16, json: ['actor', 'kind'] },
  actorId: { name: 'actor_id', type: 'varchar', length: 128, nullable: true, json: ['actor', 'id'] },
  action: { name: 'action', type: 'varchar', length: 128, json: 'action' },
  targetType: { name: 'target_type', type: 'varchar', length: 64, nullable: true, json: ['target', 'type'] },
  targetId: { name: 'target_id', type: 'varchar', length: 255, nullable: true, json: ['target', 'id'] },
  outcome: { name: 'outcome', type: 'varchar', length: 16, json: 'outcome' },
  requestId: { name: 'request_id', type: 'varchar', length: 128, nullable: true, json: 'requestId' },
  sourceIp: { name: 'source_ip', type: 'varchar', length: 64, nullable: true, json: 'sourceIp' },
  details: { name: 'details', type: 'text', json: 'details' },
  prevHash: { name: 'prev_hash', type: 'varchar', length: 64, json: 'prevHash' },
  hash: { name: 'hash', type: 'varchar', length: 64, json: 'hash' },
  keyId: { name: 'key_id', type: 'varchar', length: 32, nullable: true, json: 'keyId' },
} as const satisfies { readonly [K in keyof StoredAuditEvent]: AuditEventColumn };

/** AUDIT_EVENT_COLUMNS as [field, column] pairs, in table order. */
export const AUDIT_EVENT_FIELDS = Object.entries(AUDIT_EVENT_COLUMNS) as [keyof StoredAuditEvent, AuditEventColumn][];

/** One audit event (see StoredAuditEvent). Rows are only ever inserted (and, by retention, removed oldest first). */
export type AuditEvent = StoredAuditEvent;

/** The entity of `audit_event`, mapped from AUDIT_EVENT_COLUMNS. */
export const AuditEvent = new EntitySchema<AuditEvent>({
  name: 'AuditEvent',
  tableName: 'audit_event',
  columns: Object.fromEntries(AUDIT_EVENT_FIELDS.map(([field, { csv: _csv, json: _json, ...column }]) => [field, column])),
});

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
