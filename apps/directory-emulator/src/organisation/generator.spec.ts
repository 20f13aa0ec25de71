import { describe, expect, it } from 'vitest';
import { depthFor, generateOrganisation, OVERLONG_NAME_LENGTH } from './generator.js';
import { pinyinOf } from './names.js';
import { exportOrganisation } from './org-file.js';
import { DirectoryStore } from './store.js';

const levelsOf = (org: ReturnType<typeof generateOrganisation>) => {
  const levels = new Map<string, number>();
  for (const n of org.nodes) levels.set(n.id, n.parentId === null ? 1 : levels.get(n.parentId)! + 1);
  return levels;
};

describe('the organisation generator', () => {
  it('is deterministic: the same seed gives the same organisation, another seed another one', () => {
    const a = generateOrganisation({ employees: 500, departments: 60, seed: 42 });
    const b = generateOrganisation({ employees: 500, departments: 60, seed: 42 });
    const c = generateOrganisation({ employees: 500, departments: 60, seed: 43 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.employees.map((e) => e.id)).not.toEqual(c.employees.map((e) => e.id));
  });

  it('builds N employees over M departments under one root, depth 3..7, parents before children', () => {
    for (const [employees, departments] of [
      [50, 5],
      [2000, 300],
      [3000, 5000],
    ] as const) {
      const org = generateOrganisation({ employees, departments, seed: 3 });
      expect(org.employees).toHaveLength(employees);
      expect(org.nodes).toHaveLength(departments + 1);
      expect(org.nodes.filter((n) => n.parentId === null)).toHaveLength(1);
      const levels = levelsOf(org);
      const depth = Math.max(...levels.values());
      expect(depth).toBe(depthFor(departments));
      expect(depth).toBeGreaterThanOrEqual(3);
      expect(depth).toBeLessThanOrEqual(7);
      const siblings = new Set(org.nodes.map((n) => `${n.parentId}/${n.name}`));
      expect(siblings.size).toBe(org.nodes.length);
    }
  });

  it('skews department sizes, mixes Chinese and Latin names with pinyin, multiple positions, locked people', () => {
    const org = generateOrganisation({ employees: 3000, departments: 200, seed: 9 });
    const sizes = new Map<string, number>();
    for (const e of org.employees) for (const p of e.positions) sizes.set(p.orgId, (sizes.get(p.orgId) ?? 0) + 1);
    const sorted = [...sizes.values()].sort((x, y) => y - x);
    expect(sorted[0]).toBeGreaterThan(10 * sorted[Math.floor(sorted.length / 2)]);
    const chinese = org.employees.filter((e) => /[\u4e00-\u9fff]/.test(e.name));
    expect(chinese.length / 3000).toBeGreaterThan(0.6);
    expect(chinese.length / 3000).toBeLessThan(0.8);
    for (const e of org.employees.slice(0, 200)) {
      expect(e.pinyin).toMatch(/^[a-z]+$/);
      expect(e.initial.length).toBeGreaterThan(0);
      expect(e.pinyin.startsWith(e.initial[0])).toBe(true);
      expect(e.positions.filter((p) => p.primary)).toHaveLength(1);
    }
    expect(pinyinOf('欧阳娜娜')).toEqual({ pinyin: 'ouyangnana', initial: 'onn' });
    expect(pinyinOf('Emma Wilson')).toEqual({ pinyin: 'emmawilson', initial: 'ew' });
    const multi = org.employees.filter((e) => e.positions.length > 1).length;
    expect(multi).toBeGreaterThan(100);
    const locked = org.employees.filter((e) => e.locked).length;
    expect(locked).toBeGreaterThan(30);
    expect(locked).toBeLessThan(200);
    expect(new Set(org.employees.map((e) => e.username)).size).toBe(3000);
    expect(new Set(org.employees.map((e) => e.userId)).size).toBe(3000);
  });

  it('is clean by default: unique e-mails (case-insensitive), none missing, names within 50', () => {
    const org = generateOrganisation({ employees: 2000, departments: 100, seed: 1 });
    const emails = org.employees.map((e) => e.email.toLowerCase());
    expect(emails.every((m) => /^[^@\s]+@example\.com$/.test(m))).toBe(true);
    expect(new Set(emails).size).toBe(emails.length);
    expect(Math.max(...org.employees.map((e) => e.name.length))).toBeLessThanOrEqual(50);
  });

  it('adds the asked share of data problems: duplicate e-mails, missing e-mails, over-long names', () => {
    const org = generateOrganisation({ employees: 1000, departments: 50, seed: 1, dataProblems: 0.03 });
    const emails = org.employees.map((e) => e.email.toLowerCase()).filter(Boolean);
    const duplicates = emails.length - new Set(emails).size;
    const missing = org.employees.filter((e) => !e.email).length;
    const long = org.employees.filter((e) => e.name.length > 50).length;
    expect(duplicates).toBe(10);
    expect(missing).toBe(10);
    expect(long).toBe(10);
    expect(org.employees.find((e) => e.name.length > 50)!.name.length).toBeGreaterThanOrEqual(OVERLONG_NAME_LENGTH);
  });

  it('exports the list envelope with a flat pre-order tree', () => {
    const org = generateOrganisation({ employees: 30, departments: 6, seed: 2 });
    const store = new DirectoryStore(org, 'd', 'c');
    const file = exportOrganisation(store, true);
    expect(file.status).toBe(0);
    expect(file.result).toHaveLength(30);
    expect(file.tree!.map((n) => n.id)).toEqual(org.nodes.map((n) => n.id));
    expect(file.tree![0].all_employee_count).toBe(30);
  });
});
