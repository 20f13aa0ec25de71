import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeViewPage, type PageMapping, type ViewPage } from './view-page.js';

/**
 * Heap of the worker thread for pages of `pageSize` employees. A page of 500 (about 1.2 MB of
 * JSON) parses to well under 16 MB, one of 5,000 maps fine in 64 MB; the limit keeps the
 * thread's garbage collected early (its heap, and so the process's memory, stays small) with
 * room for pages several times heavier than the directory's usual employees.
 */
function workerHeapMb(pageSize: number): number {
  return 64 + 32 * Math.floor(pageSize / 1000);
}

/**
 * The compiled worker file. Run from the sources (the test runner), the build's copy is used;
 * null when there is none (then pages are mapped on the calling thread).
 */
function workerFile(): URL | null {
  const here = fileURLToPath(import.meta.url);
  const file = here.endsWith('.ts')
    ? resolve(dirname(here), '../../../../dist/libs/hr-source/src/directory/view-page.worker.js')
    : join(dirname(here), 'view-page.worker.js');
  return existsSync(file) ? pathToFileURL(file) : null;
}

type Pending = { resolve: (page: ViewPage) => void; reject: (error: Error) => void };

/**
 * Parses and maps the directory's `/view` pages in a worker thread, one page at a time in the
 * order they arrive. The answer's bytes are moved to the thread (not copied), and only the
 * mapped employees come back: V8 allocates what `JSON.parse` makes of a text of 100 KB or more
 * straight in the old generation, where the main thread's heap let a 100,000-person read pile
 * up hundreds of MB of dead pages before a full collection (and its RSS past 512 MB). The worker
 * thread's small heap is collected as it goes, and parsing leaves the main event loop free.
 */
export class PageMapper {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: Error | null = null;

  constructor(
    private readonly how: PageMapping,
    pageSize = 500,
  ) {
    const file = workerFile();
    if (!file) return;
    this.worker = new Worker(file, { workerData: how, resourceLimits: { maxOldGenerationSizeMb: workerHeapMb(pageSize), maxYoungGenerationSizeMb: 16 } });
    this.worker.unref();
    this.worker.on('message', (message: { id: number; page?: ViewPage; error?: string }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.page) waiting.resolve(message.page);
      else waiting.reject(new Error(`Mapping a directory page failed: ${message.error ?? 'no answer'}`));
    });
    this.worker.on('error', (error) => this.fail(new Error(`The directory page mapper stopped: ${error.message}`)));
    this.worker.on('exit', (code) => this.fail(new Error(`The directory page mapper exited (code ${code})`)));
  }

  /** Whether pages go to a worker thread (false: mapped on the calling thread, when no build of the worker exists). */
  get threaded(): boolean {
    return this.worker !== null;
  }

  /** Parses and maps one `/view` answer; `bytes` is handed over (unusable by the caller afterwards). */
  map(bytes: ArrayBuffer, secrets: readonly string[]): Promise<ViewPage> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.worker) {
      try {
        return Promise.resolve(decodeViewPage(bytes, secrets, this.how));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
    const id = this.next++;
    return new Promise<ViewPage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker?.ref();
      this.worker!.postMessage({ id, bytes, secrets: [...secrets] }, [bytes]);
    }).finally(() => {
      if (!this.pending.size) this.worker?.unref();
    });
  }

  /** Stops the worker thread; pages still waiting are refused. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.fail(new Error('The directory page mapper was closed'));
    this.worker = null;
    await worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
