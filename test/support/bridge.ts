import type { NestExpressApplication } from '@nestjs/platform-express';
import type { BridgeConfig } from '#app/config';
import type { BridgeModuleOptions } from '../../apps/bridge/src/app.module.js';
import { createBridgeApp } from '../../apps/bridge/src/bootstrap.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

/** A running bridge on a random port of 127.0.0.1, over real HTTP. */
export interface RunningBridge {
  app: NestExpressApplication;
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
