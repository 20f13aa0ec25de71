import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createOmflowEmulatorApp, type OmflowEmulatorAppOptions } from '../../apps/omflow-emulator/src/index.js';
import type { PullRecord } from '../../apps/omflow-emulator/src/index.js';
import type { EmulatorAppOptions } from '../../apps/directory-emulator/src/index.js';
import type { DatabaseConfig } from '#app/database';
import { admin, startBridgeWith, type RunningBridge } from './bridge.js';
import { OMFLOW } from './credentials.js';
import { startEmulator, type RunningEmulator } from './emulator.js';
import { freePort } from './process.js';

/** The emulator's query API account in the suites. */
export const OMFLOW_API = { user: 'omflow-api', password: 'omflow-api-password' } as const;

/** A running OMFLOW emulator on a random port of 127.0.0.1 (real HTTP), pulling `hrUrl`. */
export interface RunningOmflowEmulator {
  app: NestFastifyApplication;
  url: string;
  /** Pulls `/sync` now (POST /_omflow/pulls) and answers the pull's record. */
  pull(): Promise<PullRecord>;
  /** Calls the emulator's `/_omflow/...` surface; the status and parsed body. */
  admin<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A query API security code for OMFLOW_API. */
  securityCode(): Promise<string>;
  /** POSTs a `/rest/accounts/api/...` call with a fresh security code; the envelope. */
  rest<T = unknown>(path: string, body?: Record<string, unknown>): Promise<{ status: number; message: string; result: T }>;
  close(): Promise<void>;
}

/**
 * Starts an OMFLOW emulator that pulls the bridge at `hrUrl` with the suites' OMFLOW client
 * (credentials.ts): on demand only unless `pullSeconds` is given, no pull at start-up unless
 * `pullOnStart`; on `port` (0: one the OS picks). Suites run the three together with test/support/emulator.ts (directory),
 * bridge.ts (bridge) and this.
 */
export async function startOmflowEmulator(hrUrl: string, options: OmflowEmulatorAppOptions = {}, port = 0): Promise<RunningOmflowEmulator> {
  const app = await createOmflowEmulatorApp({
    hrUrl,
    hrUser: OMFLOW.id,
    hrPassword: OMFLOW.secret,
    hrTimeoutMs: 10_000,
    pullSeconds: 0,
    pullOnStart: false,
    apiUser: OMFLOW_API.user,
    apiPassword: OMFLOW_API.password,
    logger: false,
    docs: false,
    ...options,
  });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const adminHeaders: Record<string, string> = options.adminToken ? { authorization: `Bearer ${options.adminToken}` } : {};
  const admin = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}/_omflow${path}`, {
      method,
      headers: { ...adminHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
  const securityCode = async () => {
    const res = await fetch(`${url}/accounts/api/security/get/`, {
      headers: { authorization: `Basic ${Buffer.from(`${OMFLOW_API.user}:${OMFLOW_API.password}`).toString('base64')}` },
    });
    const body = (await res.json()) as { status: number; result: { security: string } | null };
    if (body.status !== 200 || !body.result) throw new Error(`security code: ${JSON.stringify(body)}`);
    return body.result.security;
  };
  return {
    app,
    url,
    admin,
    securityCode,
    async pull() {
      const res = await admin<PullRecord>('POST', '/pulls');
      if (res.status !== 200) throw new Error(`pull: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async rest<T>(path: string, body: Record<string, unknown> = {}) {
      const res = await fetch(`${url}/rest/accounts/api/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ security: await securityCode(), omflow_restapi: 1, ...body }),
      });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      return (await res.json()) as { status: number; message: string; result: T };
    },
    close: () => app.close(),
  };
}

/** What `GET /api/v1/omflow/reconciliation` answers (the fields the suites read). */
export interface Reconciliation {
  id: number;
  outcome: 'in-sync' | 'drifted' | 'not-pulled' | 'failed';
  inSync: boolean;
  trigger: string;
  snapshot: { id: number | null; publishedId: number | null; pulledAt: string | null; behind: boolean };
  reasons: string[];
  counts: {
    users: {
      snapshot: number;
      omflow: number;
      missing: number;
      unexpected: number;
      drifted: number;
      omflowDeleted: number;
      driftByField: Record<string, number>;
    };
    departments: { snapshot: number; omflow: number; missing: number; unexpected: number; drifted: number; driftByField: Record<string, number> };
  } | null;
  samples: {
    missingUsers: { username: string }[];
    unexpectedUsers: { username: string; omflowId: number }[];
    driftedUsers: { username: string; omflowId: number; fields: { field: string; expected: string | null; actual: string | null }[] }[];
    missingDepartments: { groupNo: string }[];
    unexpectedDepartments: { groupNo: string }[];
    driftedDepartments: { groupNo: string; fields: { field: string; expected: string | null; actual: string | null }[] }[];
  } | null;
  error: { code: string; message: string } | null;
  durationMs: number | null;
  startedAt: string;
  finishedAt: string | null;
}

/** The whole loop: the directory emulator, a bridge reading it, and an OMFLOW emulator pulling the bridge. */
export interface RunningLoop {
  directory: RunningEmulator;
  bridge: RunningBridge;
  omflow: RunningOmflowEmulator;
  /** Runs a bridge sync to its end (POST /api/v1/sync/runs?wait=true) and answers the run. */
  sync(): Promise<{ status: string; snapshotId?: number } & Record<string, unknown>>;
  /** Runs one read-back of OMFLOW to its end (POST /api/v1/omflow/reconciliation/run?wait=true; needs `readback`). */
  reconcile(): Promise<Reconciliation>;
  close(): Promise<void>;
}

/**
 * Starts the three on random ports of 127.0.0.1: the directory emulator (test/support/emulator.ts
 * defaults, `directory` options over them), a bridge on `database` reading it (`bridgeEnv` over
 * the directory's variables), and an OMFLOW emulator pulling that bridge on demand (`omflow`
 * options). With `readback`, the bridge's read-back points at the OMFLOW emulator's query API
 * (OMFLOW_URL, OMFLOW_API_USER, OMFLOW_API_PASSWORD; the emulator's port is chosen before the
 * bridge starts, since each needs the other's URL), with `RECONCILE_CRON=off` and
 * `RECONCILE_AFTER_PULL_SECONDS=0` unless `bridgeEnv` says otherwise: comparisons run when the
 * test asks. Nothing is synchronised or pulled yet.
 */
export async function startLoop(
  database: DatabaseConfig,
  options: { directory?: EmulatorAppOptions; bridgeEnv?: NodeJS.ProcessEnv; omflow?: OmflowEmulatorAppOptions; readback?: boolean } = {},
): Promise<RunningLoop> {
  const directory = await startEmulator(options.directory);
  let bridge: RunningBridge | undefined;
  try {
    const omflowPort = options.readback ? await freePort() : 0;
    const readbackEnv: NodeJS.ProcessEnv = options.readback
      ? {
          OMFLOW_URL: `http://127.0.0.1:${omflowPort}`,
          OMFLOW_API_USER: OMFLOW_API.user,
          OMFLOW_API_PASSWORD: OMFLOW_API.password,
          RECONCILE_CRON: 'off',
          RECONCILE_AFTER_PULL_SECONDS: '0',
        }
      : {};
    bridge = await startBridgeWith(database, { env: directory.bridgeEnv({ ...readbackEnv, ...options.bridgeEnv }) });
    const omflow = await startOmflowEmulator(bridge.url, options.omflow, omflowPort);
    const running = bridge;
    // The bridge records a pull after answering it (the /sync answer does not wait for that write):
    // a comparison asked right after a pull waits until the bridge names the snapshot OMFLOW took.
    let pulledSnapshot: number | null = null;
    const pull = omflow.pull.bind(omflow);
    omflow.pull = async () => {
      const record = await pull();
      pulledSnapshot = record.snapshot_id ?? pulledSnapshot;
      return record;
    };
    const pullRecorded = async () => {
      for (let i = 0; pulledSnapshot !== null && i < 100; i++) {
        const res = await fetch(`${running.url}/api/v1/sync/status`, { headers: admin });
        if (((await res.json()) as { lastPullSnapshotId: number | null }).lastPullSnapshotId === pulledSnapshot) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    return {
      directory,
      bridge: running,
      omflow,
      async sync() {
        const res = await fetch(`${running.url}/api/v1/sync/runs?wait=true`, {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: '{}',
        });
        return (await res.json()) as { status: string; snapshotId?: number } & Record<string, unknown>;
      },
      async reconcile() {
        await pullRecorded();
        const res = await fetch(`${running.url}/api/v1/omflow/reconciliation/run?wait=true`, { method: 'POST', headers: admin });
        if (res.status !== 200) throw new Error(`reconciliation: HTTP ${res.status} ${await res.text()}`);
        return (await res.json()) as Reconciliation;
      },
      async close() {
        await omflow.close();
        await running.close();
        await directory.close();
      },
    };
  } catch (error) {
    await bridge?.close();
    await directory.close();
    throw error;
  }
}
