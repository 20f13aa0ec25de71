import { createServer } from 'node:net';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessService } from '#app/access';
import { AUTH_REQUIREMENT, type AuthRequirement } from '#app/common';
import { LIVENESS_OPERATION_ID } from '../../apps/bridge/src/health/liveness.js';
import { buildOpenApi } from '../../apps/bridge/src/openapi.js';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';

const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

interface Operation {
  operationId?: string;
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
}

describe.each(testDatabases())('HTTP platform on $kind', (db) => {
  let bridge: RunningBridge;

  beforeAll(async () => {
    bridge = await startBridge(testConfig(await db.create(), { http: { bodyLimit: 4096 } }, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers liveness without credentials', async () => {
    const res = await request(bridge.url).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers liveness from Fastify itself with the bytes and headers Nest gave it, and only to GET and HEAD', async () => {
    const res = await request(bridge.url).get('/health/live/');
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"status":"ok"}');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-length']).toBe('15');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const head = await request(bridge.url).head('/health/live');
    expect(head.status).toBe(200);
    const post = await request(bridge.url).post('/health/live').send({});
    expect(post.status).toBe(404);
    expect(post.body.error).toMatchObject({ code: 'ROUTE.NOT_FOUND', requestId: post.headers['x-request-id'] });
  });

  it('answers readiness with the database up', async () => {
    const res = await request(bridge.url).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('serves Swagger UI offline at /docs', async () => {
    const res = await request(bridge.url).get('/docs/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
    // Every script and stylesheet comes from the bridge itself, not a CDN.
    expect(res.text).not.toMatch(/(src|href)="https?:\/\//);
  });

  it('publishes an OpenAPI 3 document where every operation has a tag, a summary and, unless public, a security scheme', async () => {
    const res = await request(bridge.url).get('/docs-json');
    // On failure, build the document here so that the generator's own error is reported.
    if (res.status !== 200) buildOpenApi(bridge.app);
    expect(res.status).toBe(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, Operation>>;
      components: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(doc.components.schemas).toHaveProperty('ErrorBodyDto');

    // Which routes are public is read from the routes themselves (the guard's metadata), so
    // that an endpoint that forgets its security declaration fails here.
    const reflector = bridge.app.get(Reflector);
    const requirements = new Map<string, AuthRequirement['scheme']>();
    for (const module of bridge.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
        if (!controller) continue;
        const proto = controller.prototype as Record<string, unknown>;
        for (const method of Object.getOwnPropertyNames(proto)) {
          const handler = proto[method];
          if (method === 'constructor' || typeof handler !== 'function') continue;
          const requirement = reflector.getAllAndOverride<AuthRequirement | undefined>(AUTH_REQUIREMENT, [handler, controller]);
          requirements.set(`${controller.name}_${method}`, requirement?.scheme ?? 'bearer');
        }
      }
    }

    // Liveness is served by Fastify itself, public (apps/bridge/src/health/liveness.ts).
    requirements.set(LIVENESS_OPERATION_ID, 'public');

    const problems: string[] = [];
    const schemes = Object.keys(doc.components.securitySchemes ?? {});
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!op.tags?.length) problems.push(`${where} has no tag`);
        if (!op.summary?.trim()) problems.push(`${where} has no summary`);
        const scheme = op.operationId ? requirements.get(op.operationId) : undefined;
        if (scheme === undefined) problems.push(`${where} (${op.operationId}) does not match a controller method`);
        if (scheme === 'public') continue;
        const declared = (op.security ?? []).flatMap((s) => Object.keys(s));
        if (!declared.length) problems.push(`${where} is not public but declares no security scheme`);
        for (const name of declared) if (!schemes.includes(name)) problems.push(`${where} uses the undefined security scheme ${name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses a body larger than BODY_LIMIT with 413 in the error shape', async () => {
    const res = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ name: 'x'.repeat(8000), scopes: ['admin'] });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'REQUEST.TOO_LARGE', message: expect.stringContaining('BODY_LIMIT'), requestId: expect.any(String) } });
  });

  it('answers an unexpected error with INTERNAL and no details', async () => {
    const detail = 'ER_NO_SUCH_TABLE: SELECT secret_digest FROM api_client at /srv/bridge/node_modules/typeorm';
    vi.spyOn(bridge.app.get(AccessService), 'list').mockRejectedValue(new Error(detail));
    const res = await request(bridge.url).get('/api/v1/clients').set(admin);
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal error.', requestId: res.headers['x-request-id'] } });
    expect(res.text).not.toContain('ER_NO_SUCH_TABLE');
    expect(res.text).not.toContain('stack');
  });

  it('answers a thrown non-Error value with INTERNAL too', async () => {
    vi.spyOn(bridge.app.get(AccessService), 'get').mockImplementation(() => {
      // Libraries do throw plain values; the filter must not rely on an Error.
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw 'a string with /etc/secret';
    });
    const res = await request(bridge.url).get('/api/v1/clients/admin').set(admin);
    expect(res.status).toBe(500);
    expect(res.body.error).toEqual({ code: 'INTERNAL', message: 'Internal error.', requestId: expect.any(String) });
  });

  it('keeps a well-formed caller request id and replaces a malformed one', async () => {
    const kept = await request(bridge.url).get('/api/v1/nothing').set(admin).set('x-request-id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    expect(kept.body.error.requestId).toBe('abc-123');
    const replaced = await request(bridge.url).get('/api/v1/nothing').set(admin).set('x-request-id', 'bad id\twith spaces');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe.each(testDatabases())('readiness and shutdown on $kind', (db) => {
  afterAll(() => db.dropAll());

  it('reports not ready (503) when the database does not answer', async () => {
    const bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    try {
      await bridge.app.get<DataSource>(getDataSourceToken()).destroy();
      const res = await request(bridge.url).get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { code: 'SERVICE.UNAVAILABLE', message: 'Not ready: database is down.', requestId: expect.any(String) } });
      expect((await request(bridge.url).get('/health/live')).status).toBe(200);
    } finally {
      await bridge.close().catch(() => undefined);
    }
  });

  it('closes gracefully: app.close() resolves, the database is closed and the port is free again', async () => {
    const bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    const port = Number(new URL(bridge.url).port);
    expect((await request(bridge.url).get('/health/ready')).status).toBe(200);
    const dataSource = bridge.app.get<DataSource>(getDataSourceToken());
    await expect(bridge.close()).resolves.toBeUndefined();
    expect(dataSource.isInitialized).toBe(false);
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  });

  it('does not serve the docs when DOCS_ENABLED is false', async () => {
    const bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, DOCS_ENABLED: 'false' }));
    try {
      expect((await request(bridge.url).get('/docs-json')).status).toBe(404);
      expect((await request(bridge.url).get('/docs/')).status).toBe(404);
    } finally {
      await bridge.close();
    }
  });
});
