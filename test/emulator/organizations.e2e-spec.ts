import type { WorkPlusEmployee, WorkPlusOrgNode, WorkPlusOrgTreeNode, WorkPlusPageOrgsResult, WorkPlusPosition, WorkPlusViewResult } from '#app/workplus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from './support.js';

describe('emulator: the organisation calls', () => {
  let em: RunningEmulator;
  let nodes: WorkPlusOrgNode[];

  beforeAll(async () => {
    em = await startEmulator({ employees: 400, departments: 30 });
    nodes = (await em.get<WorkPlusOrgNode[]>('/list-all')).body.result;
  });
  afterAll(() => em?.close());

  it('the root call answers the root CORP node with counts', async () => {
    const { body } = await em.get<WorkPlusOrgNode>('');
    expect(body.status).toBe(0);
    const root = body.result;
    expect(root).toMatchObject({
      type: 'CORP',
      level: 1,
      path: `/${root.id}/`,
      uuid: root.id,
      org_code: 'omflow-demo',
      domain_id: 'omflow',
      name: 'OMFLOW 示例集团',
      full_name_path: '/OMFLOW 示例集团/',
      disabled: false,
      employees: [],
      children: [],
    });
    expect(root.parent_org_id).toBeUndefined();
    expect(root.all_employee_count).toBe(400);
    expect(root.children_count).toBe(nodes.filter((n) => n.parent_org_id === root.id).length);
  });

  it('/list-all lists every node flat in pre-order, with id paths, name paths and parents', () => {
    expect(nodes).toHaveLength(31);
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const seen = new Set<string>();
    for (const n of nodes) {
      if (n.parent_org_id !== undefined) {
        expect(seen.has(n.parent_org_id)).toBe(true);
        const parent = byId.get(n.parent_org_id)!;
        expect(n.path).toBe(`${parent.path}${n.id}/`);
        expect(n.full_name_path).toBe(`${parent.full_name_path}${n.name}/`);
        expect(n.level).toBe(parent.level + 1);
        expect(n.parent_org_name).toBe(parent.name);
      }
      expect(['CORP', 'DEPT']).toContain(n.type);
      seen.add(n.id);
    }
    const depth = Math.max(...nodes.map((n) => n.level));
    expect(depth).toBeGreaterThanOrEqual(3);
    expect(depth).toBeLessThanOrEqual(7);
  });

  it('/list-all?org_id gives the subtree; an unknown node is 208502', async () => {
    const sub = nodes.find((n) => n.level === 2 && n.children_count > 0)!;
    const res = await em.get<WorkPlusOrgNode[]>('/list-all', { org_id: sub.id });
    expect(res.body.result[0].id).toBe(sub.id);
    expect(res.body.result.every((n: WorkPlusOrgNode) => n.path.startsWith(sub.path))).toBe(true);
    expect(res.body.result).toHaveLength(nodes.filter((n) => n.path.startsWith(sub.path)).length);
    expect((await em.get<WorkPlusOrgNode[]>('/list-all', { org_id: 'nope' })).body.status).toBe(208502);
  });

  it('/tree nests the same nodes', async () => {
    const { body } = await em.get<WorkPlusOrgTreeNode>('/tree');
    const flat: WorkPlusOrgTreeNode[] = [];
    const walk = (n: WorkPlusOrgTreeNode): void => {
      flat.push(n);
      expect('employees' in n).toBe(false);
      n.children.forEach(walk);
    };
    walk(body.result);
    expect(flat.map((n) => n.id)).toEqual(nodes.map((n) => n.id));
    const sub = nodes.find((n) => n.level === 2)!;
    expect((await em.get<WorkPlusOrgTreeNode>('/tree', { org_id: sub.id })).body.result.id).toBe(sub.id);
  });

  it('/page-orgs pages through the same nodes with total_count, and filters by kw and refresh_time', async () => {
    const pages: WorkPlusOrgNode[] = [];
    for (let skip = 0; ; skip += 7) {
      const { body } = await em.get<WorkPlusPageOrgsResult>('/page-orgs', { skip, limit: 7 });
      expect(body.result.total_count).toBe(31);
      if (!body.result.records.length) break;
      pages.push(...body.result.records);
    }
    expect(pages.map((n) => n.id)).toEqual(nodes.map((n) => n.id));
    const name = nodes[3].name;
    const kw = await em.get<WorkPlusPageOrgsResult>('/page-orgs', { kw: name });
    expect(kw.body.result.records.every((n: WorkPlusOrgNode) => n.name.includes(name))).toBe(true);
    expect(kw.body.result.total_count).toBe(kw.body.result.records.length);
    const since = [...nodes].sort((a, b) => b.last_modified - a.last_modified)[4].last_modified;
    const recent = await em.get<WorkPlusPageOrgsResult>('/page-orgs', { refresh_time: since });
    expect(recent.body.result.total_count).toBe(nodes.filter((n) => n.last_modified >= since).length);
    expect((await em.get<WorkPlusPageOrgsResult>('/page-orgs', { skip: -1 })).status).toBe(400);
  });

  it('/view answers one node with a page of direct employees and of children, totals to page against', async () => {
    const big = [...nodes].sort((a, b) => b.employee_count - a.employee_count)[0];
    const { body } = await em.get<WorkPlusViewResult>('/view', { org_id: big.id, employee_skip: 0, employee_limit: 5, org_skip: 0, org_limit: 1 });
    expect(body.status).toBe(0);
    expect(body.result).toHaveLength(1);
    const node = body.result[0];
    expect(node).toMatchObject({
      id: big.id,
      employee_count: big.employee_count,
      all_employee_count: big.all_employee_count,
      children_count: big.children_count,
    });
    expect(node.employees).toHaveLength(Math.min(5, big.employee_count));
    expect(node.children).toHaveLength(Math.min(1, big.children_count));
    expect(node.directly_corp).toMatchObject({ type: 'O' });
    for (const e of node.employees) expect(e.positions.some((p: WorkPlusPosition) => p.org_id === big.id)).toBe(true);
    const root = (await em.get<WorkPlusViewResult>('/view')).body.result[0];
    expect(root.level).toBe(1);
    expect(root.children).toHaveLength(root.children_count);
    expect((await em.get<WorkPlusViewResult>('/view', { org_id: 'nope' })).body.status).toBe(208502);
    expect((await em.get<WorkPlusViewResult>('/view', { employee_limit: 'ten' })).status).toBe(400);
    const uncounted = (await em.get<WorkPlusViewResult>('/view', { org_id: big.id, counting: false, employee_limit: 0 })).body.result[0];
    expect(uncounted.all_employee_count).toBe(0);
    expect(uncounted.employees).toEqual([]);
  });

  it('reading every node through /view pages gives exactly the employee list', async () => {
    const everyone = (await em.get<WorkPlusEmployee[]>('/employees')).body.result;
    const seen = new Map<string, WorkPlusEmployee>();
    for (const n of nodes) {
      for (let skip = 0; skip < n.employee_count; skip += 9) {
        const page = (await em.get<WorkPlusViewResult>('/view', { org_id: n.id, employee_skip: skip, employee_limit: 9, org_limit: 0 })).body.result[0];
        expect(page.employees).toHaveLength(Math.min(9, n.employee_count - skip));
        for (const e of page.employees) seen.set(e.id, e);
      }
    }
    expect(seen.size).toBe(everyone.length);
    for (const e of everyone) expect(seen.get(e.id)).toEqual(e);
  });

  it('GET /{id} answers one node; DELETE refuses a node with employees (208507) and deletes an empty one', async () => {
    const withPeople = nodes.find((n) => n.level > 1 && n.all_employee_count > 0)!;
    expect((await em.get<WorkPlusOrgNode>(`/${withPeople.id}`)).body.result).toMatchObject({ id: withPeople.id, path: withPeople.path });
    expect((await em.get('/no-such-node')).body).toMatchObject({ status: 208502 });
    expect((await em.send('DELETE', `/${withPeople.id}`)).body.status).toBe(208507);
    const root = (await em.get<WorkPlusOrgNode>('')).body.result;
    expect((await em.send('DELETE', `/${root.id}`)).body.status).toBe(202013);
    const empty = nodes.find((n) => n.level > 1 && n.all_employee_count === 0);
    if (empty) {
      expect((await em.send('DELETE', `/${empty.id}`)).body).toEqual({ status: 0, message: 'ok', result: {} });
      expect((await em.get<WorkPlusOrgNode>(`/${empty.id}`)).body.status).toBe(208502);
    }
    expect((await em.send('DELETE', '/no-such-node')).body.status).toBe(208502);
  });
});
