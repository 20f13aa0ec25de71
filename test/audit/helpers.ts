import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import type { BridgeConfig } from '#app/config';
import { buildDataSourceOptions, fromSqlDateTime, toSqlDateTime } from '#app/database';
import { createBridgeApp } from '../../apps/bridge/src/bootstrap.js';
import { TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';

export const admin = () => ({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` });

/** Like startBridge, with a hook between creating the application and starting it (providers exist, no lifecycle hook has run). */
export async function startWith(config: BridgeConfig, beforeListen: (app: NestFastifyApplication) => void | Promise<void>): Promise<RunningBridge> {
  const printed: string[] = [];
  const app = await createBridgeApp(config, { adminTokenSink: (banner) => printed.push(banner) });
  await beforeListen(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, config, url: `http://127.0.0.1:${address.port}`, adminToken: config.access.adminToken ?? '', printed, close: () => app.close() };
}

/** A separate connection to the bridge's database, for looking at (and tampering with) rows directly. */
export async function openDb(config: BridgeConfig): Promise<DataSource> {
  return new DataSource(buildDataSourceOptions(config.database)).initialize();
}

export interface RawEvent {
  seq: number;
  action: string;
  details: string;
  actor_kind: string;
  actor_id: string | null;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  occurred_at: unknown;
  request_id: string | null;
  source_ip: string | null;
  prev_hash: string;
  hash: string;
  /** The key the event was sealed with (chain format audit-v2); null for audit-v1 events. */
  key_id?: string | null;
}

export async function rawEvents(ds: DataSource, where = '1 = 1', params: unknown[] = []): Promise<RawEvent[]> {
  const rows: RawEvent[] = await ds.query(`SELECT * FROM audit_event WHERE ${where} ORDER BY seq`, params);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** The canonical text of an event in chain format audit-v1 (SHA-256, no key), from a raw row. */
function v1Canonical(r: RawEvent, prevHash: string): string {
  return JSON.stringify([
    'audit-v1',
    r.seq,
    fromSqlDateTime(r.occurred_at)!.toISOString(),
    r.actor_kind,
    r.actor_id,
    r.action,
    r.target_type,
    r.target_id,
    r.outcome,
    r.request_id,
    r.source_ip,
    r.details,
    prevHash,
  ]);
}

/** The audit-v1 hash of a raw row: what anyone can compute without a key. */
export function v1Hash(r: RawEvent, prevHash: string): string {
  return createHash('sha256').update(v1Canonical(r, prevHash), 'utf8').digest('hex');
}

/**
 * Appends events exactly as the bridge did before its chain was keyed (format audit-v1, no key
 * id): what a database written by an earlier version holds.
 */
export async function appendV1Events(ds: DataSource, actions: string[], at = new Date()): Promise<void> {
  const [head] = await ds.query<{ last_seq: number | string; last_hash: string }[]>('SELECT last_seq, last_hash FROM audit_chain_head WHERE id = 1');
  let seq = Number(head.last_seq);
  let prev = head.last_hash;
  for (const action of actions) {
    seq += 1;
    const row: RawEvent = {
      seq,
      occurred_at: toSqlDateTime(at),
      actor_kind: 'system',
      actor_id: null,
      action,
      target_type: 'legacy',
      target_id: String(seq),
      outcome: 'success',
      request_id: null,
      source_ip: null,
      details: JSON.stringify({ legacy: true }),
      prev_hash: prev,
      hash: '',
    };
    row.hash = v1Hash(row, prev);
    await ds.query(
      'INSERT INTO audit_event (seq, occurred_at, actor_kind, actor_id, action, target_type, target_id, outcome, request_id, source_ip, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        row.seq,
        row.occurred_at,
        row.actor_kind,
        row.actor_id,
        row.action,
        row.target_type,
        row.target_id,
        row.outcome,
        null,
        null,
        row.details,
        row.prev_hash,
        row.hash,
      ],
    );
    prev = row.hash;
  }
  await ds.query('UPDATE audit_chain_head SET last_seq = ?, last_hash = ? WHERE id = 1', [seq, prev]);
}
