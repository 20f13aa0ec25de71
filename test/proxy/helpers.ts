import { createServer } from 'node:net';
import request from 'supertest';
import { expect } from 'vitest';
import { admin, type RunningBridge } from '../support/bridge.js';
import type { RunningEmulator } from '../support/emulator.js';

export { admin };

/** Cheap argon2id parameters so that the suite stays fast. */
export const TEST_ARGON2 = { AUTH_ARGON2_MEMORY_KIB: '4096', AUTH_ARGON2_TIME_COST: '2', AUTH_ARGON2_PARALLELISM: '1' };

export interface Envelope<T = unknown> {
  status: number;
  message: string;
  result: T;
}

export interface Answer<T = unknown> {
  http: number;
  body: Envelope<T>;
  text: string;
}

/** A client of the proxy: calls `/v1/admin/organizations/{code}/...` with its secret as `?access_token=`. */
export interface ProxyCaller {
  get<T = unknown>(path: string, query?: Record<string, string>): Promise<Answer<T>>;
  send<T = unknown>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<Answer<T>>;
}

export function caller(bridge: RunningBridge, token: string | null, code: string): ProxyCaller {
  const url = (path: string) => `/v1/admin/organizations/${code}${path}`;
  const auth = (query: Record<string, string> = {}) => (token === null ? query : { ...query, access_token: token });
  return {
    async get<T>(path: string, query: Record<string, string> = {}) {
      const res = await request(bridge.url).get(url(path)).query(auth(query));
      return { http: res.status, body: res.body as Envelope<T>, text: res.text };
    },
    async send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown) {
      const req = method === 'POST' ? request(bridge.url).post(url(path)) : request(bridge.url).delete(url(path));
      const res = await (body === undefined ? req.query(auth()) : req.query(auth()).send(body as object));
      return { http: res.status, body: res.body as Envelope<T>, text: res.text };
    },
  };
}

/** Creates an API client through the admin API and answers its secret. */
export async function newClient(bridge: RunningBridge, id: string, scopes: string[], organisations?: string[]): Promise<string> {
  const res = await request(bridge.url)
    .post('/api/v1/clients')
    .set(admin)
    .send({ id, name: id, scopes, ...(organisations ? { organisations } : {}) });
  expect(res.status).toBe(201);
  return (res.body as { secret: string }).secret;
}

export interface AuditEventJson {
  seq: number;
  action: string;
  outcome: string;
  actor: { kind: string; id: string | null };
  target: { type: string; id: string | null } | null;
  details: Record<string, unknown>;
}

/** Audit events read back through the audit API, newest first. */
export async function auditEvents(bridge: RunningBridge, query: Record<string, string>): Promise<AuditEventJson[]> {
  const res = await request(bridge.url)
    .get('/api/v1/audit/events')
    .set(admin)
    .query({ limit: '500', ...query });
  expect(res.status).toBe(200);
  return (res.body as { items: AuditEventJson[] }).items;
}

export interface ExportedEmployee {
  id: string;
  username: string;
  name: string;
  locked: boolean;
  positions: { org_id: string; path: string }[];
}

/** The emulator's whole organisation (its own admin surface, never faulted). */
export async function exported(emulator: RunningEmulator): Promise<ExportedEmployee[]> {
  const res = await request(emulator.url).get('/_emulator/export');
  return (res.body as Envelope<ExportedEmployee[]>).result;
}

export async function faults(emulator: RunningEmulator, settings: Record<string, number>): Promise<void> {
  await request(emulator.url).put('/_emulator/faults').send(settings).expect(200);
}

/** A TCP port on 127.0.0.1 nobody listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Polls until `check` answers a value (or fails after `ms`). */
export async function eventually<T>(check: () => Promise<T | null | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
