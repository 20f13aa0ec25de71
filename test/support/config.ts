import { type BridgeConfig, loadBridgeConfig } from '#app/config';
import type { DatabaseConfig } from '#app/database';
import { GRACE_OFF } from './credentials.js';
import { checkpointFileOf } from './databases.js';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A bridge configuration for tests: defaults, the given database, and any overrides. */
export function testConfig(database: DatabaseConfig, overrides: DeepPartial<BridgeConfig> = {}, env: NodeJS.ProcessEnv = {}): BridgeConfig {
  const base = loadBridgeConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', SYNC_CRON: 'off', SYNC_ON_START: 'false', ...GRACE_OFF, ...env });
  const merged: Record<string, unknown> = { ...base, database };
  // On SQLite the audit checkpoints default to a file beside the database; MySQL test databases get one each too.
  if (database.url && !env.AUDIT_CHECKPOINT_FILE) merged.audit = { ...base.audit, checkpointFile: checkpointFileOf(database) };
  for (const [ns, values] of Object.entries(overrides)) {
    merged[ns] = { ...(merged[ns] as object), ...values };
  }
  return merged as unknown as BridgeConfig;
}
