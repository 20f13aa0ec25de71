import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { WorkPlusTokenResult } from '#app/workplus';
import { createEmulatorApp, type EmulatorAppOptions } from '../../apps/directory-emulator/src/bootstrap.js';

export const ORG = 'omflow-demo';
export const CREDENTIALS = {
  grant_type: 'client_credentials',
  scope: 'app',
  domain_id: 'omflow',
  org_id: ORG,
  client_id: 'hr-bridge',
  client_secret: 'hr-bridge-secret',
};

/** A running emulator on a random port of 127.0.0.1, spoken to over real HTTP. */
export interface RunningEmulator {
  app: NestFastifyApplication;
  url: string;
  /** Fetches a fresh token (which invalidates the previous one). */
  token(): Promise<string>;
  /** GET a `/v1/admin/organizations/{ORG}` path with the token and query; the parsed body. */
  get<T = unknown>(path: string, query?: Record<string, string | number | boolean>, token?: string): Promise<{ status: number; body: Envelope<T> }>;
  /** POST/DELETE likewise. */
  send<T = unknown>(method: 'POST' | 'DELETE' | 'PUT', path: string, body?: unknown, token?: string): Promise<{ status: number; body: Envelope<T> }>;
  /** Calls the emulator's `/_emulator/...` surface. */
  admin<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface Envelope<T = unknown> {
  status: number;
  message: string;
  result: T;
}

export async function startEmulator(options: EmulatorAppOptions = {}): Promise<RunningEmulator> {
  const app = await createEmulatorApp({ logger: false, docs: false, employees: 120, departments: 15, seed: 7, ...options });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  let current = '';
  const token = async (): Promise<string> => {
    const res = await fetch(`${url}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CREDENTIALS) });
    const body = (await res.json()) as Envelope<WorkPlusTokenResult>;
    if (body.status !== 0) throw new Error(`token: ${body.status} ${body.message}`);
    current = body.result.access_token;
    return current;
  };
  const orgUrl = (path: string, query: Record<string, string | number | boolean>, tok: string): string => {
    const params = new URLSearchParams({ access_token: tok });
    for (const [k, v] of Object.entries(query)) params.set(k, String(v));
    return `${url}/v1/admin/organizations/${ORG}${path}?${params.toString()}`;
  };
  return {
    app,
    url,
    token,
    async get<T>(path: string, query: Record<string, string | number | boolean> = {}, tok?: string) {
      const res = await fetch(orgUrl(path, query, tok ?? (current || (await token()))));
      return { status: res.status, body: (await res.json()) as Envelope<T> };
    },
    async send<T>(method: 'POST' | 'DELETE' | 'PUT', path: string, body?: unknown, tok?: string) {
      const res = await fetch(orgUrl(path, {}, tok ?? (current || (await token()))), {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Envelope<T> };
    },
    async admin<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) {
      const res = await fetch(`${url}/_emulator${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    },
    close: () => app.close(),
  };
}
