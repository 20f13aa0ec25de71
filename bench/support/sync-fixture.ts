import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import { loadBridgeConfig } from '#app/config';
import { createBridgeApp } from '../../apps/bridge/src/bootstrap.js';
import { startEmulatorProcess, type EmulatorProcess } from './processes.js';

/**
 * A bridge reading `emulator` as its directory, with a long deadline and guard limits no test
 * change reaches (the changes a benchmark makes must publish: no rename holds, generous removal
 * and move limits).
 */
export function directoryEnv(emulator: EmulatorProcess, pageSize = 500): NodeJS.ProcessEnv {
  return {
    HR_SOURCE: 'directory',
    DIRECTORY_URL: emulator.url,
    DIRECTORY_ORG_CODE: emulator.orgCode,
    DIRECTORY_DOMAIN_ID: emulator.domainId,
    DIRECTORY_CLIENT_ID: emulator.clientId,
    DIRECTORY_CLIENT_SECRET: emulator.clientSecret,
    DIRECTORY_PAGE_SIZE: String(pageSize),
    DIRECTORY_TIMEOUT_MS: '60000',
    SYNC_DEADLINE_SECONDS: '3600',
    GUARD_HOLD_RENAMES: 'false',
    GUARD_MAX_USER_REMOVALS: '1000000',
    GUARD_MAX_USER_REMOVAL_PERCENT: '100',
    GUARD_MAX_GROUP_REMOVALS: '1000000',
    GUARD_MAX_GROUP_REMOVAL_PERCENT: '100',
    GUARD_MAX_MOVES: '1000000',
    GUARD_MAX_MOVE_PERCENT: '100',
    // Resignations are published at once, as before the deletion grace window: the 1% re-sync
    // measures removals, not people carried through their window.
    GUARD_DELETION_GRACE_HOURS: '0',
  };
}

export type BenchDatabaseKind = 'sqlite' | 'mysql';

/** A throw-away database: a SQLite file in a temporary folder, or a fresh database on the MySQL/MariaDB server. */
export interface BenchDatabase {
  kind: BenchDatabaseKind;
  env: NodeJS.ProcessEnv;
  drop(): Promise<void>;
}

export async function createBenchDatabase(kind: BenchDatabaseKind, mysqlUrl?: string): Promise<BenchDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
    return {
      kind,
      env: { SQLITE_PATH: join(dir, 'bridge.sqlite') },
      drop: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    };
  }
  if (!mysqlUrl) throw new Error('A MySQL/MariaDB bench database needs a URL (--mysql or TEST_MYSQL_URL)');
  const name = `bridge_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = () => createConnection({ uri: mysqlUrl });
  const conn = await admin();
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await conn.end();
  }
  const url = new URL(mysqlUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const c = await admin();
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

export interface SyncFixtureOptions {
  kind: BenchDatabaseKind;
  employees: number;
  departments: number;
  seed?: number;
  /** Directory page size (the bridge's DIRECTORY_PAGE_SIZE). */
  pageSize?: number;
  mysqlUrl?: string;
  /** More bridge environment (overrides the fixture's). */
  env?: NodeJS.ProcessEnv;
}

/** What a sync run answered on the admin API (the fields the benches read). */
export interface RunReport {
  id: number;
  status: string;
  phases: Record<string, number>;
  counts: Record<string, number>;
  findingCount: number;
  diffSummary: {
    users: { added: number; removed: number; changed: number };
    groups: { added: number; removed: number; changed: number };
    renames: number;
    moves: number;
  } | null;
  holdReasons: unknown;
  error: string | null;
}

export interface RunningBridge {
  app: INestApplication;
  base: string;
  db: DataSource;
}

/**
 * "A sync of N people on SQLite or MariaDB", for the benchmarks: a generated organisation in the
 * directory emulator (its own child process), a throw-away database, and the bridge started in
 * this process (`startBridge`) with an admin token and OMFLOW Basic credentials, its guard
 * relaxed so that large test changes publish. `sync()` runs one sync through the admin API.
 */
export class SyncFixture {
  readonly adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;
  readonly omflowId = 'omflow-bench';
  readonly omflowSecret = `omflow-bench-${randomBytes(12).toString('hex')}`;
  readonly basic = `Basic ${Buffer.from(`${this.omflowId}:${this.omflowSecret}`).toString('base64')}`;
  private bridge: RunningBridge | null = null;
  private readonly agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 10_000 });

  private constructor(
    readonly options: SyncFixtureOptions,
    readonly emulator: EmulatorProcess,
    readonly database: BenchDatabase,
  ) {}

  /** Starts the emulator (generation included) and creates the database; the bridge is started by `startBridge()`. */
  static async create(options: SyncFixtureOptions): Promise<SyncFixture> {
    const emulator = await startEmulatorProcess({ employees: options.employees, departments: options.departments, seed: options.seed ?? 1 });
    try {
      return new SyncFixture(options, emulator, await createBenchDatabase(options.kind, options.mysqlUrl));
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }

  /** The bridge's environment: the emulator as its directory, no schedule, generous guard limits. */
  env(): NodeJS.ProcessEnv {
    return {
      LOG_LEVEL: 'silent',
      PORT: '0',
      HOST: '127.0.0.1',
      DOCS_ENABLED: 'false',
      SYNC_CRON: 'off',
      SYNC_ON_START: 'false',
      BRIDGE_ADMIN_TOKEN: this.adminToken,
      OMFLOW_CLIENT_ID: this.omflowId,
      OMFLOW_CLIENT_SECRET: this.omflowSecret,
      ...directoryEnv(this.emulator, this.options.pageSize ?? 500),
      ...this.database.env,
      ...this.options.env,
    };
  }

  /** Starts the bridge in this process, listening on a free port of 127.0.0.1. */
  async startBridge(): Promise<RunningBridge> {
    if (this.bridge) return this.bridge;
    const app = await createBridgeApp(loadBridgeConfig(this.env()), { adminTokenSink: () => undefined });
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as { address(): { port: number } }).address();
    this.bridge = { app, base: `http://127.0.0.1:${port}`, db: app.get(DataSource) };
    return this.bridge;
  }

  /** POSTs to the bridge (or to `url` when absolute). */
  async post(
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const url = /^https?:/.test(path) ? path : `${this.requireBridge().base}${path}`;
    const res = await request(url, {
      method: 'POST',
      dispatcher: this.agent,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.statusCode, headers: res.headers, body: Buffer.from(await res.body.arrayBuffer()) };
  }

  /** Runs one sync through the admin API and answers its report; throws unless it ends in one of `expect`. */
  async sync(expect: string[] = ['published', 'unchanged']): Promise<RunReport> {
    const res = await this.post('/api/v1/sync/runs?wait=true', { authorization: `Bearer ${this.adminToken}` }, {});
    if (res.status !== 200) throw new Error(`POST /api/v1/sync/runs answered HTTP ${res.status}: ${res.body.toString().slice(0, 500)}`);
    const report = JSON.parse(res.body.toString()) as RunReport;
    if (!expect.includes(report.status)) {
      throw new Error(`The run ended "${report.status}" (expected ${expect.join(' or ')}): ${report.error ?? JSON.stringify(report.holdReasons)}`);
    }
    return report;
  }

  /** Changes the directory: `hire` new people, `move` people to another department, `resign` people. */
  async mutate(change: { hire: number; move: number; resign: number }): Promise<void> {
    const res = await this.post(`${this.emulator.url}/_emulator/mutations`, {}, change);
    if (res.status !== 200) throw new Error(`POST /_emulator/mutations answered HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
  }

  /** Closes the bridge, the emulator and the database, whatever happened. */
  async close(): Promise<void> {
    try {
      if (this.bridge) await this.bridge.app.close();
    } finally {
      this.bridge = null;
      await this.agent.close().catch(() => undefined);
      await this.emulator.close();
      await this.database.drop();
    }
  }

  private requireBridge(): RunningBridge {
    if (!this.bridge) throw new Error('Start the bridge first (startBridge())');
    return this.bridge;
  }
}
