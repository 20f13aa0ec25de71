import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { TransactionRunner } from '#app/database';
import { newReadProgress, type ReadProgress } from '#app/hr-source';
import { SyncRun } from './sync-run.entity.js';

/** The phases of a run in their order (`read` includes the mapping; `diff` includes the guard); `done` once it ended. */
export const RUN_PHASES = ['read', 'load', 'check', 'diff', 'write', 'publish', 'done'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

/** Where a run stands: what `GET /api/v1/sync/runs/{id}` and its event stream show. */
export interface RunProgress {
  phase: RunPhase;
  items: ReadProgress;
  elapsedMs: number;
  /** From the items done and expected of the current phase when it counts items (the read); null when unknown. */
  estimatedRemainingMs: number | null;
  updatedAt: string;
}

/** How often the progress of a run in progress is written to its row, for the other instances. */
export const PROGRESS_PERSIST_MS = 2000;

/**
 * The progress of one run on the instance running it. The run moves it at its phase boundaries
 * and the source counts its items into `items` as they arrive; it is written to the run's row at
 * each phase boundary and every PROGRESS_PERSIST_MS, so that any instance can answer it.
 */
export class RunTracker {
  readonly items: ReadProgress = newReadProgress();
  private current: RunPhase = 'read';
  private readonly started = performance.now();
  private phaseStarted = this.started;
  private changedAt = new Date();
  private lastKey = '';
  private persisting: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly runId: number,
    private readonly persist: (progress: RunProgress) => Promise<void>,
  ) {
    this.timer = setInterval(() => this.save(), PROGRESS_PERSIST_MS);
    this.timer.unref();
  }

  get phase(): RunPhase {
    return this.current;
  }

  /** A phase ended (the name the run records its time under): the next one begins. */
  ended(name: string): void {
    const at = RUN_PHASES.indexOf(name as RunPhase);
    if (at < 0 || at + 1 >= RUN_PHASES.length) return;
    this.current = RUN_PHASES[at + 1];
    this.phaseStarted = performance.now();
    this.save();
  }

  /** The run ended: its last progress, to keep on its row. */
  finish(): RunProgress {
    clearInterval(this.timer);
    this.current = 'done';
    return this.snapshot();
  }

  /** Waits for the writes of the progress under way (before the run's last save). */
  async flushed(): Promise<void> {
    await this.persisting;
  }

  snapshot(): RunProgress {
    const now = performance.now();
    const key = JSON.stringify([this.current, this.items]);
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.changedAt = new Date();
    }
    return {
      phase: this.current,
      items: structuredClone(this.items),
      elapsedMs: Math.round(now - this.started),
      estimatedRemainingMs: this.estimate(now),
      updatedAt: this.changedAt.toISOString(),
    };
  }

  /** Time left in the read, from the share of its items done so far; null in the other phases or before any item. */
  private estimate(now: number): number | null {
    if (this.current !== 'read') return null;
    const { employees, pages } = this.items;
    const share =
      employees.expected && employees.done ? employees.done / employees.expected : pages.expected && pages.done ? pages.done / pages.expected : null;
    if (share === null) return null;
    if (share >= 1) return 0;
    return Math.round(((now - this.phaseStarted) * (1 - share)) / share);
  }

  private save(): void {
    if (this.current === 'done') return;
    const progress = this.snapshot();
    this.persisting = this.persisting.then(() => this.persist(progress)).catch(() => undefined);
  }
}

/** The trackers of this instance's runs in progress, and the progress of any run from its row. */
@Injectable()
export class RunProgressRegistry {
  private readonly logger = new Logger(RunProgressRegistry.name);
  private readonly trackers = new Map<number, RunTracker>();

  constructor(
    private readonly tx: TransactionRunner,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
  ) {}

  /** Starts tracking a run this instance has just created. */
  track(run: SyncRun): RunTracker {
    const tracker = new RunTracker(run.id, (progress) =>
      // Queued behind any transaction open on SQLite's one connection, never inside it.
      this.tx
        .exclusive(() => this.runs.update({ id: run.id, status: 'running' }, { progress }))
        .then(
          () => undefined,
          (error: unknown) => this.logger.warn(`Could not save the progress of sync run ${run.id}: ${String(error)}`),
        ),
    );
    this.trackers.set(run.id, tracker);
    run.progress = tracker.snapshot();
    return tracker;
  }

  /** The run ended: its last progress is set on it (saved with it), and it is no longer tracked here. */
  async finish(run: SyncRun, tracker: RunTracker): Promise<void> {
    run.progress = tracker.finish();
    await tracker.flushed();
  }

  forget(runId: number): void {
    this.trackers.delete(runId);
  }

  /** The live progress of a run in progress on this instance; null when it is not running here. */
  live(runId: number): RunProgress | null {
    return this.trackers.get(runId)?.snapshot() ?? null;
  }
}
