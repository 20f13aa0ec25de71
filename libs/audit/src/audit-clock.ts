import { Injectable } from '@nestjs/common';

/** The time events are stamped with; a seam for tests that need old events (retention). */
@Injectable()
export class AuditClock {
  now(): number {
    return Date.now();
  }
}
