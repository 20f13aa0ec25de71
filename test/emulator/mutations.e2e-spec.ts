import type { WorkPlusEmployee, WorkPlusOrganisationFile, WorkPlusOrgNode } from '#app/workplus';
import type { MutationResult } from '../../apps/directory-emulator/src/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from './support.js';

describe('emulator: mutations on command', () => {
  let a: RunningEmulator;
  let b: RunningEmulator;

  beforeAll(async () => {
    [a, b] = await Promise.all([startEmulator({ seed: 11 }), startEmulator({ seed: 11 })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('hires, moves, renames and resigns the asked numbers of people, the same on two emulators with one seed', async () => {
    const before = new Map((await a.get<WorkPlusEmployee[]>('/employees')).body.result.map((e) => [e.id, e]));
    const request = { hire: 3, move: 4, rename: 2, resign: 5 };
    const ra = await a.admin<MutationResult>('POST', '/mutations', request);
    const rb = await b.admin<MutationResult>('POST', '/mutations', request);
    expect(ra.status).toBe(200);
    expect(ra.body).toEqual(rb.body);
    const r = ra.body;
    expect([r.hired.length, r.moved.length, r.renamed.length, r.resigned.length]).toEqual([3, 4, 2, 5]);
    const touched = [...r.moved, ...r.renamed, ...r.resigned].map((x) => x.id);
    expect(new Set(touched).size).toBe(touched.length);

    const after = new Map((await a.get<WorkPlusEmployee[]>('/employees')).body.result.map((e) => [e.id, e]));
    expect(after.size).toBe(before.size + 3);
    for (const h of r.hired) {
      expect(before.has(h.id)).toBe(false);
      expect(after.get(h.id)).toMatchObject({ username: h.username, user_id: h.user_id, locked: false });
      expect(after.get(h.id)!.positions[0].org_id).toBe(h.org_id);
    }
    for (const m of r.moved) {
      expect(m.from_org_id).not.toBe(m.to_org_id);
      const primary = after.get(m.id)!.positions.find((p) => p.primary)!;
      expect(primary.org_id).toBe(m.to_org_id);
      expect(before.get(m.id)!.positions.find((p) => p.primary)!.org_id).toBe(m.from_org_id);
    }
    for (const n of r.renamed) {
      expect(before.get(n.id)).toMatchObject({ username: n.from_username, user_id: n.user_id });
      expect(after.get(n.id)).toMatchObject({ username: n.to_username, user_id: n.user_id });
      expect(n.to_username).not.toBe(n.from_username);
    }
    for (const s of r.resigned) {
      expect(before.get(s.id)!.locked).toBe(false);
      expect(after.get(s.id)!.locked).toBe(true);
      expect(after.get(s.id)!.last_modified).toBeGreaterThan(before.get(s.id)!.last_modified);
    }
    // Everyone else is unchanged.
    const changed = new Set(touched);
    for (const [id, e] of before) if (!changed.has(id)) expect(after.get(id)).toEqual(e);
    // The node counts follow.
    const root = (await a.get<WorkPlusOrgNode>('')).body.result;
    expect(root.all_employee_count).toBe(after.size);
  });

  it('the next batch draws differently; an explicit seed reproduces a batch', async () => {
    const next = await a.admin('POST', '/mutations', { resign: 3 });
    const again = await b.admin('POST', '/mutations', { resign: 3 });
    expect(next.body).toEqual(again.body);
    const seeded = await a.admin<MutationResult>('POST', '/mutations', { rename: 2, seed: 99 });
    expect(seeded.body.seed).toBe(99);
    expect(seeded.body.renamed).toHaveLength(2);
  });

  it('refuses more changes than there are active people, and bad numbers', async () => {
    const res = await a.admin('POST', '/mutations', { resign: 100_000 });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('active employees');
    expect((await a.admin('POST', '/mutations', { hire: -1 })).status).toBe(400);
  });
});

describe('emulator: an organisation loaded from an export file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-org-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the same employees and nodes as the emulator that exported them', async () => {
    const source = await startEmulator({ seed: 5, employees: 80, departments: 12 });
    let exported: WorkPlusOrganisationFile;
    try {
      exported = (await source.admin<WorkPlusOrganisationFile>('GET', '/export?tree=true')).body;
    } finally {
      await source.close();
    }
    expect(exported).toMatchObject({ status: 0, message: 'ok' });
    expect(exported.result).toHaveLength(80);
    expect(exported.tree).toHaveLength(13);
    const file = join(dir, 'org.json');
    writeFileSync(file, JSON.stringify(exported));
    const loaded = await startEmulator({ orgFile: file });
    try {
      const employees = (await loaded.get<WorkPlusEmployee[]>('/employees')).body.result;
      expect(employees).toEqual(exported.result);
      const nodes = (await loaded.get<WorkPlusOrgNode[]>('/list-all')).body.result;
      expect(nodes.map((n: WorkPlusOrgNode) => [n.id, n.path, n.full_name_path, n.type])).toEqual(
        exported.tree!.map((n: WorkPlusOrgNode) => [n.id, n.path, n.full_name_path, n.type]),
      );
    } finally {
      await loaded.close();
    }
  });

  it('takes departments from display_nodes when the file has no tree, and refuses a broken file', async () => {
    const source = await startEmulator({ seed: 6, employees: 30, departments: 5 });
    let exported: WorkPlusOrganisationFile;
    try {
      exported = (await source.admin<WorkPlusOrganisationFile>('GET', '/export')).body;
    } finally {
      await source.close();
    }
    expect(exported.tree).toBeUndefined();
    const file = join(dir, 'no-tree.json');
    writeFileSync(file, JSON.stringify(exported.result));
    const loaded = await startEmulator({ orgFile: file });
    try {
      expect((await loaded.get<WorkPlusEmployee[]>('/employees')).body.result).toEqual(exported.result);
    } finally {
      await loaded.close();
    }
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify({ status: 0, message: 'ok', result: [{ id: 'x', username: 'x', positions: [{ org_id: 'nowhere' }] }] }));
    await expect(startEmulator({ orgFile: broken })).rejects.toThrow(/nowhere/);
  });
});
