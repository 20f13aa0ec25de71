import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import type { BridgeConfig } from '#app/config';
import { buildDataSourceOptions } from '#app/database';
import { createBridgeApp } from '../../apps/bridge/src/bootstrap.js';
import { TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';

export const admin = () => ({ Authorization: `Bearer ${TEST_ADMIN_TOKEN}` });

/** Like startBridge, with a hook between creating the application and starting it (providers exist, no lifecycle hook has run). */
export async function startWith(config: BridgeConfig, beforeListen: (app: NestExpressApplication) => void | Promise<void>): Promise<RunningBridge> {
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
}

export async function rawEvents(ds: DataSource, where = '1 = 1', params: unknown[] = []): Promise<RawEvent[]> {
  const rows: RawEvent[] = await ds.query(`SELECT * FROM audit_event WHERE ${where} ORDER BY seq`, params);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}
