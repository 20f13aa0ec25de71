/**
 * The arithmetic of one failed-login counter (a username or a source IP), apart from the SQL
 * that keeps it: the service locks the row, asks these functions, and writes their answer.
 *
 * An attempt takes its place (`pending`) BEFORE its password is checked, and only while
 * `failures + pending` is under the threshold; the check then turns the place into a failure or
 * gives it back. So however many attempts arrive at once, on however many instances, no more
 * than the threshold are ever checked in one window, and the threshold-th failure locks.
 */

export interface Counter {
  /** Failures counted in the current window (reset when a lock starts). */
  failures: number;
  /** Attempts reserved and being checked now. */
  pending: number;
  /** Epoch ms; 0 for a counter that never counted. Also names the window a reservation was made in. */
  windowStartedAt: number;
  /** Epoch ms; the counter refuses every attempt until then. */
  lockedUntil: number;
}

export interface CounterPolicy {
  threshold: number;
  windowMs: number;
  lockMs: number;
}

/** What became of a reserved attempt. */
export type Settlement =
  /** The password was wrong (or the user may not log in): counted, and may lock. */
  | 'failed'
  /** The check said nothing about the password (upstream down, must change): not counted. */
  | 'released'
  /** A good login: the count starts again. */
  | 'succeeded';

export type Reserved = { granted: true; next: Counter; window: number } | { granted: false; lockedUntil: number | null };

/** A counter with nothing counted, in flight or locked is no counter: its row is deleted. */
export const EMPTY: Counter = { failures: 0, pending: 0, windowStartedAt: 0, lockedUntil: 0 };

/**
 * Whether one more attempt may be checked now. Refused while locked (`lockedUntil` set), or
 * while failures and attempts in flight together reach the threshold (`lockedUntil` null: the
 * allowance is taken, and the attempts in flight will lock or free it).
 */
export function reserve(counter: Counter, now: number, policy: CounterPolicy): Reserved {
  if (counter.lockedUntil > now) return { granted: false, lockedUntil: counter.lockedUntil };
  if (counter.windowStartedAt <= now - policy.windowMs) {
    // A new window: what was counted or reserved in the old one no longer counts.
    return { granted: true, next: { failures: 0, pending: 1, windowStartedAt: now, lockedUntil: counter.lockedUntil }, window: now };
  }
  if (counter.failures + counter.pending >= policy.threshold) return { granted: false, lockedUntil: null };
  return { granted: true, next: { ...counter, pending: counter.pending + 1 }, window: counter.windowStartedAt };
}

/**
 * The counter once a reservation made in `window` is settled; null when nothing is left to
 * keep. A reservation whose window has since been restarted (a check that outlasted the window)
 * has no place left to give back; its failure still counts, in the window running now.
 */
export function settle(
  counter: Counter,
  window: number,
  outcome: Settlement,
  now: number,
  policy: CounterPolicy,
): { next: Counter | null; lockedUntil: number | null } {
  const mine = counter.windowStartedAt === window && counter.pending > 0;
  const pending = mine ? counter.pending - 1 : counter.pending;
  let next: Counter;
  let lockedUntil: number | null = null;
  switch (outcome) {
    case 'released':
      next = { ...counter, pending };
      break;
    case 'succeeded':
      next = { ...counter, failures: 0, pending };
      break;
    case 'failed': {
      const failures = counter.failures + 1;
      if (failures >= policy.threshold && counter.lockedUntil <= now) {
        // A fresh count starts with the lock: after it expires, the full threshold again. Nothing
        // else is in flight here: failures + pending do not exceed the threshold.
        lockedUntil = now + policy.lockMs;
        next = { failures: 0, pending, windowStartedAt: now, lockedUntil };
      } else {
        next = { ...counter, failures, pending };
      }
      break;
    }
  }
  const empty = next.failures === 0 && next.pending === 0 && next.lockedUntil <= now;
  return { next: empty ? null : next, lockedUntil };
}
