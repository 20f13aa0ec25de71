import { describe, expect, it } from 'vitest';
import { EMPLOYEE_ID_PATTERN, ORG_CODE_PATTERN, organizationPath } from './api-paths.js';

describe('paths of the WorkPlus organisation API', () => {
  it('accepts the ids the seed and the emulator produce', () => {
    for (const id of ['fdf82464bba34dc5a86f7af9ee20b3db', '31718', 'E000001', 'no-such_id']) expect(EMPLOYEE_ID_PATTERN.test(id), id).toBe(true);
    for (const code of ['omflow-demo', 'acme', 'acme.cn', 'ORG_1']) expect(ORG_CODE_PATTERN.test(code), code).toBe(true);
  });

  it.each(['', '.', '..', 'a/b', 'a\\b', '%2E%2E', 'a?b', 'a#b', 'a b', '雇员', 'a'.repeat(65), 'a.b'])('refuses the employee id %j', (id) => {
    expect(EMPLOYEE_ID_PATTERN.test(id)).toBe(false);
  });

  it.each(['', '.', '..', 'a/b', '%2E', 'a b', 'a'.repeat(65)])('refuses the organisation code %j', (code) => {
    expect(ORG_CODE_PATTERN.test(code)).toBe(false);
  });

  it('builds a path only from safe parts', () => {
    expect(organizationPath('acme', 'employees', 'fdf82464bba34dc5a86f7af9ee20b3db', 'disable')).toBe(
      '/v1/admin/organizations/acme/employees/fdf82464bba34dc5a86f7af9ee20b3db/disable',
    );
    expect(organizationPath('acme', 'page-orgs')).toBe('/v1/admin/organizations/acme/page-orgs');
    for (const bad of ['..', '.', 'a/b', 'a?b', '%2E%2E', '']) expect(() => organizationPath('acme', 'employees', bad), bad).toThrow(/unsafe/);
    expect(() => organizationPath('..', 'employees')).toThrow(/unsafe/);
  });
});
