/** Longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 3_600_000;

export interface RetryPolicy {
  maxAttempts: number;
  maxAgeMs: number;
  baseDelayMs: number;
}

/**
 * The wait before attempt `attempts + 1` after `attempts` failed ones: the base doubled per
 * failure, capped at an hour, with "equal jitter" (half fixed, half random) so that webhooks
 * failing together do not retry in step.
 */
export function retryDelayMs(attempts: number, baseDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** What follows a failed attempt: the next attempt's time, or null when the notification is abandoned. */
export function nextAttempt(policy: RetryPolicy, attempts: number, createdAt: Date, now: Date, random: () => number = Math.random): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  const next = new Date(now.getTime() + retryDelayMs(attempts, policy.baseDelayMs, random));
  return next.getTime() - createdAt.getTime() > policy.maxAgeMs ? null : next;
}
