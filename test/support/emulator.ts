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
  /** A fresh access token of the directory's own API (`POST /v1/token`, client credentials). */
  token(): Promise<string>;
  /** Locks (a leaver) or unlocks employees by id through the directory's own API, as an operator would. */
  operate(ids: readonly string[], operation: 'lock' | 'unlock'): Promise<void>;
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
    token: () => token(url, resolved),
    async operate(ids, operation) {
      const access = await token(url, resolved);
      for (const id of ids) {
        const res = await fetch(`${url}/v1/admin/organizations/${resolved.orgCode}/employees/${id}/${operation}?access_token=${access}`, { method: 'POST' });
        const body = (await res.json()) as { status: number; message?: string };
        if (body.status !== 0) throw new Error(`${operation} ${id}: directory status ${body.status} (${body.message ?? ''})`);
      }
    },
    close: () => app.close(),
  };
}

async function token(url: string, o: { orgCode: string; domainId: string; clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${url}/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', scope: 'app', domain_id: o.domainId, org_id: o.orgCode, client_id: o.clientId, client_secret: o.clientSecret }),
  });
  return ((await res.json()) as { result: { access_token: string } }).result.access_token;
}
