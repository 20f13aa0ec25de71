import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DatabaseConfig } from '#app/database';
import { BRIDGE_MAIN as MAIN, databaseEnv, freePort, killProcess, startBridgeProcess as startProcess, waitUntilReady } from '../support/process.js';

const ROOT = resolve(import.meta.dirname, '../..');

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

/** `node dist/apps/bridge/src/main.js` on `database`, in a fresh working directory, with only `env` set. */
export async function startBridgeProcess(database: DatabaseConfig, env: NodeJS.ProcessEnv): Promise<BridgeProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = startProcess(mkdtempSync(join(tmpdir(), 'bridge-fuzz-')), { PORT: String(port), HOST: '127.0.0.1', ...databaseEnv(database), ...env });
  try {
    await waitUntilReady(url, started);
  } catch (error) {
    await killProcess(started);
    throw error;
  }
  return {
    url,
    output: () => `${started.stdout()}${started.stderr()}`,
    stop: async () => {
      if (started.child.exitCode === null) started.child.kill('SIGTERM');
      await started.exited;
    },
  };
}
