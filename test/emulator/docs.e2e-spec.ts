import { describe, expect, it } from 'vitest';
import { startEmulator } from './support.js';

describe('emulator: Swagger', () => {
  it('serves Swagger UI at /docs and the OpenAPI document with every call', async () => {
    const em = await startEmulator({ docs: true, employees: 3, departments: 1 });
    try {
      const ui = await fetch(`${em.url}/docs`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain('swagger');
      const doc = (await (await fetch(`${em.url}/docs-json`)).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/v1/token',
          '/v1/admin/organizations/{code}/employees',
          '/v1/admin/organizations/{code}/employees/{employeeId}',
          '/v1/admin/organizations/{code}/employees/{employeeId}/{operation}',
          '/v1/admin/organizations/{code}/import-employees',
          '/v1/admin/organizations/{code}',
          '/v1/admin/organizations/{code}/tree',
          '/v1/admin/organizations/{code}/list-all',
          '/v1/admin/organizations/{code}/page-orgs',
          '/v1/admin/organizations/{code}/view',
          '/v1/admin/organizations/{code}/{id}',
          '/_emulator/faults',
          '/_emulator/mutations',
        ]),
      );
    } finally {
      await em.close();
    }
  });
});
