import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';

interface Response {
  description?: string;
  content?: Record<string, { schema?: Record<string, unknown> }>;
}
interface Operation {
  parameters?: unknown[];
  responses: Record<string, Response>;
}
type Paths = Record<string, Record<string, Operation>>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });

/** The statuses each operation can answer are documented, with the body of its surface (test/fuzz checks the answers themselves). */
describe.each(testDatabases().slice(0, 1))('the OpenAPI document documents every status of every operation ($kind)', (db) => {
  let bridge: RunningBridge;
  let paths: Paths;
  const operations = (filter: (path: string) => boolean) =>
    Object.entries(paths)
      .filter(([path]) => filter(path))
      .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ where: `${method.toUpperCase()} ${path}`, method, op })));

  beforeAll(async () => {
    bridge = await startBridge(testConfig(await db.create(), {}, { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
    paths = (await request(bridge.url).get('/docs-json')).body.paths as Paths;
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('describes the bearer credential as the opaque hrb_ token it is (not a JWT), and carries the version of package.json', async () => {
    const doc = (await request(bridge.url).get('/docs-json')).body as {
      info: { version: string };
      components: { securitySchemes: Record<string, { scheme?: string; bearerFormat?: string }> };
    };
    const bearer = Object.values(doc.components.securitySchemes).find((scheme) => scheme.scheme === 'bearer');
    expect(bearer?.bearerFormat).toBeDefined();
    expect(bearer?.bearerFormat).not.toMatch(/JWT/i);
    expect(bearer?.bearerFormat).toContain('hrb_');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('documents the 403 envelope of the security-code call in its GET and POST forms alike', () => {
    const forms = paths['/accounts/api/security/get'];
    for (const method of ['get', 'post']) expect(forms[method].responses['200'].description, method).toMatch(/"status":403/);
    expect(forms.post.responses['200']).toEqual(forms.get.responses['200']);
  });

  it("the bridge's own API: 400 where a parameter or a body is read, 413 where a body is read, every error in its JSON shape", () => {
    const own = operations((path) => path.startsWith('/api/v1') || path.startsWith('/health') || path === '/metrics');
    expect(own.length).toBeGreaterThan(25);
    for (const { where, method, op } of own) {
      const readsBody = method !== 'get';
      if (readsBody || op.parameters?.length) expect(op.responses, where).toHaveProperty('400');
      if (readsBody) expect(op.responses, where).toHaveProperty('413');
      else expect(op.responses, where).not.toHaveProperty('413');
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(response.content, `${where} ${status}`).toEqual(json(ref('ErrorBodyDto')));
      }
    }
    expect(paths['/health/live'].get.responses).not.toHaveProperty('400');
    expect(paths['/health/ready'].get.responses['503'].content).toEqual(json(ref('ErrorBodyDto')));
    expect(paths['/metrics'].get.responses['200'].content).toEqual({ 'text/plain': { schema: { type: 'string' } } });
    expect(paths['/api/v1/audit/export'].get.responses['401'].content).toEqual(json(ref('ErrorBodyDto')));
    expect(paths['/api/v1/snapshots/{id}/publish'].post.responses['200'].content).toEqual(json(ref('RepublishedDto')));
  });

  it('the query API: HTTP 200 only, the success envelope or the error envelope', () => {
    const query = operations((path) => path.startsWith('/rest/') || path.startsWith('/accounts/'));
    expect(query).toHaveLength(5);
    for (const { where, op } of query) {
      expect(Object.keys(op.responses), where).toEqual(['200']);
      const oneOf = (op.responses['200'].content?.['application/json']?.schema?.oneOf ?? []) as unknown[];
      expect(oneOf, where).toHaveLength(2);
      expect(oneOf[1], where).toEqual(ref('OmflowErrorEnvelopeDto'));
    }
  });

  it("the directory proxy: HTTP 200 with the call's envelope or the directory's refusal, and the bridge's errors in the WorkPlus envelope", () => {
    const proxy = operations((path) => path.startsWith('/v1/admin/organizations'));
    expect(proxy).toHaveLength(7);
    for (const { where, method, op } of proxy) {
      const expected = ['200', '400', '401', '403', '404', ...(method === 'get' ? [] : ['413']), '502', '503', '504'];
      expect(Object.keys(op.responses).sort(), where).toEqual(expected);
      const oneOf = (op.responses['200'].content?.['application/json']?.schema?.oneOf ?? []) as unknown[];
      expect(oneOf, where).toEqual([expect.objectContaining({ $ref: expect.stringMatching(/AnswerDto$/) }), ref('WorkPlusEnvelopeDto')]);
      for (const status of expected.slice(1))
        expect(op.responses[status].content?.['application/json']?.schema, `${where} ${status}`).toEqual(ref('WorkPlusEnvelopeDto'));
    }
  });

  it('OMFLOW /sync and /authenticate: HTTP 200 for every answer of the contract, 304 for an unchanged /sync', () => {
    expect(Object.keys(paths['/sync'].post.responses).sort()).toEqual(['200', '304', '401', '403']);
    expect(Object.keys(paths['/authenticate'].post.responses).sort()).toEqual(['200', '401', '403']);
  });
});
