import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, nextAttempt, retryDelayMs } from './retry-policy.js';

describe('retry policy', () => {
  it('doubles the delay per failed attempt, with half of it random, capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000, () => 0))).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 10_000, () => 1))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(40, 10_000, () => 1)).toBe(MAX_RETRY_DELAY_MS);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, 10_000)));
    expect(spread.size).toBeGreaterThan(10);
    for (const delay of spread) expect(delay).toBeGreaterThanOrEqual(20_000);
  });

  it('abandons after the last attempt, or when the next one would come too late', () => {
    const policy = { maxAttempts: 3, maxAgeMs: 60_000, baseDelayMs: 10_000 };
    const created = new Date(0);
    expect(nextAttempt(policy, 1, created, new Date(1000), () => 1)).toEqual(new Date(11_000));
    expect(nextAttempt(policy, 3, created, new Date(1000))).toBeNull();
    expect(nextAttempt(policy, 2, created, new Date(50_000), () => 1)).toBeNull();
  });
});
