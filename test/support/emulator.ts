import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEmulatorApp, type EmulatorAppOptions } from '../../apps/directory-emulator/src/index.js';

/** A directory emulator on a random port of 127.0.0.1 (real HTTP). */
export interface RunningEmulator {
  app: NestFastifyApplication;
  url: string;
  orgCode: string;
  clientId: string;
  clientSecret: string;
  domainId: string;
  /** The bridge's environment to read this emulator. */
  bridgeEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorAppOptions = {}): Promise<RunningEmulator> {
  const resolved = {
    orgCode: 'acme',
    domainId: 'acme-domain',
    clientId: 'bridge-app',
    clientSecret: 'bridge-app-secret',
    logger: false,
    docs: false,
    ...options,
  };
  const app = await createEmulatorApp(resolved);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    orgCode: resolved.orgCode,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
    domainId: resolved.domainId,
    bridgeEnv: (extra = {}) => ({
      HR_SOURCE: 'directory',
      DIRECTORY_URL: url,
      DIRECTORY_ORG_CODE: resolved.orgCode,
      DIRECTORY_DOMAIN_ID: resolved.domainId,
      DIRECTORY_CLIENT_ID: resolved.clientId,
      DIRECTORY_CLIENT_SECRET: resolved.clientSecret,
      DIRECTORY_RETRIES: '2',
      DIRECTORY_TIMEOUT_MS: '1000',
      DIRECTORY_PAGE_SIZE: '50',
      ...extra,
    }),
    close: () => app.close(),
  };
}
