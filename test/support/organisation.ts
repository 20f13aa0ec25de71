import { writeFileSync } from 'node:fs';

/** A small organisation in the directory's list format, for tests that need exact control. */
export interface TestDepartment {
  id: string;
  name: string;
  parent: string | null;
}

export interface TestPerson {
  userId: string;
  username: string;
  email?: string | null;
  name?: string;
  sn?: string;
  mobile?: string;
  gender?: 'MALE' | 'FEMALE';
  locked?: boolean;
  /** Department ids; the first is the primary position. */
  departments: string[];
}

export const DEPARTMENTS: TestDepartment[] = [
  { id: 'root', name: 'ACME', parent: null },
  { id: 'rd', name: '研发中心', parent: 'root' },
  { id: 'rd-web', name: 'Web', parent: 'rd' },
  { id: 'sales', name: 'Sales', parent: 'root' },
];

function pathOf(id: string, departments: TestDepartment[]): TestDepartment[] {
  const chain: TestDepartment[] = [];
  for (let at = departments.find((d) => d.id === id); at; at = departments.find((d) => d.id === at.parent)) chain.unshift(at);
  return chain;
}

export function employee(person: TestPerson, departments: TestDepartment[] = DEPARTMENTS): Record<string, unknown> {
  return {
    id: `emp-${person.userId}`,
    type: 'EMPLOYEE',
    domain_id: 'test',
    org_code: 'acme',
    display_name: person.name ?? person.username,
    name: person.name ?? person.username,
    gender: person.gender ?? 'MALE',
    email: person.email === undefined ? `${person.username}@acme.test` : person.email,
    status: 'ACTIVATED',
    sn: person.sn ?? `SN-${person.userId}`,
    user_id: person.userId,
    username: person.username,
    mobile: person.mobile ?? '13800000000',
    locked: person.locked ?? false,
    positions: person.departments.map((dept, i) => {
      const chain = pathOf(dept, departments);
      return {
        id: `pos-${person.userId}-${i}`,
        org_id: dept,
        path: `/${chain.map((d) => d.id).join('/')}/`,
        job_title: 'Engineer',
        primary: i === 0,
        display_nodes: chain.map((d, j) => ({
          id: d.id,
          name: d.name,
          type: j === 0 ? 'CORP' : 'DEPT',
          path: `/${chain
            .slice(0, j + 1)
            .map((x) => x.id)
            .join('/')}/`,
          display: true,
        })),
      };
    }),
    root_org_info: { id: 'root', name: 'ACME', type: 'O', path: '/root/', display: true },
  };
}

/** `count` people spread over the departments, user ids p1…pN. */
export function people(count: number): TestPerson[] {
  const depts = ['rd', 'rd-web', 'sales'];
  return Array.from({ length: count }, (_, i) => ({ userId: `p${i + 1}`, username: `user${i + 1}`, departments: [depts[i % depts.length]] }));
}

export function writeOrganisation(path: string, persons: TestPerson[], departments: TestDepartment[] = DEPARTMENTS, withTree = true): void {
  const body: Record<string, unknown> = { status: 0, message: 'ok', result: persons.map((p) => employee(p, departments)) };
  if (withTree) {
    body.tree = departments.map((d) => ({
      id: d.id,
      name: d.name,
      path: `/${pathOf(d.id, departments)
        .map((x) => x.id)
        .join('/')}/`,
    }));
  }
  writeFileSync(path, JSON.stringify(body));
}
