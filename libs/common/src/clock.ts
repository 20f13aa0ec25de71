import { Global, Injectable, Module } from '@nestjs/common';

/**
 * The time of the bridge's own rules (epoch ms): audit stamps and retention, login lockouts and
 * rate limits, security-code expiry. One provider for all of them, so that a test moves time
 * for every rule at once by replacing `now` (or spying on it).
 */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }

  /** `now()` as a Date. */
  date(): Date {
    return new Date(this.now());
  }
}

/** Provides the one Clock everywhere; imported once, by the composition root. */
@Global()
@Module({ providers: [Clock], exports: [Clock] })
export class ClockModule {}
