import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppError, ErrorCode } from '#app/common';
import { RunProgressRegistry, type RunProgress } from './run-progress.js';
import { toRunDetail } from './sync-admin.dto.js';
import { SyncRun } from './sync-run.entity.js';
import { SyncService, type RunRequest } from './sync.service.js';

/** How often a stream looks at the progress of a run in progress here (at most this many events a second: 4). */
const STREAM_TICK_MS = 250;
/** How often a stream reads the row of a run in progress on another instance. */
const STREAM_REMOTE_MS = 1000;
/** A comment this often keeps proxies from closing a quiet stream. */
export const STREAM_HEARTBEAT_MS = 15_000;
/** How long a trigger that met the lock looks for the row of the run holding it (10 × 200 ms). */
const RUNNING_ROW_ATTEMPTS = 10;
const RUNNING_ROW_WAIT_MS = 200;
/** What a client that lost the stream is told to wait before reconnecting. */
const STREAM_RETRY_MS = 2000;

/**
 * Runs as the admin API sees them: started without waiting (or waiting, for scripts), joined when
 * one is going here or on another instance, and watched while they run (their progress from this
 * instance's memory, or from the row another instance keeps writing).
 */
@Injectable()
export class SyncRuns implements BeforeApplicationShutdown {
  /** Aborted when the bridge stops: open streams close (their clients reconnect, after `retry`, to an instance that runs). */
  private readonly stopping = new AbortController();

  constructor(
    private readonly sync: SyncService,
    private readonly progress: RunProgressRegistry,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
  ) {}

  /**
   * Starts a run and answers it once it exists (`wait`: once it ended). A run already going, on
   * this instance or another (which holds the lock), is answered instead of a new one: `ended`
   * says whether the run answered has ended.
   */
  async start(request: RunRequest, wait: boolean): Promise<{ run: SyncRun; ended: boolean }> {
    const handle = this.sync.begin(request);
    try {
      const run = wait ? await handle.finished : await handle.started;
      return { run: this.withLive(run), ended: wait };
    } catch (error) {
      if (!(error instanceof AppError && error.code === ErrorCode.Conflict)) throw error;
      // The lock is held elsewhere: by a run (answered), or by other work such as an approval (the conflict stands).
      const running = await this.runningRun();
      if (!running) throw error;
      return { run: running, ended: false };
    }
  }

  /** The run going on another instance; its holder writes its row right after taking the lock, so a moment is allowed for it. */
  private async runningRun(): Promise<SyncRun | null> {
    for (let attempt = 0; ; attempt++) {
      const running = await this.runs.findOne({ where: { status: 'running' }, order: { id: 'DESC' } });
      if (running || attempt >= RUNNING_ROW_ATTEMPTS) return running;
      await sleep(RUNNING_ROW_WAIT_MS);
    }
  }

  /** One run, with its live progress when it runs on this instance. */
  async get(id: number): Promise<SyncRun> {
    const run = await this.runs.findOneBy({ id });
    if (!run) throw new AppError(ErrorCode.NotFound, `No sync run ${id}.`);
    return this.withLive(run);
  }

  /**
   * Writes the run's server-sent events on `res` (already taken over from Fastify): `progress`
   * each time it changes (at most 4 a second), then `run` with the ended run, and closes. A run
   * already ended gets its `run` event at once. A client that goes away stops everything.
   */
  async stream(run: SyncRun, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const stop = (): void => gone.abort();
    this.stopping.signal.addEventListener('abort', stop, { once: true });
    if (this.stopping.signal.aborted) stop();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    let seq = 0;
    const send = (event: 'progress' | 'run', data: unknown): void => {
      res.write(`id: ${++seq}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write(`retry: ${STREAM_RETRY_MS}\n\n`);
    try {
      let shown = '';
      let wrote = Date.now();
      let readAt = 0;
      let progress: RunProgress | null = run.progress;
      while (!gone.signal.aborted) {
        if (run.status !== 'running') {
          send('run', toRunDetail(run));
          break;
        }
        const live = this.progress.live(run.id);
        if (live) progress = live;
        else if (Date.now() - readAt >= STREAM_REMOTE_MS) {
          // Not (or no longer) running here: the row tells, as the instance running it writes it.
          readAt = Date.now();
          run = (await this.runs.findOneBy({ id: run.id })) ?? run;
          progress = run.progress;
          if (run.status !== 'running') continue;
        }
        const key = progress ? JSON.stringify([progress.phase, progress.items]) : '';
        if (progress && key !== shown) {
          shown = key;
          send('progress', progress);
          wrote = Date.now();
        } else if (Date.now() - wrote >= STREAM_HEARTBEAT_MS) {
          res.write(': heartbeat\n\n');
          wrote = Date.now();
        }
        await sleep(STREAM_TICK_MS, undefined, { signal: gone.signal }).catch(() => undefined);
      }
    } finally {
      this.stopping.signal.removeEventListener('abort', stop);
      if (!res.writableEnded) res.end();
    }
  }

  beforeApplicationShutdown(): void {
    this.stopping.abort();
  }

  private withLive(run: SyncRun): SyncRun {
    const live = run.status === 'running' ? this.progress.live(run.id) : null;
    return live ? { ...run, progress: live } : run;
  }
}
