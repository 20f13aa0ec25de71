import { describe, expect, it } from 'vitest';
import { type Counter, EMPTY, reserve, settle } from './lockout-counter.js';

const policy = { threshold: 3, windowMs: 60_000, lockMs: 120_000 };
const NOW = 1_000_000;

/** Reserves `n` attempts one after the other, as parallel requests would under the row lock. */
function reserveMany(counter: Counter, n: number, now = NOW): { counter: Counter; windows: number[]; refused: number } {
  const windows: number[] = [];
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const r = reserve(counter, now, policy);
    if (r.granted) {
      counter = r.next;
      windows.push(r.window);
    } else refused++;
  }
  return { counter, windows, refused };
}

describe('lockout counter', () => {
  it('grants no more than the threshold to attempts in flight together', () => {
    const { counter, windows, refused } = reserveMany(EMPTY, 10);
    expect(windows).toEqual([NOW, NOW, NOW]);
    expect(refused).toBe(7);
    expect(counter).toEqual({ failures: 0, pending: 3, windowStartedAt: NOW, lockedUntil: 0 });
    expect(reserve(counter, NOW, policy)).toEqual({ granted: false, lockedUntil: null });
  });

  it('locks at the threshold-th failure and starts a fresh count with the lock', () => {
    let { counter } = reserveMany(EMPTY, 3);
    const locks: (number | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const s = settle(counter, NOW, 'failed', NOW, policy);
      counter = s.next!;
      locks.push(s.lockedUntil);
    }
    expect(locks).toEqual([null, null, NOW + policy.lockMs]);
    expect(counter).toEqual({ failures: 0, pending: 0, windowStartedAt: NOW, lockedUntil: NOW + policy.lockMs });
    expect(reserve(counter, NOW + policy.lockMs - 1, policy)).toEqual({ granted: false, lockedUntil: NOW + policy.lockMs });
    expect(reserve(counter, NOW + policy.lockMs, policy).granted).toBe(true);
  });

  it('frees a place when the check says nothing about the password, and deletes an empty counter', () => {
    const { counter } = reserveMany(EMPTY, 3);
    const released = settle(counter, NOW, 'released', NOW, policy);
    expect(released).toEqual({ next: { failures: 0, pending: 2, windowStartedAt: NOW, lockedUntil: 0 }, lockedUntil: null });
    expect(reserve(released.next!, NOW, policy).granted).toBe(true);
    const once = reserveMany(EMPTY, 1).counter;
    expect(settle(once, NOW, 'released', NOW, policy).next).toBeNull();
  });

  it('clears the failures on a success but keeps the places of attempts still in flight', () => {
    let { counter } = reserveMany(EMPTY, 3);
    counter = settle(counter, NOW, 'failed', NOW, policy).next!;
    const ok = settle(counter, NOW, 'succeeded', NOW, policy);
    expect(ok.next).toEqual({ failures: 0, pending: 1, windowStartedAt: NOW, lockedUntil: 0 });
    expect(settle(ok.next!, NOW, 'succeeded', NOW, policy).next).toBeNull();
  });

  it('starts a new window once the old one is over; a check that outlasted its window gives back no place there', () => {
    const { counter } = reserveMany(EMPTY, 3);
    const later = NOW + policy.windowMs;
    const r = reserve(counter, later, policy);
    expect(r).toEqual({ granted: true, next: { failures: 0, pending: 1, windowStartedAt: later, lockedUntil: 0 }, window: later });
    const next = r.granted ? r.next : EMPTY;
    // Its failure still counts, in the new window; the new window's place stays taken.
    expect(settle(next, NOW, 'failed', later, policy).next).toEqual({ failures: 1, pending: 1, windowStartedAt: later, lockedUntil: 0 });
    expect(settle(next, NOW, 'released', later, policy).next).toEqual(next);
  });
});
