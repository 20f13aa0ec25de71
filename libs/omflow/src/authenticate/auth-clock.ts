import { Injectable } from '@nestjs/common';

/** The time lockouts are counted in (epoch ms); a seam for tests that move time forward. */
@Injectable()
export class AuthClock {
  now(): number {
    return Date.now();
  }
}
