import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { CreateEmployeeDto, ImportEmployeeDto, TokenRequestDto, UpdateEmployeeDto } from './index.js';
import { failure, ok, unwrapEnvelope, WorkPlusError } from './envelope.js';
import { WorkPlusCode, workPlusMessage } from './codes.js';
import { normalizePath, parentIdOfPath } from './paths.js';

const problems = (cls: new () => object, body: unknown): string[] =>
  validateSync(plainToInstance<object, unknown>(cls, body), { whitelist: true, forbidNonWhitelisted: true }).flatMap(function flat(e): string[] {
    return [...(e.constraints ? [e.property] : []), ...(e.children ?? []).flatMap(flat).map((c) => `${e.property}.${c}`)];
  });

describe('the WorkPlus envelope and codes', () => {
  it('builds and unwraps envelopes', () => {
    expect(ok([1])).toEqual({ status: 0, message: 'ok', result: [1] });
    expect(failure(WorkPlusCode.TokenNotFound)).toEqual({ status: 10011, message: 'token not found.', result: null });
    expect(unwrapEnvelope({ status: 0, message: 'ok', result: 3 })).toBe(3);
    expect(() => unwrapEnvelope({ status: 202012, message: 'employee not found.', result: null })).toThrow(WorkPlusError);
    expect(() => unwrapEnvelope('<html>')).toThrow('not a WorkPlus envelope');
    try {
      unwrapEnvelope({ status: 208507, message: 'x', result: null });
    } catch (error) {
      expect((error as WorkPlusError).code).toBe(208507);
    }
  });

  it('has the documented codes with messages', () => {
    expect([
      WorkPlusCode.Ok,
      WorkPlusCode.TokenNotFound,
      WorkPlusCode.EmployeeExists,
      WorkPlusCode.EmployeeNotFound,
      WorkPlusCode.UnsupportedOperation,
      WorkPlusCode.OrganizationNotFound,
      WorkPlusCode.OrganizationHasEmployees,
    ]).toEqual([0, 10011, 202011, 202012, 202013, 208502, 208507]);
    expect(workPlusMessage(WorkPlusCode.OrganizationHasEmployees)).toBe('organization still has employees.');
  });

  it('normalises paths', () => {
    expect(normalizePath('a/b')).toBe('/a/b/');
    expect(normalizePath('/a/b/')).toBe('/a/b/');
    expect(parentIdOfPath('/a/b/c/')).toBe('b');
    expect(parentIdOfPath('/a/')).toBeNull();
  });
});

describe('the request DTOs follow the field tables', () => {
  const position = { org_id: 'abc' };

  it('create: username, name and positions are required; types are checked', () => {
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [position] })).toEqual([]);
    expect(problems(CreateEmployeeDto, {})).toEqual(expect.arrayContaining(['name', 'username', 'positions']));
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [] })).toEqual(['positions']);
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [position], birthday: '1990' })).toEqual(['birthday']);
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [position], source_identifiers: { a: 1 } })).toEqual(['source_identifiers']);
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [position], nope: 1 })).toEqual(['nope']);
  });

  it('a position needs org_id or org_path; org_id may be a string or an integer', () => {
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [{ org_path: '/A/B/' }] })).toEqual([]);
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [{ org_id: 12 }] })).toEqual([]);
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [{ job_title: 'x' }] })).toEqual(['positions.0.org_id', 'positions.0.org_path']);
    expect(problems(CreateEmployeeDto, { username: 'u', name: 'N', positions: [{ org_id: 1.5 }] })).toEqual(['positions.0.org_id']);
  });

  it('tags, tag_names and properties', () => {
    const base = { username: 'u', name: 'N', positions: [position] };
    expect(
      problems(CreateEmployeeDto, { ...base, tags: [1, 2], tag_names: [{ group: 'g', tag: 't' }], properties: [{ data_schema_id: 3, values: ['v'] }] }),
    ).toEqual([]);
    expect(problems(CreateEmployeeDto, { ...base, tag_names: [{ group: 'g' }] })).toEqual(['tag_names.0.tag']);
    expect(problems(CreateEmployeeDto, { ...base, properties: [{ data_schema_id: 3, values: [1] }] })).toEqual(['properties.0.values']);
  });

  it('update has no username/password; import rows with ops=REMOVE need only the username', () => {
    expect(problems(UpdateEmployeeDto, { name: 'N', positions: [position] })).toEqual([]);
    expect(problems(UpdateEmployeeDto, { name: 'N', positions: [position], username: 'u' })).toEqual(['username']);
    expect(problems(ImportEmployeeDto, { ops: 'REMOVE', username: 'u' })).toEqual([]);
    expect(problems(ImportEmployeeDto, { username: 'u' })).toEqual(expect.arrayContaining(['name', 'positions']));
    expect(problems(ImportEmployeeDto, { ops: 'DROP', username: 'u', name: 'N', positions: [position] })).toEqual(['ops']);
  });

  it('token request: org_id or owner_id', () => {
    const base = { grant_type: 'client_credentials', scope: 'app', domain_id: 'd', client_id: 'c', client_secret: 's' };
    expect(problems(TokenRequestDto, { ...base, org_id: 'o' })).toEqual([]);
    expect(problems(TokenRequestDto, { ...base, owner_id: 'd' })).toEqual([]);
    expect(problems(TokenRequestDto, base)).toEqual(['org_id', 'owner_id']);
  });
});
