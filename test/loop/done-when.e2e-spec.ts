import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRecord } from '../../apps/omflow-emulator/src/index.js';
import { admin, OMFLOW } from '../support/credentials.js';
import { checkpointFileOf, testDatabases } from '../support/databases.js';
import type { Reconciliation } from '../support/omflow-emulator.js';
import { bridgeBuilt, cleanEnv, databaseEnv, freePort, killProcess, startBridgeProcess, waitUntilReady, type BridgeProcess } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OMFLOW_MAIN = resolve(ROOT, 'dist/apps/omflow-emulator/src/main.js');

/** `npm run start:omflow-emulator` as a process (the built main), with `env` over a clean environment. */
function startOmflowEmulatorProcess(cwd: string, env: NodeJS.ProcessEnv): BridgeProcess {
  const child = spawn(process.execPath, [OMFLOW_MAIN], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Issue 16's "Done when", as the README's commands run it: the bridge on the embedded default
 * (the bundled sample organisation, synchronised at start-up) and the OMFLOW emulator pulling it
 * on a schedule, both as processes, the bridge's read-back pointed at the emulator. `GET
 * /api/v1/omflow/reconciliation` reports `"inSync": true` after the comparison that follows
 * OMFLOW's pull, within two pulls; a user edited in the emulator is reported as drift.
 */
describe.skipIf(!bridgeBuilt('the "Done when" of issue 16')).each(testDatabases())(
  'issue 16 done: the embedded default pulled by the OMFLOW emulator is in sync ($kind)',
  (db) => {
    // Started from a directory of the test's, not the repository: the embedded default is found in
    // the installation; the SQLite database, the audit key and checkpoints stay in that directory.
    const dir = mkdtempSync(join(tmpdir(), 'done-when-'));
    const cwd = dir;
    const started: BridgeProcess[] = [];
    let bridgeUrl: string;
    let omflowUrl: string;

    const reconciliation = async (): Promise<{ status: number; body: Reconciliation }> => {
      const res = await fetch(`${bridgeUrl}/api/v1/omflow/reconciliation`, { headers: admin });
      return { status: res.status, body: (await res.json()) as Reconciliation };
    };
    const omflow = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${omflowUrl}/_omflow${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as T;
    };
    /** Polls GET /api/v1/omflow/reconciliation until `done` says so (or fails after `timeoutMs`). */
    const waitFor = async (done: (r: Reconciliation) => boolean, timeoutMs = 30_000): Promise<Reconciliation> => {
      const deadline = Date.now() + timeoutMs;
      let last: { status: number; body: Reconciliation } | undefined;
      while (Date.now() < deadline) {
        last = await reconciliation();
        if (last.status === 200 && done(last.body)) return last.body;
        await sleep(200);
      }
      throw new Error(`no such comparison within ${timeoutMs} ms; the last answer: ${JSON.stringify(last)}`);
    };

    beforeAll(async () => {
      const database = db.kind === 'sqlite' ? { ...(await db.create()), sqlitePath: join(dir, 'bridge.sqlite') } : await db.create();
      const [bridgePort, omflowPort] = [await freePort(), await freePort()];
      bridgeUrl = `http://127.0.0.1:${bridgePort}`;
      omflowUrl = `http://127.0.0.1:${omflowPort}`;
      // As README "The OMFLOW side, closed" runs them: defaults wherever the demo keeps them.
      const bridge = startBridgeProcess(cwd, {
        ...databaseEnv(database),
        ...(database.url ? { AUDIT_CHECKPOINT_FILE: checkpointFileOf(database) } : {}),
        PORT: String(bridgePort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        BRIDGE_ADMIN_TOKEN: admin.Authorization.slice('Bearer '.length),
        OMFLOW_CLIENT_ID: OMFLOW.id,
        OMFLOW_CLIENT_SECRET: OMFLOW.secret,
        OMFLOW_URL: omflowUrl,
        OMFLOW_API_USER: 'admin',
        OMFLOW_API_PASSWORD: 'omflow-admin',
        RECONCILE_AFTER_PULL_SECONDS: '1',
      });
      started.push(bridge);
      await waitUntilReady(bridgeUrl, bridge);
      const emulator = startOmflowEmulatorProcess(cwd, {
        OMFLOW_EMULATOR_PORT: String(omflowPort),
        OMFLOW_EMULATOR_HR_URL: bridgeUrl,
        OMFLOW_EMULATOR_HR_PASSWORD: OMFLOW.secret,
        OMFLOW_EMULATOR_PULL_SECONDS: '3',
        OMFLOW_EMULATOR_LOG: 'false',
      });
      started.push(emulator);
      const deadline = Date.now() + 30_000;
      for (;;) {
        if (emulator.child.exitCode !== null) throw new Error(`the OMFLOW emulator exited:\n${emulator.stdout()}\n${emulator.stderr()}`);
        if (
          await fetch(`${omflowUrl}/_omflow/state`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        if (Date.now() > deadline) throw new Error('the OMFLOW emulator did not start');
        await sleep(100);
      }
    }, 60_000);
    afterAll(async () => {
      for (const child of started.splice(0).reverse()) await killProcess(child);
      rmSync(dir, { recursive: true, force: true });
      await db.dropAll();
    });

    it('reports "inSync": true within two pulls', async () => {
      const r = await waitFor((c) => c.outcome !== 'not-pulled' && c.trigger === 'after-pull');
      expect(r, JSON.stringify(r)).toMatchObject({ outcome: 'in-sync', inSync: true, trigger: 'after-pull' });
      expect(r.counts!.users.snapshot).toBeGreaterThan(10);
      expect(r.counts!.users.omflow).toBe(r.counts!.users.snapshot);
      expect(r.counts!.departments.omflow).toBe(r.counts!.departments.snapshot);
      const pulls = await omflow<PullRecord[]>('GET', '/pulls?limit=100');
      const before = pulls.filter((p) => p.started_at <= r.startedAt);
      expect(before.length).toBeGreaterThanOrEqual(1);
      expect(before.length).toBeLessThanOrEqual(2);
      expect(before[0].outcome).toBe('applied');
    });

    it('reports the drift of a user edited in the emulator, and in sync again once OMFLOW pulls', async () => {
      // OMFLOW stops pulling for a moment, so the next pull does not put the edit back before the comparison.
      await omflow('POST', '/pulls/pause');
      const users = await omflow<{ username: string }[]>('GET', '/users');
      const target = users[0].username;
      await omflow('PATCH', `/users/${encodeURIComponent(target)}`, { nick_name: 'Edited in OMFLOW' });
      const run = await fetch(`${bridgeUrl}/api/v1/omflow/reconciliation/run?wait=true`, { method: 'POST', headers: admin });
      expect(run.status).toBe(200);
      const { body: drift } = await reconciliation();
      expect(drift).toMatchObject({ outcome: 'drifted', inSync: false, counts: { users: { drifted: 1, driftByField: { nick_name: 1 } } } });
      expect(drift.samples!.driftedUsers[0]).toMatchObject({
        username: target,
        fields: [expect.objectContaining({ field: 'nick_name', actual: 'Edited in OMFLOW' })],
      });

      await omflow('POST', '/pulls/resume');
      const resumedAt = new Date().toISOString();
      for (let i = 0; ; i += 1) {
        const [latest] = await omflow<PullRecord[]>('GET', '/pulls?limit=1');
        if (latest.started_at > resumedAt && latest.outcome === 'applied') break;
        expect(i).toBeLessThan(100);
        await sleep(100);
      }
      const again = await fetch(`${bridgeUrl}/api/v1/omflow/reconciliation/run?wait=true`, { method: 'POST', headers: admin });
      expect(((await again.json()) as Reconciliation).inSync).toBe(true);
    });
  },
);
