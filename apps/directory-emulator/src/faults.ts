import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { failure, WorkPlusCode } from '#app/workplus';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import { NO_FAULTS, type EmulatorOptions, type FaultSettings } from './options.js';
import { Prng } from './organisation/prng.js';

type CountedFault = 'error' | 'drop' | 'malformed' | 'short_page';

/**
 * The faults the emulator injects into `/v1/...` answers, set at start-up or through
 * `/_emulator/faults`. Each fault fires for the next `<kind>_count` eligible requests, then
 * with probability `<kind>_rate` (drawn from a PRNG seeded by the emulator's seed).
 */
@Injectable()
export class FaultsService {
  private readonly logger = new Logger(FaultsService.name);
  private settings: FaultSettings;
  private prng: Prng;
  /** How many of each fault fired since start-up or the last reset. */
  readonly fired: Record<CountedFault, number> = { error: 0, drop: 0, malformed: 0, short_page: 0 };

  constructor(@Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions) {
    this.settings = { ...options.faults };
    this.prng = new Prng(options.seed ^ 0x5eed);
  }

  current(): FaultSettings {
    return { ...this.settings };
  }

  /** Replaces the settings (unset fields become 0) and restarts the draws. */
  set(settings: Partial<FaultSettings>): FaultSettings {
    // DTO instances carry declared-but-unset fields as undefined: they must not override the zeros.
    const given = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<FaultSettings>;
    this.settings = { ...NO_FAULTS, ...given };
    this.prng = new Prng(this.options.seed ^ 0x5eed);
    for (const k of Object.keys(this.fired) as CountedFault[]) this.fired[k] = 0;
    this.logger.log(`Faults set: ${JSON.stringify(this.settings)}`);
    return this.current();
  }

  /** Whether this request gets the fault; consumes a count or draws against the rate. */
  take(kind: CountedFault): boolean {
    const countKey = `${kind}_count` as const;
    const rateKey = `${kind}_rate` as const;
    let hit = false;
    if (this.settings[countKey] > 0) {
      this.settings[countKey] -= 1;
      hit = true;
    } else if (this.settings[rateKey] > 0) {
      hit = this.prng.next() < this.settings[rateKey];
    }
    if (hit) this.fired[kind] += 1;
    return hit;
  }

  /** Express middleware for `/v1`: latency, then 500s, dropped connections and malformed bodies. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (_req, res, next) => {
      const proceed = (): void => {
        if (this.take('error')) {
          res.status(500).json(failure(WorkPlusCode.InternalError, 'injected fault: internal server error.'));
          return;
        }
        if (this.take('drop')) {
          res.json = (body: unknown) => {
            const text = JSON.stringify(body);
            res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
            res.setHeader('Content-Length', Buffer.byteLength(text));
            res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))), () => res.socket?.destroy());
            return res;
          };
        } else if (this.take('malformed')) {
          res.json = (body: unknown) => {
            const text = JSON.stringify(body);
            // Valid JSON cut short and followed by a stray HTML fragment, as a broken proxy might send.
            const broken = `${text.slice(0, Math.max(1, Math.floor(text.length * 0.6)))}<html>bad gateway</html>`;
            res.setHeader('Content-Type', 'application/json; charset=utf-8');
            res.send(Buffer.from(broken));
            return res;
          };
        }
        next();
      };
      const latency = this.settings.latency_ms;
      if (latency > 0) setTimeout(proceed, latency);
      else proceed();
    };
  }
}
