import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How late the event loop was during a measured stretch (milliseconds). */
export interface StallReport {
  /**
   * The wait of a request arriving at a random moment of the stretch (time-weighted: a 2 s stall
   * delays every arrival during it, by 2 s down to 0), from the timer's lateness at 1 ms
   * resolution. Its p99 is what the goal of issue 13 bounds.
   */
  arrival: { p50: number; p99: number; max: number };
  /** A trivial task (a 10 ms timer) measuring how late it fires: what a request arriving then would wait before it starts. */
  probe: { p50: number; p99: number; max: number; samples: number };
  /** perf_hooks.monitorEventLoopDelay over the same stretch (resolution 10 ms). */
  loop: { p50: number; p99: number; max: number };
  /** The probe's lateness: stretches of at least 100 ms and of at least 250 ms (the goal of issue 13). */
  over100: number;
  over250: number;
}

/**
 * Measures event-loop stalls between `start()` and `stop()`: a timer every `intervalMs` records
 * how late it fires (a stand-in for a request that must wait for the loop), and Node's own
 * event-loop delay histogram. Runs on the thread it is created on: put it in the process whose
 * loop serves the requests.
 */
export class StallProbe {
  private histogram: IntervalHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lateness: number[] = [];
  /** Milliseconds of the stretch by the wait (whole ms) an arrival then would have had. */
  private waits: number[] = [];
  private expected = 0;

  constructor(private readonly intervalMs = 10) {}

  start(): void {
    this.lateness = [];
    this.waits = [];
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.expected = performance.now() + this.intervalMs;
    const tick = (): void => {
      const now = performance.now();
      const late = Math.max(0, now - this.expected);
      this.lateness.push(late);
      // The interval itself: arrivals wait nothing; the late part: arrivals wait from `late` down to 0.
      this.waits[0] = (this.waits[0] ?? 0) + this.intervalMs;
      for (let w = 1; w <= Math.round(late); w++) this.waits[w] = (this.waits[w] ?? 0) + 1;
      this.expected = now + this.intervalMs;
      this.timer = setTimeout(tick, this.intervalMs);
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  stop(): StallReport {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const h = this.histogram;
    this.histogram = null;
    h?.disable();
    const ns = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? 0 : v / 1e6);
    const sorted = [...this.lateness].sort((a, b) => a - b);
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    let total = 0;
    for (const n of this.waits) total += n ?? 0;
    const waitAt = (p: number): number => {
      let seen = 0;
      for (let w = 0; w < this.waits.length; w++) {
        seen += this.waits[w] ?? 0;
        if (seen >= (p / 100) * total) return w;
      }
      return Math.max(0, this.waits.length - 1);
    };
    return {
      arrival: { p50: waitAt(50), p99: waitAt(99), max: Math.max(0, this.waits.length - 1) },
      probe: { p50: at(50), p99: at(99), max: sorted[sorted.length - 1] ?? 0, samples: sorted.length },
      // The histogram counts the resolution itself in each sample: subtract it, as Node's docs advise.
      loop: h
        ? { p50: Math.max(0, ns(h.percentile(50)) - 10), p99: Math.max(0, ns(h.percentile(99)) - 10), max: Math.max(0, ns(h.max) - 10) }
        : { p50: 0, p99: 0, max: 0 },
      over100: sorted.filter((v) => v >= 100).length,
      over250: sorted.filter((v) => v >= 250).length,
    };
  }
}

/** One line: the wait of a random arrival (p99, max) beside the 250 ms goal, the probe's and the loop-delay histogram's. */
export function describeStalls(s: StallReport, goalMs = 250): string {
  const verdict = s.arrival.p99 < goalMs ? 'PASS' : 'MISS';
  return (
    `event-loop stalls: a request arriving at a random moment waits p99 ${s.arrival.p99} ms, max ${s.arrival.max} ms (goal p99 < ${goalMs} ms: ${verdict}); ` +
    `10 ms timer late by p99 ${s.probe.p99.toFixed(0)} ms (${s.over100} stretches >= 100 ms, ${s.over250} >= 250 ms, ${s.probe.samples} samples); ` +
    `monitorEventLoopDelay p99 ${s.loop.p99.toFixed(0)} ms, max ${s.loop.max.toFixed(0)} ms`
  );
}
