import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';

const MINUTE_MS = 60_000;
/** Beyond this many tracked IPs, finished windows are swept (memory stays bounded). */
const SWEEP_AT = 10_000;

/**
 * Requests to /authenticate per source IP and minute, in this instance's memory (a fixed
 * window). It is the cheap first gate, before any database or hash work; the shared,
 * persistent defence is the lockout. Written here rather than with @nestjs/throttler because
 * the refusal must stay inside OMFLOW's contract (HTTP 200, `{"status":"fail"}`), and the
 * throttler's options and storage are application-wide.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly limit: number;

  constructor(
    private readonly clock: Clock,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.limit = config.auth.rateLimitPerMinute;
  }

  /** Counts one request; answers the seconds to wait when it is over the limit, else 0. */
  take(ip: string | null): number {
    if (this.limit === 0) return 0;
    const now = this.clock.now();
    const key = ip ?? 'unknown';
    let window = this.windows.get(key);
    if (!window || now - window.start >= MINUTE_MS) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    return window.count > this.limit ? Math.max(1, Math.ceil((window.start + MINUTE_MS - now) / 1000)) : 0;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= MINUTE_MS) this.windows.delete(key);
  }
}
