import type { WorkPlusDisplayNode, WorkPlusEmployee, WorkPlusEmployeeRecord, WorkPlusImportResult, WorkPlusOrgNode, WorkPlusPosition } from '#app/workplus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from './support.js';

describe('emulator: the employee calls of the contract', () => {
  let em: RunningEmulator;
  let all: WorkPlusEmployee[];
  let root: WorkPlusOrgNode;

  beforeAll(async () => {
    em = await startEmulator();
    all = (await em.get<WorkPlusEmployee[]>('/employees')).body.result;
    root = (await em.get<WorkPlusOrgNode>('')).body.result;
  });
  afterAll(() => em?.close());

  it('lists every employee in the shape of the contract', async () => {
    const { status, body } = await em.get<WorkPlusEmployee[]>('/employees');
    expect(status).toBe(200);
    expect(body.status).toBe(0);
    expect(body.message).toBe('ok');
    expect(body.result).toHaveLength(120);
    const e = body.result[0];
    expect(Object.keys(e).sort()).toEqual(
      [
        'id',
        'type',
        'domain_id',
        'org_code',
        'display_name',
        'name',
        'pinyin',
        'initial',
        'gender',
        'email',
        'mobile',
        'status',
        'sn',
        'user_id',
        'username',
        'nickname',
        'sort_order',
        'senior',
        'locked',
        'employee_rank',
        'tags',
        'tag_names',
        'positions',
        'data_schemas',
        'properties',
        'created',
        'last_modified',
        'root_org_info',
        'platforms',
      ].sort(),
    );
    expect(e).toMatchObject({
      type: 'EMPLOYEE',
      domain_id: 'omflow',
      org_code: 'omflow-demo',
      root_org_info: { id: root.id, name: root.name, type: 'O', path: `/${root.id}/`, display: true },
    });
    const p = e.positions[0];
    expect(Object.keys(p).sort()).toEqual(
      [
        'id',
        'domain_id',
        'code',
        'employee_id',
        'org_id',
        'path',
        'type',
        'job_title',
        'level',
        'primary',
        'chief',
        'display_nodes',
        'full_name_path',
        'org_name',
      ].sort(),
    );
    expect(p.employee_id).toBe(e.id);
    expect(p.path.endsWith(`/${p.org_id}/`)).toBe(true);
    expect(p.display_nodes.map((d: WorkPlusDisplayNode) => d.id)).toEqual(p.path.split('/').filter(Boolean));
    expect(p.display_nodes).toHaveLength(p.level);
    expect(p.full_name_path).toBe(`/${p.display_nodes.map((d: WorkPlusDisplayNode) => d.name).join('/')}/`);
    expect(p.org_name).toBe(p.display_nodes.at(-1)!.name);
  });

  it('matching=true looks up ids (employee or user id) and usernames, in the given order', async () => {
    const [a, b, c] = [all[3], all[10], all[42]];
    const byId = await em.get<WorkPlusEmployee[]>('/employees', { matching: true, query: `${c.id},${a.user_id},nope` });
    expect(byId.body.result.map((e: WorkPlusEmployee) => e.id)).toEqual([c.id, a.id]);
    const byName = await em.get<WorkPlusEmployee[]>('/employees', { matching: true, type: 'username', query: `${b.username}, ${a.username}` });
    expect(byName.body.result.map((e: WorkPlusEmployee) => e.username)).toEqual([b.username, a.username]);
  });

  it('a fuzzy query matches names, pinyin and usernames', async () => {
    const target = all.find((e) => /^[a-z]+$/.test(e.username)) ?? all[0];
    const res = await em.get<WorkPlusEmployee[]>('/employees', { query: target.username.slice(0, 4).toUpperCase() });
    expect(res.body.result.length).toBeGreaterThan(0);
    expect(res.body.result.some((e: WorkPlusEmployee) => e.id === target.id)).toBe(true);
    for (const e of res.body.result) expect(`${e.name}|${e.pinyin}|${e.initial}|${e.username}`.toLowerCase()).toContain(target.username.slice(0, 4));
    const typed = await em.get<WorkPlusEmployee[]>('/employees', { type: 'username', query: target.username });
    expect(typed.body.result.every((e: WorkPlusEmployee) => e.username.includes(target.username))).toBe(true);
  });

  it('org_id gives the node itself, recursion=true its subtree, path the subtree (with a name query)', async () => {
    const nodes = (await em.get<WorkPlusOrgNode[]>('/list-all')).body.result;
    const parent = nodes.find((n) => n.level === 2 && n.all_employee_count > n.employee_count)!;
    const own = await em.get<WorkPlusEmployee[]>('/employees', { org_id: parent.id });
    expect(own.body.result).toHaveLength(parent.employee_count);
    for (const e of own.body.result) expect(e.positions.some((p: WorkPlusPosition) => p.org_id === parent.id)).toBe(true);
    const deep = await em.get<WorkPlusEmployee[]>('/employees', { org_id: parent.id, recursion: true });
    expect(deep.body.result).toHaveLength(parent.all_employee_count);
    for (const e of deep.body.result) expect(e.positions.some((p: WorkPlusPosition) => p.path.startsWith(parent.path))).toBe(true);
    const byPath = await em.get<WorkPlusEmployee[]>('/employees', { path: parent.path.replace(/\/$/, '') });
    expect(byPath.body.result.map((e: WorkPlusEmployee) => e.id).sort()).toEqual(deep.body.result.map((e: WorkPlusEmployee) => e.id).sort());
    const someone = deep.body.result[0];
    const named = await em.get<WorkPlusEmployee[]>('/employees', { path: parent.path, query: someone.name });
    expect(named.body.result.map((e: WorkPlusEmployee) => e.id)).toContain(someone.id);
    expect((await em.get<WorkPlusEmployee[]>('/employees', { org_id: 'no-such-node' })).body.status).toBe(208502);
    expect((await em.get<WorkPlusEmployee[]>('/employees', { path: '/x/y/' })).body.status).toBe(208502);
  });

  it('rejects bad list parameters with a 400 envelope', async () => {
    const res = await em.get<WorkPlusEmployee[]>('/employees', { type: 'email' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 400, message: expect.stringContaining('type') });
    expect((await em.get<WorkPlusEmployee[]>('/employees', { matching: 'yes' })).body.status).toBe(400);
  });

  it('takes list parameters as long as the bridge forwards them, and refuses longer ones (one query DTO in libs/workplus)', async () => {
    const ok = await em.get<WorkPlusEmployee[]>('/employees', { query: 'x'.repeat(10_000), path: `/${'y'.repeat(1998)}/`, org_id: 'z'.repeat(128) });
    expect(ok.body.status).not.toBe(400);
    for (const [name, value] of [
      ['query', 'x'.repeat(10_001)],
      ['path', `/${'y'.repeat(1999)}/`],
      ['org_id', 'z'.repeat(129)],
      ['domain_id', 'd'.repeat(129)],
    ]) {
      const res = await em.get<WorkPlusEmployee[]>('/employees', { [name]: value });
      expect(res.status, name).toBe(400);
      expect(res.body, name).toMatchObject({ status: 400, message: expect.stringContaining(name) });
    }
  });

  let created: WorkPlusEmployeeRecord;

  it('creates an employee by org_path (names) and answers the single-employee shape', async () => {
    const node = all[0].positions[0];
    const res = await em.send<WorkPlusEmployeeRecord>('POST', '/employees', {
      username: 'new.person',
      name: '张三',
      sn: 'IMPL00001',
      mobile: '',
      email: 'new.person@example.com',
      gender: 'male',
      tag_names: [{ group: '分组1', tag: '标签1' }],
      positions: [{ job_title: '测试', org_path: node.full_name_path }],
      password: 'never-stored',
      workPhone: '010-1234',
      unknown_field: 'ignored',
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe(0);
    created = res.body.result;
    expect(created).toMatchObject({
      employee_id: { domain_id: 'omflow', code: 'omflow-demo', id: expect.stringMatching(/^[0-9a-f]{32}$/) },
      name: '张三',
      pinyin: 'zhangsan'.replace('san', ''),
      sn: 'IMPL00001',
      email: 'new.person@example.com',
      sort_order: 999,
      senior: false,
      user: { id: expect.any(String), username: 'new.person', name: '张三', gender: 'male', status: 'confirmed' },
      positions: [
        {
          position_id: { domain_id: 'omflow', code: 'omflow-demo', id: expect.any(String) },
          employee_id: created.employee_id.id,
          org_id: node.org_id,
          path: node.path,
          job_title: '测试',
          primary: true,
          chief: false,
        },
      ],
      rank: 0,
      tags: [1],
      disabled: false,
      deleted: false,
      create_time: expect.any(Number),
      modify_time: expect.any(Number),
    });
    expect(JSON.stringify(created)).not.toContain('never-stored');
    expect(created.extension_profiles).toEqual({ workPhone: '010-1234' });
    // The org_path without the root's name resolves too.
    const relative = node.full_name_path.split('/').filter(Boolean).slice(1).join('/');
    if (relative) {
      const again = await em.send<WorkPlusEmployeeRecord>('POST', '/employees', {
        username: 'rel.path',
        name: 'Rel Path',
        positions: [{ org_path: relative }],
      });
      expect(again.body.result.positions[0].org_id).toBe(node.org_id);
    }
  });

  it('gets the employee back, and finds it in the list', async () => {
    const res = await em.get<WorkPlusEmployeeRecord>(`/employees/${created.employee_id.id}`);
    expect(res.body).toEqual({ status: 0, message: 'ok', result: created });
    const listed = await em.get<WorkPlusEmployee[]>('/employees', { matching: true, type: 'username', query: 'new.person' });
    expect(listed.body.result[0]).toMatchObject({ id: created.employee_id.id, user_id: created.user.id, locked: false, tag_names: ['分组1-标签1'] });
  });

  it('answers 202011 for a taken username or user_id', async () => {
    const body = { username: 'new.person', name: 'X', positions: [{ org_id: root.id }] };
    expect((await em.send<WorkPlusEmployeeRecord>('POST', '/employees', body)).body).toMatchObject({ status: 202011 });
    expect((await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { ...body, username: 'other', user_id: all[0].user_id })).body.status).toBe(202011);
  });

  it('answers 208502 for a position in an unknown node', async () => {
    expect((await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x1', name: 'X', positions: [{ org_id: 'nope' }] })).body.status).toBe(
      208502,
    );
    expect(
      (await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x2', name: 'X', positions: [{ org_path: '/No/Such/' }] })).body.status,
    ).toBe(208502);
  });

  it('validates the create body as the field table says', async () => {
    const missing = await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { name: 'X', positions: [{ org_id: root.id }] });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('username');
    expect((await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x', positions: [{ org_id: root.id }] })).body.message).toContain('name');
    expect((await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x', name: 'X' })).body.message).toContain('positions');
    expect((await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x', name: 'X', positions: [{ job_title: 'a' }] })).body.message).toContain(
      'org_id or org_path',
    );
    expect(
      (await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x', name: 'X', sort_order: 'first', positions: [{ org_id: root.id }] })).body
        .message,
    ).toContain('sort_order');
    expect(
      (await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x', name: 'X', tags: ['a'], positions: [{ org_id: root.id }] })).body.message,
    ).toContain('tags');
    expect(
      (await em.send<WorkPlusEmployeeRecord>('POST', '/employees', { username: 'x', name: 'X', tag_names: [{ group: 'g' }], positions: [{ org_id: root.id }] }))
        .body.message,
    ).toContain('tag');
    expect(
      (
        await em.send<WorkPlusEmployeeRecord>('POST', '/employees', {
          username: 'x',
          name: 'X',
          properties: [{ values: ['v'] }],
          positions: [{ org_id: root.id }],
        })
      ).body.message,
    ).toContain('data_schema_id');
  });

  it('updates an employee: fields and positions replaced, username and ids kept', async () => {
    const id = created.employee_id.id;
    const target = all[5].positions[0];
    const res = await em.send<WorkPlusEmployeeRecord>('POST', `/employees/${id}`, {
      name: '张三丰',
      email: 'zsf@example.com',
      positions: [{ org_id: target.org_id, job_title: 'Lead', chief: true }],
    });
    expect(res.body.status).toBe(0);
    expect(res.body.result).toMatchObject({
      employee_id: { id },
      name: '张三丰',
      email: 'zsf@example.com',
      user: { id: created.user.id, username: 'new.person' },
      positions: [{ org_id: target.org_id, job_title: 'Lead', chief: true, primary: true }],
    });
    expect((await em.send('POST', '/employees/nope', { name: 'X', positions: [{ org_id: root.id }] })).body.status).toBe(202012);
    expect((await em.send<WorkPlusEmployeeRecord>('POST', `/employees/${id}`, { email: 'x' })).status).toBe(400);
  });

  it('disable/lock and enable/unlock set locked; other operations are 202013', async () => {
    const id = created.employee_id.id;
    const locked = async () => (await em.get<WorkPlusEmployee[]>('/employees', { matching: true, query: id })).body.result[0].locked;
    for (const [op, expected] of [
      ['disable', true],
      ['enable', false],
      ['lock', true],
      ['unlock', false],
    ] as const) {
      const res = await em.send('POST', `/employees/${id}/${op}`);
      expect(res.body).toEqual({ status: 0, message: 'ok', result: {} });
      expect(await locked()).toBe(expected);
    }
    expect((await em.send('POST', `/employees/${id}/fire`)).body.status).toBe(202013);
    expect((await em.send('POST', '/employees/nope/lock')).body.status).toBe(202012);
  });

  it('deletes an employee; then it is 202012', async () => {
    const id = created.employee_id.id;
    expect((await em.send('DELETE', `/employees/${id}`)).body).toEqual({ status: 0, message: 'ok', result: {} });
    expect((await em.get<WorkPlusEmployeeRecord>(`/employees/${id}`)).body).toMatchObject({ status: 202012, message: 'employee not found.' });
    expect((await em.send('DELETE', `/employees/${id}`)).body.status).toBe(202012);
  });

  it('imports: creates, updates by username, removes with ops=REMOVE, and reports per-row failures', async () => {
    const node = all[0].positions[0];
    const existing = all[1];
    const victim = all[2];
    const res = await em.send<WorkPlusImportResult>('POST', '/import-employees', [
      {
        username: 'imp.one',
        name: 'Import One',
        email: 'imp.one@example.com',
        positions: [{ jobTitle: '测试', org_path: node.full_name_path.replace(/^\/|\/$/g, '') }],
      },
      { username: existing.username, name: 'Renamed Person', positions: [{ org_id: node.org_id }] },
      { ops: 'REMOVE', username: victim.username },
      { ops: 'REMOVE', username: 'never.there' },
      { username: 'bad.row', positions: [{ org_id: node.org_id }] },
      { username: 'bad.node', name: 'B', positions: [{ org_id: 'nope' }] },
      'not an object',
    ]);
    expect(res.body.status).toBe(0);
    expect(res.body.message).toBe('Everything is ok.');
    const { successes, failures } = res.body.result;
    expect(Object.keys(successes).sort()).toEqual(['imp.one', existing.username, victim.username].sort());
    expect(successes[existing.username]).toBe(existing.id);
    expect(successes[victim.username]).toBe(victim.id);
    expect(Object.keys(failures).sort()).toEqual(['#6', 'bad.node', 'bad.row', 'never.there'].sort());
    expect(failures['bad.row']).toContain('name');
    expect(failures['never.there']).toBe('employee not found.');
    expect(failures['bad.node']).toContain('not found');
    const one = (await em.get<WorkPlusEmployeeRecord>(`/employees/${successes['imp.one']}`)).body.result;
    expect(one.positions[0]).toMatchObject({ org_id: node.org_id, job_title: '测试' });
    expect((await em.get<WorkPlusEmployeeRecord>(`/employees/${existing.id}`)).body.result.name).toBe('Renamed Person');
    expect((await em.get<WorkPlusEmployeeRecord>(`/employees/${victim.id}`)).body.status).toBe(202012);
    expect((await em.send<WorkPlusImportResult>('POST', '/import-employees', { username: 'x' })).status).toBe(400);
  });
});
