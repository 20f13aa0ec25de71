import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BRIDGE_MAIN as MAIN, bridgeBuilt, cleanEnv, freePort, startBridgeProcess as start, waitUntilReady } from '../support/process.js';

/** The real process, as `npm start` runs it (see test/support/process.ts). */
const built = bridgeBuilt('test/foundation/process.e2e-spec.ts');

const BANNER = 'an admin token was generated';

describe.skipIf(!built)('the bridge process (node dist/apps/bridge/src/main.js)', () => {
  const dirs: string[] = [];
  const workdir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-process-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 1 with exactly one line on stderr for a bad variable', () => {
    const result = spawnSync(process.execPath, [MAIN], { cwd: workdir(), env: cleanEnv({ PORT: 'abc' }), encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('Configuration error: PORT must be an integer between 0 and 65535 (got "abc")\n');
    expect(result.stdout).toBe('');
  });

  it('refuses a cron expression out of range before anything starts: one line, no stack trace, no admin token printed', () => {
    const result = spawnSync(process.execPath, [MAIN], { cwd: workdir(), env: cleanEnv({ SYNC_CRON: '99 * * * *' }), encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('Configuration error: SYNC_CRON must be a valid cron expression, or off: Field value (99) is out of range (got "99 * * * *")\n');
    expect(result.stdout).toBe('');
  });

  it('does not echo a secret in its configuration error', () => {
    const secret = 'too-short-secret';
    const result = spawnSync(process.execPath, [MAIN], { cwd: workdir(), env: cleanEnv({ BRIDGE_ADMIN_TOKEN: secret }), encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('Configuration error: BRIDGE_ADMIN_TOKEN must be at least 32 characters long\n');
  });

  it('starts on SQLite, prints the generated admin token once, serves /docs and readiness, and stops on SIGTERM', async () => {
    const cwd = workdir();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };

    const first = start(cwd, env);
    try {
      await waitUntilReady(url, first);
      expect(first.stdout().split(BANNER)).toHaveLength(2);
      // Printed once the service is up: after the line that says where it listens.
      expect(first.stdout().indexOf('OMFLOW HR Bridge listening on')).toBeGreaterThanOrEqual(0);
      expect(first.stdout().indexOf('OMFLOW HR Bridge listening on')).toBeLessThan(first.stdout().indexOf(BANNER));
      const token = /^ {3}(hrb_[A-Za-z0-9_-]{43})$/m.exec(first.stdout())?.[1];
      expect(token).toBeDefined();
      const whoami = await fetch(`${url}/api/v1/whoami`, { headers: { Authorization: `Bearer ${token}` } });
      expect(whoami.status).toBe(200);
      const docs = await fetch(`${url}/docs/`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger-ui');
      expect(existsSync(join(cwd, 'data', 'bridge.sqlite'))).toBe(true);
    } finally {
      first.child.kill('SIGTERM');
    }
    const stopped = await first.exited;
    // Nest closes the application, then re-raises the signal.
    expect(stopped.code === 0 || stopped.signal === 'SIGTERM', JSON.stringify(stopped)).toBe(true);
    expect(first.stderr()).toBe('');

    const second = start(cwd, env);
    try {
      await waitUntilReady(url, second);
      expect(second.stdout()).not.toContain(BANNER);
      expect(second.stdout()).not.toMatch(/hrb_[A-Za-z0-9_-]{43}/);
    } finally {
      second.child.kill('SIGTERM');
    }
    await second.exited;
  });

  it('prints a generated admin token with the failure when the start fails after generating it (the port is taken)', async () => {
    const cwd = workdir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      const failed = start(cwd, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
      const exit = await failed.exited;
      expect(exit.code).toBe(1);
      expect(failed.stderr()).toMatch(/EADDRINUSE/);
      expect(failed.stdout()).not.toContain('OMFLOW HR Bridge listening on');
      // Shown once only: without it here, no one could ever use the generated admin.
      expect(failed.stdout().split(BANNER)).toHaveLength(2);
      expect(failed.stdout()).toMatch(/^ {3}hrb_[A-Za-z0-9_-]{43}$/m);
    } finally {
      blocker.close();
    }
  });
});
