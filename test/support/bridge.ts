import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BridgeConfig } from '#app/config';
import type { DatabaseConfig } from '#app/database';
import type { BridgeModuleOptions } from '../../apps/bridge/src/app.module.js';
import { createBridgeApp } from '../../apps/bridge/src/bootstrap.js';
import { testConfig } from './config.js';
import { bridgeEnv } from './credentials.js';

export { admin, bridgeEnv, OMFLOW, OMFLOW_BASIC, TEST_ADMIN_TOKEN } from './credentials.js';

/** A running bridge on a random port of 127.0.0.1, over real HTTP. */
export interface RunningBridge {
  app: NestFastifyApplication;
  config: BridgeConfig;
  url: string;
  adminToken: string;
  /** Everything the admin-token sink received (the printed banner). */
  printed: string[];
  close(): Promise<void>;
}

/** `logDestination` receives the JSON log (with a LOG_LEVEL other than the tests' `silent`). */
export async function startBridge(config: BridgeConfig, options: Pick<BridgeModuleOptions, 'logDestination'> = {}): Promise<RunningBridge> {
  const printed: string[] = [];
  const app = await createBridgeApp(config, { ...options, adminTokenSink: (banner) => printed.push(banner) });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    url: `http://127.0.0.1:${address.port}`,
    adminToken: config.access.adminToken ?? '',
    printed,
    close: () => app.close(),
  };
}

/**
 * A bridge on `database` that the administrator (`admin`) and OMFLOW (`OMFLOW`, HTTP Basic) can
 * call: `startBridge(testConfig(database, overrides, bridgeEnv(env)))`.
 */
export function startBridgeWith(
  database: DatabaseConfig,
  options: { env?: NodeJS.ProcessEnv; overrides?: Parameters<typeof testConfig>[1] } & Pick<BridgeModuleOptions, 'logDestination'> = {},
): Promise<RunningBridge> {
  const { env, overrides, ...start } = options;
  return startBridge(testConfig(database, overrides, bridgeEnv(env)), start);
}
