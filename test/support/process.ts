import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import type { DatabaseConfig } from '#app/database';
import { admin, bridgeEnv, GRACE_OFF } from './credentials.js';

/**
 * The real process, as `npm start` runs it: `node dist/apps/bridge/src/main.js`. `npm test`
 * builds first; suites that need it skip themselves (and say why) when it is missing.
 */
export const BRIDGE_MAIN = resolve(import.meta.dirname, '../../dist/apps/bridge/src/main.js');

/** Whether the bridge is built; otherwise logs why the calling suite is skipped. */
export function bridgeBuilt(suite: string): boolean {
  const built = existsSync(BRIDGE_MAIN);
  if (!built) console.warn(`${suite} skipped: ${BRIDGE_MAIN} is missing; run \`npm run build\` (npm test does).`);
  return built;
}

/** A clean environment: none of the developer's bridge variables, no .env (cwd is a fresh directory). */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = {};
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key];
  return { ...env, ...extra };
}

/** The variables that point a bridge process at `database`. */
export function databaseEnv(database: DatabaseConfig): NodeJS.ProcessEnv {
  // Test processes on MySQL publish the bundled sample on purpose.
  return database.url ? { DATABASE_URL: database.url, ALLOW_SAMPLE_ORGANISATION: 'true' } : { SQLITE_PATH: database.sqlitePath };
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A bridge running as a child process. */
export interface BridgeProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<ProcessExit>;
}

export function startBridgeProcess(cwd: string, env: NodeJS.ProcessEnv): BridgeProcess {
  const child = spawn(process.execPath, [BRIDGE_MAIN], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<ProcessExit>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export async function waitUntilReady(url: string, started: BridgeProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null)
      throw new Error(`the bridge exited early:\n${started.stdout()}\n${started.stderr()}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the bridge did not become ready within ${timeoutMs} ms:\n${started.stdout()}\n${started.stderr()}`);
}

/**
 * Starts the built bridge in `cwd` on a free port of 127.0.0.1 as the process suites run it: the
 * administrator's and OMFLOW's credentials, no scheduled or start-up sync, warnings in the log,
 * then `env`. The child goes into `started` at once (for the suite's clean-up, even when it never
 * becomes ready); resolves once it answers ready.
 */
export async function launchBridgeProcess(cwd: string, env: NodeJS.ProcessEnv, started: BridgeProcess[]): Promise<{ child: BridgeProcess; url: string }> {
  const port = await freePort();
  const child = startBridgeProcess(cwd, {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...bridgeEnv({ SYNC_CRON: 'off', SYNC_ON_START: 'false', ...GRACE_OFF, ...env }),
  });
  started.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child);
  return { child, url };
}

/**
 * Asks a bridge process started with SYNC_TEST_CRASH_AT for a run and waits for the process to
 * end: whether it answered first, and how it exited (the hook kills it with SIGKILL).
 */
export async function runUntilCrash(started: { child: BridgeProcess; url: string }): Promise<{ answered: boolean; exit: ProcessExit }> {
  const answer = await fetch(`${started.url}/api/v1/sync/runs?wait=true`, {
    method: 'POST',
    headers: { ...admin, 'Content-Type': 'application/json' },
    body: '{}',
  }).catch(() => null);
  return { answered: answer !== null, exit: await started.child.exited };
}

/** Ends a child that a test left running (SIGKILL: nothing to wait for). */
export async function killProcess(started: BridgeProcess | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  started.child.kill('SIGKILL');
  await started.exited;
}
