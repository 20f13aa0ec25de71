import { Injectable } from '@nestjs/common';

/** The time security codes are issued and expire by; a seam for tests of expiry and renewal. */
@Injectable()
export class QueryClock {
  now(): number {
    return Date.now();
  }
}
