import { describe, expect, it } from 'vitest';
import type { UserRecord } from '#app/hr-source';
import { carryPublished, emptyContent } from './content.js';
import { graceMsOf, planGrace, shownStatus, type PendingRemoval } from './deletion-grace.js';

const HOUR = 3_600_000;
const now = new Date('2026-11-30T12:00:00.000Z');

const published = new Map([
  ['k1', { id: 1, username: 'ann' }],
  ['k2', { id: 2, username: 'bob' }],
  ['k3', { id: 3, username: 'cat' }],
  ['k4', { id: 4, username: 'dan' }],
]);

function row(key: string, status: PendingRemoval['status'], dueInHours: number): PendingRemoval {
  const person = published.get(key) ?? { id: 99, username: key };
  return {
    personId: person.id,
    key,
    username: person.username,
    status,
    missingSince: new Date(now.getTime() - HOUR),
    dueAt: new Date(now.getTime() + dueInHours * HOUR),
    runId: 1,
    decidedBy: null,
    decidedAt: null,
    note: null,
  };
}

describe('planGrace', () => {
  it('carries a person found missing for the first time and opens their window (due = now + grace)', () => {
    const plan = planGrace({ published, present: new Set(['k1', 'k2', 'k3']), rows: [], now, graceMs: 24 * HOUR, runId: 7 });
    expect(plan.carry).toEqual(['k4']);
    expect(plan.entered).toEqual([
      {
        personId: 4,
        key: 'k4',
        username: 'dan',
        status: 'pending',
        missingSince: now,
        dueAt: new Date(now.getTime() + 24 * HOUR),
        runId: 7,
        decidedBy: null,
        decidedAt: null,
        note: null,
      },
    ]);
    expect(plan.due).toEqual([]);
  });

  it('keeps carrying a person still in their window, and drops them once it has passed (first time: newly due)', () => {
    const inWindow = planGrace({ published, present: new Set(['k1', 'k2', 'k3']), rows: [row('k4', 'pending', 1)], now, graceMs: HOUR, runId: 8 });
    expect(inWindow).toMatchObject({ carry: ['k4'], entered: [], due: [], newlyDue: [] });
    const past = planGrace({ published, present: new Set(['k1', 'k2', 'k3']), rows: [row('k4', 'pending', -0.001)], now, graceMs: HOUR, runId: 9 });
    expect(past.carry).toEqual([]);
    expect(past.due.map((r) => r.key)).toEqual(['k4']);
    expect(past.newlyDue.map((r) => r.key)).toEqual(['k4']);
    // A row a held run already found due is dropped again, but not notified again.
    const again = planGrace({ published, present: new Set(['k1', 'k2', 'k3']), rows: [row('k4', 'due', -1)], now, graceMs: HOUR, runId: 10 });
    expect(again.due.map((r) => r.key)).toEqual(['k4']);
    expect(again.newlyDue).toEqual([]);
  });

  it('cancels the removal of a person who reappears, whatever its status, and deletes rows of people no longer published', () => {
    const plan = planGrace({
      published,
      present: new Set(['k1', 'k2', 'k3', 'k4']),
      rows: [row('k3', 'pending', 5), row('k4', 'cancelled', 5), row('gone', 'pending', 1)],
      now,
      graceMs: HOUR,
      runId: 11,
    });
    expect(plan.reappeared.map((r) => r.key)).toEqual(['k3', 'k4']);
    expect(plan.stale.map((r) => r.key)).toEqual(['gone']);
    expect(plan).toMatchObject({ carry: [], entered: [], due: [] });
  });

  it('keeps a cancelled removal published, run after run, without a new window', () => {
    const plan = planGrace({ published, present: new Set(['k1', 'k2', 'k3']), rows: [row('k4', 'cancelled', -100)], now, graceMs: HOUR, runId: 12 });
    expect(plan).toMatchObject({ carry: ['k4'], entered: [], due: [], keptByCancel: 1 });
  });

  it('with a window of 0 removes at once: no new row, every pending row due; a cancelled one stays', () => {
    const plan = planGrace({
      published,
      present: new Set(['k1']),
      rows: [row('k2', 'pending', 10), row('k3', 'cancelled', 10)],
      now,
      graceMs: 0,
      runId: 13,
    });
    expect(plan.carry).toEqual(['k3']);
    expect(plan.entered).toEqual([]);
    expect(plan.due.map((r) => r.key)).toEqual(['k2']);
  });
});

describe('shownStatus and graceMsOf', () => {
  it('shows a pending row past its due time as due, and reads decimal hours', () => {
    expect(shownStatus(row('k1', 'pending', 1), now)).toBe('pending');
    expect(shownStatus(row('k1', 'pending', -1), now)).toBe('due');
    expect(shownStatus(row('k1', 'cancelled', -1), now)).toBe('cancelled');
    expect(graceMsOf(24)).toBe(24 * HOUR);
    expect(graceMsOf(0.001)).toBe(3600);
  });
});

describe('carryPublished', () => {
  it('puts the published records into the content, dropping memberships of departments it no longer has', () => {
    const content = emptyContent();
    content.groups.set('D1', { group_no: 'D1', display_name: 'One', parent_group_no: null });
    const record: UserRecord = {
      key: 'k4',
      sourceId: 'e-4',
      username: 'dan',
      email: 'dan@example.test',
      nick_name: null,
      ad_no: null,
      company: null,
      phone1: null,
      phone2: null,
      extension_no: null,
      gender: null,
      groups: ['d1', 'gone'],
    };
    expect(carryPublished(content, new Map([['k4', record]]))).toBe(1);
    expect(content.users.get('k4')).toEqual({ ...record, groups: ['d1'] });
    expect(record.groups).toEqual(['d1', 'gone']);
  });
});
