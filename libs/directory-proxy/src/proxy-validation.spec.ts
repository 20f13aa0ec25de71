import { describe, expect, it } from 'vitest';
import { validateCreate, validateImportRows, validateUpdate } from './proxy-validation.js';

const position = { org_path: '/Acme/Sales/', job_title: '销售' };

describe('proxy validation (the seed field tables through the #app/workplus DTOs)', () => {
  it('accepts the seed example and forwards it without the URL parameters', () => {
    const body = {
      username: 'xxxxxxx',
      name: 'xxxxxxx',
      sn: 'IMPL00001',
      mobile: '',
      email: '1231414324@qq.com',
      positions: [position],
      access_token: 'x',
      org_code: 'acme',
    };
    const checked = validateCreate(body, 'acme');
    expect(checked.ok).toBe(true);
    if (checked.ok)
      expect(checked.plain).toEqual({ username: 'xxxxxxx', name: 'xxxxxxx', sn: 'IMPL00001', mobile: '', email: '1231414324@qq.com', positions: [position] });
  });

  it.each([
    ['a missing name', { username: 'u', positions: [position] }, 'name'],
    ['a missing username', { name: 'n', positions: [position] }, 'username'],
    ['empty positions', { username: 'u', name: 'n', positions: [] }, 'positions'],
    ['a position with neither org_id nor org_path', { username: 'u', name: 'n', positions: [{ primary: true }] }, 'positions[0].org_id'],
    ['a non-integer sort order', { username: 'u', name: 'n', positions: [position], sort_order: 1.5 }, 'sort_order'],
    ['a birthday as text', { username: 'u', name: 'n', positions: [position], birthday: '1990-01-01' }, 'birthday'],
    ['source_identifiers with a number', { username: 'u', name: 'n', positions: [position], source_identifiers: { a: 1 } }, 'source_identifiers'],
    ['an unknown nested field', { username: 'u', name: 'n', positions: [{ ...position, orgPath: 'x' }] }, 'positions[0].orgPath'],
    ['an empty password', { username: 'u', name: 'n', positions: [position], password: '' }, 'password'],
    ['a password of 1025 characters', { username: 'u', name: 'n', positions: [position], password: 'x'.repeat(1025) }, 'password'],
    ['another organisation in org_code', { username: 'u', name: 'n', positions: [position], org_code: 'other' }, 'org_code'],
  ])('refuses %s', (_what, body, field) => {
    const checked = validateCreate(body, 'acme');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.fields.map((f) => f.field)).toContain(field);
  });

  it('refuses a password and a username in an update (the update table has neither)', () => {
    const checked = validateUpdate({ name: 'n', positions: [position], password: 'p', username: 'u' }, 'acme');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.fields.map((f) => f.field).sort()).toEqual(['password', 'username']);
  });

  it('checks import rows one by one, keyed by username or #index, refusing duplicated usernames', () => {
    const rows = validateImportRows(
      [
        { username: 'a', name: 'A', positions: [{ jobTitle: '测试', org_path: 'AAA/BBB/CCC' }] },
        { ops: 'REMOVE', username: 'b' },
        { name: 'no username', positions: [position] },
        { username: 'c', name: 'C', positions: [position] },
        { username: 'c', name: 'C again', positions: [position] },
        { ops: 'DROP', username: 'd' },
        'not an object',
      ],
      'acme',
    );
    expect(rows.map((r) => [r.key, r.ok])).toEqual([
      ['a', true],
      ['b', true],
      ['#2', false],
      ['c', false],
      ['c', false],
      ['d', false],
      ['#6', false],
    ]);
    const c = rows[3];
    if (!c.ok) expect(c.message).toMatch(/rows 3, 4/);
  });
});
