import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { expect } from 'vitest';
import { Clock } from '#app/common';
import type { BridgeConfig } from '#app/config';
import { buildDataSourceOptions, type DatabaseConfig } from '#app/database';
import { admin, bridgeEnv, OMFLOW, startBridge, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { writeOrganisation, type TestPerson } from '../support/organisation.js';

export { admin, OMFLOW };

/** Cheap argon2id parameters so that the suite stays fast; the bench uses the defaults. */
export const TEST_ARGON2 = { AUTH_ARGON2_MEMORY_KIB: '4096', AUTH_ARGON2_TIME_COST: '2', AUTH_ARGON2_PARALLELISM: '1' };

export interface AuthBridge extends RunningBridge {
  file: string;
  db: DataSource;
  /** Moves the bridge's lockout and rate-limit clock forward. */
  advance(ms: number): void;
  login(username: unknown, password: unknown): Promise<request.Response>;
  publish(persons: TestPerson[]): Promise<void>;
  setPassword(username: string, password: string, mustChange?: boolean): Promise<request.Response>;
  events(action: string): Promise<{ action: string; outcome: string; target_id: string | null; details: string; source_ip: string | null }[]>;
  /** The audit reasons of the last `n` failed logins, oldest first. */
  failureReasons(n: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** A bridge on `database` with `persons` published and a controllable auth clock. */
export async function startAuthBridge(
  database: DatabaseConfig,
  persons: TestPerson[],
  env: NodeJS.ProcessEnv = {},
  options: Parameters<typeof startBridge>[1] = {},
): Promise<AuthBridge> {
  const file = join(mkdtempSync(join(tmpdir(), 'bridge-auth-')), 'org.json');
  writeOrganisation(file, persons);
  const config: BridgeConfig = testConfig(database, {}, bridgeEnv({ HR_SOURCE: 'file', HR_FILE: file, ...TEST_ARGON2, ...env }));
  const bridge = await startBridge(config, options);
  let now = Date.UTC(2026, 0, 1);
  bridge.app.get(Clock).now = () => now;
  const db = await new DataSource(buildDataSourceOptions(config.database)).initialize();

  const auth: AuthBridge = {
    ...bridge,
    file,
    db,
    advance(ms) {
      now += ms;
    },
    login(username, password) {
      return request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({ username, password });
    },
    async publish(next) {
      writeOrganisation(file, next);
      const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(res.status).toBe(200);
      expect(res.body.status).toMatch(/published|unchanged/);
    },
    setPassword(username, password, mustChange) {
      return request(bridge.url)
        .put(`/api/v1/auth/passwords/${encodeURIComponent(username)}`)
        .set(admin)
        .send(mustChange === undefined ? { password } : { password, mustChange });
    },
    events(action) {
      return db.query(`SELECT action, outcome, target_id, details, source_ip FROM audit_event WHERE action = ? ORDER BY seq`, [action]);
    },
    async failureReasons(n) {
      return (await auth.events('auth.login.failed')).slice(-n).map((e) => (JSON.parse(e.details) as { reason: string }).reason);
    },
    async stop() {
      await db.destroy();
      await bridge.close();
    },
  };
  await auth.publish(persons);
  return auth;
}
