import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { failure, WorkPlusCode } from '#app/workplus';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import { WITHOUT_ETAG } from './etag.js';
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
  /** Grows with every change of the settings (lets the directory recompute what a fault picked). */
  generation = 0;

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
    this.generation += 1;
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

  /**
   * The faults as Fastify hooks on `/v1` (the path, any case, as Express's `app.use('/v1')`
   * matched it), deciding after the body is parsed (a malformed body answers 400, unfaulted,
   * as before): latency, then an injected 500, or a flag read by `onSend`, which cuts the answer
   * off mid-body (full Content-Length, half the bytes, then the socket destroyed) or breaks its JSON.
   */
  install(fastify: FastifyInstance): void {
    const marked = new WeakMap<FastifyRequest, 'drop' | 'malformed'>();
    fastify.addHook('preHandler', (request, reply, done) => {
      if (!isV1(request.url)) {
        done();
        return;
      }
      const proceed = (): void => {
        if (this.take('error')) {
          void reply.status(500).send(failure(WorkPlusCode.InternalError, 'injected fault: internal server error.'));
          return;
        }
        if (this.take('drop')) marked.set(request, 'drop');
        else if (this.take('malformed')) marked.set(request, 'malformed');
        done();
      };
      const latency = this.settings.latency_ms;
      if (latency > 0) setTimeout(proceed, latency);
      else proceed();
    });
    fastify.addHook('onSend', (request, reply, payload, done) => {
      const fault = marked.get(request);
      if (fault === undefined || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) {
        done(null, payload);
        return;
      }
      const text = payload.toString();
      reply.header('content-type', 'application/json; charset=utf-8');
      if (fault === 'malformed') {
        // Valid JSON cut short and followed by a stray HTML fragment, as a broken proxy might send.
        done(null, Buffer.from(`${text.slice(0, Math.max(1, Math.floor(text.length * 0.6)))}<html>bad gateway</html>`));
        return;
      }
      // Fastify sets Content-Length for the whole text and ends the response with it: half is written instead, then the connection dies.
      void reply.status(200);
      WITHOUT_ETAG.add(reply);
      const raw = reply.raw;
      raw.end = ((chunk?: unknown) => {
        const whole = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : text;
        raw.write(whole.slice(0, Math.max(1, Math.floor(whole.length / 2))), () => raw.socket?.destroy());
        return raw;
      }) as typeof raw.end;
      done(null, payload);
    });
  }
}

function isV1(url: string): boolean {
  const prefix = url.slice(0, 4).toLowerCase();
  return prefix === '/v1/' || prefix === '/v1?' || url.toLowerCase() === '/v1';
}
