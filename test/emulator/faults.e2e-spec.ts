import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkPlusOrgNode, WorkPlusPageOrgsResult, WorkPlusViewResult } from '#app/workplus';
import { startEmulator, type Envelope, type RunningEmulator } from './support.js';

describe('emulator: fault injection through /_emulator/faults', () => {
  let em: RunningEmulator;
  let token: string;
  const url = (path: string) => `${em.url}/v1/admin/organizations/omflow-demo${path}${path.includes('?') ? '&' : '?'}access_token=${token}`;

  beforeAll(async () => {
    em = await startEmulator({ employees: 60, departments: 8 });
    token = await em.token();
  });
  afterEach(async () => {
    await em.admin('DELETE', '/faults');
  });
  afterAll(() => em?.close());

  it('reads and replaces the settings; fields left out are 0; bad values are 400', async () => {
    expect((await em.admin('GET', '/faults')).body).toMatchObject({ latency_ms: 0, error_rate: 0, error_count: 0 });
    const set = await em.admin('PUT', '/faults', { error_rate: 0.5 });
    expect(set.body).toMatchObject({ error_rate: 0.5, drop_rate: 0, latency_ms: 0 });
    expect((await em.admin('PUT', '/faults', { error_rate: 2 })).status).toBe(400);
    expect((await em.admin('DELETE', '/faults')).body.error_rate).toBe(0);
  });

  it('adds latency', async () => {
    await em.admin('PUT', '/faults', { latency_ms: 300 });
    const started = performance.now();
    const res = await fetch(url(''));
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('answers HTTP 500 for the next N requests, then recovers', async () => {
    await em.admin('PUT', '/faults', { error_count: 2 });
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(url(''));
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({ status: 500 });
    }
    expect((await fetch(url(''))).status).toBe(200);
    expect((await em.admin<{ faults_fired: { error: number } }>('GET', '/state')).body.faults_fired).toMatchObject({ error: 2 });
  });

  it('a 500 share is drawn deterministically per request', async () => {
    await em.admin('PUT', '/faults', { error_rate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await fetch(url(''))).status);
    const failures = statuses.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
    await em.admin('PUT', '/faults', { error_rate: 0.5 });
    const again: number[] = [];
    for (let i = 0; i < 40; i += 1) again.push((await fetch(url(''))).status);
    expect(again).toEqual(statuses);
  });

  it('drops the connection mid-body', async () => {
    await em.admin('PUT', '/faults', { drop_count: 1 });
    const res = await fetch(url('/employees'));
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(1000);
    await expect(res.text()).rejects.toThrow();
    expect((await fetch(url('/employees'))).status).toBe(200);
  });

  it('sends a body that is not valid JSON', async () => {
    await em.admin('PUT', '/faults', { malformed_count: 1 });
    const res = await fetch(url(''));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    expect(() => void JSON.parse(text)).toThrow();
    expect(JSON.parse(await (await fetch(url(''))).text()).status).toBe(0);
  });

  it('returns a /view page shorter than its totals say', async () => {
    const nodes = ((await (await fetch(url('/list-all'))).json()) as Envelope<WorkPlusOrgNode[]>).result;
    const root = nodes.sort((a, b) => b.employee_count - a.employee_count)[0];
    expect(root.employee_count).toBeGreaterThanOrEqual(4);
    await em.admin('PUT', '/faults', { short_page_count: 1 });
    const short = ((await (await fetch(url(`/view?org_id=${root.id}&employee_skip=0&employee_limit=4`))).json()) as Envelope<WorkPlusViewResult>).result[0];
    expect(short.employee_count).toBe(root.employee_count);
    expect(short.employees.length).toBeLessThan(4);
    const full = ((await (await fetch(url(`/view?org_id=${root.id}&employee_skip=0&employee_limit=4`))).json()) as Envelope<WorkPlusViewResult>).result[0];
    expect(full.employees).toHaveLength(4);
  });

  it('returns a /page-orgs page shorter than total_count says', async () => {
    await em.admin('PUT', '/faults', { short_page_count: 1 });
    const short = ((await (await fetch(url('/page-orgs?skip=0&limit=100'))).json()) as Envelope<WorkPlusPageOrgsResult>).result;
    expect(short.total_count).toBe(9);
    expect(short.records.length).toBeLessThan(9);
  });

  it('empties the smallest department of at least N people consistently: its people answered locked, every count unchanged', async () => {
    const view = async (id: string) =>
      ((await (await fetch(url(`/view?org_id=${id}`))).json()) as Envelope<WorkPlusViewResult>).result[0];
    const before = ((await (await fetch(url('/list-all'))).json()) as Envelope<WorkPlusOrgNode[]>).result;
    const state = await em.admin('PUT', '/faults', { empty_department_size: 3 }).then(() => em.admin('GET', '/state'));
    const emptied = state.body.emptied_department as { id: string; name: string; employees: number };
    expect(emptied.employees).toBeGreaterThanOrEqual(3);
    await em.admin('DELETE', '/faults');
    const home = (await view(emptied.id)).employees.filter((e) => !e.locked && e.positions.some((p) => p.primary && p.org_id === emptied.id));
    expect(home).toHaveLength(emptied.employees);
    await em.admin('PUT', '/faults', { empty_department_size: 3 });
    const node = await view(emptied.id);
    expect(node.name).toBe(emptied.name);
    expect(node.employee_count).toBe(before.find((n) => n.id === emptied.id)!.employee_count);
    const ids = new Set(home.map((e) => e.id));
    expect(node.employees.filter((e) => ids.has(e.id)).every((e) => e.locked)).toBe(true);
    const one = (await (await fetch(url(`/employees/${home[0].id}`))).json()) as Envelope<{ disabled: boolean }>;
    expect(one.result.disabled).toBe(true);
    const after = ((await (await fetch(url('/list-all'))).json()) as Envelope<WorkPlusOrgNode[]>).result;
    expect(after.map((n) => [n.id, n.employee_count, n.all_employee_count])).toEqual(before.map((n) => [n.id, n.employee_count, n.all_employee_count]));
    await em.admin('DELETE', '/faults');
    expect((await view(emptied.id)).employees.filter((e) => ids.has(e.id) && e.locked)).toHaveLength(0);
    expect((await em.admin('PUT', '/faults', { empty_department_size: 10_000 }).then(() => em.admin('GET', '/state'))).body.emptied_department).toBeNull();
  });

  it('start-up options set faults too, and the admin surface is never faulted', async () => {
    const faulty = await startEmulator({ employees: 5, departments: 2, faults: { error_rate: 1 } });
    try {
      const res = await fetch(`${faulty.url}/v1/token`, { method: 'POST' });
      expect(res.status).toBe(500);
      expect((await faulty.admin('GET', '/state')).status).toBe(200);
    } finally {
      await faulty.close();
    }
  });
});
