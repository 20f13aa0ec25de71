import { Worker } from 'node:worker_threads';

/** Peak memory of one measured phase. */
export interface MemoryPeak {
  /** Peak resident set size of the whole process (sampled from a worker thread, so a busy event loop does not hide it). */
  rss: number;
  /** Peak V8 heap in use on the main thread (sampled on the main thread: synchronous stretches can hide a short peak). */
  heapUsed: number;
  /** Peak V8 heap reserved on the main thread (same sampling). */
  heapTotal: number;
  /** Samples taken by the worker and by the main thread. */
  samples: { worker: number; main: number };
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const cells = new Float64Array(workerData);
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (cells[0] === 1) {
    if (rss > cells[1]) cells[1] = rss;
    cells[2] += 1;
  }
}, INTERVAL);
`;

/**
 * Samples memory every `intervalMs` between `start()` and `stop()`: RSS from a worker thread
 * (shared memory, no messages), heap from a main-thread timer. Call global.gc() before start.
 */
export class MemorySampler {
  private readonly shared = new SharedArrayBuffer(3 * 8);
  private readonly cells = new Float64Array(this.shared);
  private readonly worker: Worker;
  private timer: NodeJS.Timeout | null = null;
  private heap = { used: 0, total: 0, samples: 0 };

  constructor(private readonly intervalMs = 25) {
    this.worker = new Worker(WORKER_SOURCE.replace('INTERVAL', String(intervalMs)), { eval: true, workerData: this.shared });
    this.worker.unref();
  }

  start(): void {
    const now = process.memoryUsage();
    this.cells[1] = now.rss;
    this.cells[2] = 0;
    this.cells[0] = 1;
    this.heap = { used: now.heapUsed, total: now.heapTotal, samples: 0 };
    this.timer = setInterval(() => this.sampleMain(), this.intervalMs);
  }

  stop(): MemoryPeak {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sampleMain();
    this.cells[0] = 0;
    const rss = Math.max(this.cells[1], process.memoryUsage.rss());
    return { rss, heapUsed: this.heap.used, heapTotal: this.heap.total, samples: { worker: this.cells[2], main: this.heap.samples } };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker.terminate();
  }

  private sampleMain(): void {
    const m = process.memoryUsage();
    if (m.heapUsed > this.heap.used) this.heap.used = m.heapUsed;
    if (m.heapTotal > this.heap.total) this.heap.total = m.heapTotal;
    if (m.rss > this.cells[1]) this.cells[1] = m.rss;
    this.heap.samples += 1;
  }
}

export const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) return;
  collect();
  collect();
};
