import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { USER_FIELDS } from '#app/omflow-contract';
import { mapEmployee } from '../employee-mapper.js';
import { DEFAULT_MAPPING, resolveMapping } from '../mapping.js';
import { PageMapper } from './page-mapper.js';
import { decodeViewPage, type PageMapping } from './view-page.js';

const TOKEN = 'a076994f2253efe6f9a6a47d2bf05021';
/** The worker thread runs the build's file (npm test builds first). */
const built = existsSync(new URL('../../../../dist/libs/hr-source/src/directory/view-page.worker.js', import.meta.url));
if (!built) console.warn('page-mapper.spec: the worker-thread test is skipped: run `npm run build` (npm test does).');
const how: PageMapping = { mapping: DEFAULT_MAPPING, fields: USER_FIELDS };

function employee(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `e${n}`,
    user_id: `u${n}`,
    username: ` user${n} `,
    name: `Person  ${n}`,
    email: `User${n}@Example.com`,
    sn: `SN${n}`,
    gender: n % 2 ? 'MALE' : 'FEMALE',
    mobile: '+86 138-0000-0000',
    locked: false,
    root_org_info: { id: 'root', name: 'ACME' },
    positions: [
      { org_id: 'd2', primary: false, display_nodes: [{ id: 'root', name: 'ACME', path: '/root/' }] },
      { org_id: 'd1', primary: true },
    ],
    ...extra,
  };
}

const bytesOf = (value: unknown): ArrayBuffer => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)).buffer;
const view = (employees: unknown[], message = 'ok'): ArrayBuffer => bytesOf({ status: 0, message, result: [{ id: 'd1', employees }] });

describe('a /view page parsed and mapped away from the main thread', () => {
  let mapper: PageMapper | null = null;
  afterEach(async () => {
    await mapper?.close();
    mapper = null;
  });

  it('maps each employee exactly as the main thread maps a raw employee (users, exclusions, mapping errors)', () => {
    const employees = [employee(1), employee(2, { locked: true }), employee(3, { username: '' }), employee(4, { email: ['x'] })];
    const page = decodeViewPage(view(employees), [], how);
    expect(page.kind).toBe('page');
    if (page.kind !== 'page') return;
    expect(page.count).toBe(4);
    expect(page.missingId).toBe(false);
    expect(page.employees).toEqual(employees.map((e, i) => mapEmployee(e, i + 1, DEFAULT_MAPPING, USER_FIELDS, false)));
    expect(page.employees.map((e) => e.kind)).toEqual(['user', 'excluded', 'failed', 'failed']);
    const [first] = page.employees;
    expect(first.kind === 'user' && first.user).toMatchObject({
      key: 'u1',
      sourceId: 'e1',
      username: 'user1',
      email: 'user1@example.com',
      gender: 'male',
      groups: ['d1', 'd2'],
    });
  });

  it('tells garbage, an error status (scrubbed of the token), a view without employees and an employee without id apart', () => {
    expect(decodeViewPage(bytesOf('<html>502</html>'), [], how)).toEqual({ kind: 'garbage', reason: 'not JSON' });
    expect(decodeViewPage(bytesOf({ status: 0, result: [] }), [], how)).toEqual({ kind: 'garbage', reason: 'not a WorkPlus envelope' });
    expect(decodeViewPage(bytesOf({ status: 10011, message: `token ${TOKEN} not found`, result: null }), [TOKEN], how)).toEqual({
      kind: 'status',
      status: 10011,
      message: 'token [redacted] not found',
    });
    expect(decodeViewPage(bytesOf({ status: 0, message: 'ok', result: [{ id: 'd1' }] }), [], how)).toEqual({ kind: 'no-employees', message: 'ok' });
    expect(decodeViewPage(view([employee(1), { name: 'no id' }]), [], how)).toMatchObject({ kind: 'page', count: 2, missingId: true, employees: [] });
  });

  it.skipIf(!built)('answers the same from its worker thread as on the calling thread, with a custom mapping, and hands the bytes over', async () => {
    const mapping = resolveMapping({ users: { company: { const: 'Fixed Ltd' } }, exclude: [{ field: 'sn', in: ['SN2'] }] });
    mapper = new PageMapper({ mapping, fields: USER_FIELDS });
    expect(mapper.threaded).toBe(true);
    const employees = [employee(1), employee(2), employee(3, { positions: [{}] })];
    const expected = decodeViewPage(view(employees), [], { mapping, fields: USER_FIELDS });
    const bytes = view(employees);
    const pages = await Promise.all([mapper.map(bytes, []), mapper.map(view(employees, `has ${TOKEN}`), [TOKEN])]);
    expect(bytes.byteLength).toBe(0); // moved to the worker, not copied
    expect(pages[0]).toEqual(expected);
    expect(pages[1]).toEqual({ ...expected, message: 'has [redacted]' });
    expect(pages[0].kind === 'page' && pages[0].employees.map((e) => e.kind)).toEqual(['user', 'excluded', 'failed']);
    expect(pages[0].kind === 'page' && pages[0].employees[0].kind === 'user' && pages[0].employees[0].user.company).toBe('Fixed Ltd');
  });

  it('refuses pages once closed', async () => {
    mapper = new PageMapper(how);
    await mapper.close();
    await expect(mapper.map(view([employee(1)]), [])).rejects.toThrow(/closed/);
  });
});
