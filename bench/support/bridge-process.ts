import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { request } from 'undici';

/** A port of 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A child process serving HTTP: the bridge's production entry point, or a bare server of bench/support/bare-http.ts. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

async function waitUntilUp(url: string, path: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      const res = await request(`${url}${path}`);
      await res.body.dump();
      if (res.statusCode < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within 60 s`);
}

async function spawnServer(args: string[], env: NodeJS.ProcessEnv, port: number, probe: string, what: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilUp(url, probe, child, what);
  return {
    url,
    child,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The bridge as production runs it (`node dist/apps/bridge/src/main.js`), with `env` on top of a quiet default. */
export async function startBridgeProcess(env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const port = await freePort();
  // BENCH_NODE_ARGS go to the bridge's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawnServer(
    [...nodeArgs, 'dist/apps/bridge/src/main.js'],
    { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), DOCS_ENABLED: 'false', SYNC_CRON: 'off', SYNC_ON_START: 'false', ...env },
    port,
    '/health/live',
    'The bridge',
  );
}

/** A bare `node:http` server (bench/support/bare-http.ts) in its own process: `mode` and its settings in `env`. */
export async function startBareProcess(mode: 'bytes' | 'sqlite' | 'mysql', env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const port = await freePort();
  return spawnServer(['dist/bench/support/bare-http.js'], { ...process.env, ...env, BARE_MODE: mode, BARE_PORT: String(port) }, port, '/', 'The bare server');
}
