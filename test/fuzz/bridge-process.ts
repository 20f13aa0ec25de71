import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatabaseConfig } from '#app/database';

const ROOT = resolve(import.meta.dirname, '../..');
export const MAIN = join(ROOT, 'dist/apps/bridge/src/main.js');

/**
 * The OpenAPI document needs the Swagger CLI plugin, which only `nest build` runs (vitest's SWC
 * transform does not: in-process, most DTO properties are missing from the document), so the
 * fuzz test drives `dist`, as production runs it. Null when it is built.
 */
export function missingBuild(): string | null {
  return existsSync(MAIN) ? null : `${MAIN} is missing; run \`npm run build\` (npm test does)`;
}

/** Why the build cannot stand for the sources (a source changed since), or null. */
export function staleBuild(): string | null {
  const built = statSync(MAIN).mtimeMs;
  const newer = newestSource(['apps/bridge/src', 'libs']);
  return newer && newer.mtimeMs > built ? `dist is older than ${newer.path}; run \`npm run build\` (npm test does) so that the current code is tested` : null;
}

function newestSource(dirs: string[]): { path: string; mtimeMs: number } | null {
  let newest: { path: string; mtimeMs: number } | null = null;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        const mtimeMs = statSync(path).mtimeMs;
        if (!newest || mtimeMs > newest.mtimeMs) newest = { path: path.slice(ROOT.length + 1), mtimeMs };
      }
    }
  };
  for (const dir of dirs) walk(join(ROOT, dir));
  return newest;
}

export interface BridgeProcess {
  url: string;
  /** Everything the process wrote, for the report of a failure. */
  output(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** `node dist/apps/bridge/src/main.js` on `database`, in a fresh working directory, with only `env` set. */
export async function startBridgeProcess(database: DatabaseConfig, env: NodeJS.ProcessEnv): Promise<BridgeProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cwd = mkdtempSync(join(tmpdir(), 'bridge-fuzz-'));
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...(database.url ? { DATABASE_URL: database.url } : { SQLITE_PATH: database.sqlitePath }),
      ...env,
    },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the bridge exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the bridge did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
