import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#app/config';
import { createBridgeApp } from '../../apps/bridge/src/bootstrap.js';
import { createEmulatorApp, emulatorOptionsFromEnv } from '../../apps/directory-emulator/src/index.js';
import { createOmflowEmulatorApp } from '../../apps/omflow-emulator/src/index.js';
import { omflowEmulatorOptionsFromEnv } from '../../apps/omflow-emulator/src/options.js';
import { composeServices } from '../foundation/compose-file.js';
import type { Reconciliation } from '../support/omflow-emulator.js';
import { freePort } from '../support/process.js';

/**
 * The `demo` profile of docker-compose.yml run without Docker: the three apps started in this
 * process with exactly the variables the file gives each service, except that each listens on a
 * free port of 127.0.0.1 and the service names in their URLs (`http://demo-bridge:8080`) become
 * that address, and the bridge's SQLite file lives in a temporary directory. The loop must close
 * as the profile wires it: the bridge synchronises the directory at start-up, OMFLOW pulls at
 * start-up, and the read-back after that pull reports `inSync: true`. (The profile has no
 * DATABASE_URL: SQLite only.)
 */
describe('the demo profile of docker-compose.yml, run in one process', () => {
  const services = composeServices(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'demo-compose-'));
  const apps: NestFastifyApplication[] = [];
  const ports: Record<string, number> = {};
  const env = (name: string): NodeJS.ProcessEnv => {
    const given = services.get(name)!.environment;
    return Object.fromEntries(
      Object.entries(given).map(([k, v]) => [k, v.replace(/http:\/\/(demo-[a-z]+):\d+/g, (_, host: string) => `http://127.0.0.1:${ports[host]}`)]),
    );
  };
  const token = services.get('demo-bridge')!.environment.BRIDGE_ADMIN_TOKEN;

  beforeAll(async () => {
    for (const name of ['demo-directory', 'demo-bridge', 'demo-omflow']) ports[name] = await freePort();
    const directory = await createEmulatorApp({ ...emulatorOptionsFromEnv(env('demo-directory')).options, logger: false, docs: false });
    apps.push(directory);
    await directory.listen(ports['demo-directory'], '127.0.0.1');
    const bridge = await createBridgeApp(loadBridgeConfig({ ...env('demo-bridge'), SQLITE_PATH: join(dir, 'bridge.sqlite'), LOG_LEVEL: 'silent' }), {
      adminTokenSink: () => undefined,
    });
    apps.push(bridge);
    await bridge.listen(ports['demo-bridge'], '127.0.0.1');
    const omflow = await createOmflowEmulatorApp({ ...omflowEmulatorOptionsFromEnv(env('demo-omflow')).options, logger: false, docs: false });
    apps.push(omflow);
    await omflow.listen(ports['demo-omflow'], '127.0.0.1');
  }, 60_000);
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes the loop: OMFLOW pulls the directory through the bridge, and the read-back after the pull finds it in sync', async () => {
    let last: unknown;
    for (let i = 0; i < 250; i += 1) {
      const res = await fetch(`http://127.0.0.1:${ports['demo-bridge']}/api/v1/omflow/reconciliation`, { headers: { authorization: `Bearer ${token}` } });
      last = await res.json();
      if (res.status === 200 && (last as Reconciliation).trigger === 'after-pull') break;
      await sleep(100);
    }
    const r = last as Reconciliation;
    const pulls = await (await fetch(`http://127.0.0.1:${ports['demo-omflow']}/_omflow/pulls`)).text();
    expect(r, `${JSON.stringify(last)} ${pulls.slice(0, 1500)}`).toMatchObject({ outcome: 'in-sync', inSync: true, trigger: 'after-pull' });
    expect(r.counts!.users.snapshot).toBeGreaterThan(100);
    const state = (await (await fetch(`http://127.0.0.1:${ports['demo-omflow']}/_omflow/state`)).json()) as Record<string, unknown>;
    expect(JSON.stringify(state)).toContain('"applied"');
  }, 30_000);
});
