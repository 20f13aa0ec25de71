import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '#app/common';
import { emptyContent, recordsOf } from './content.js';
import { diffContents, summarise, type Diff, type DiffSummary } from './diff.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { PublishedView } from './published-view.repository.js';
import { syncAnswerOf } from './sync-payload.js';
import { VersionChain, type SnapshotRow } from './version-chain.repository.js';
import { SyncRun, type RunStatus } from './sync-run.entity.js';

export interface SyncStatus {
  publishedSnapshotId: number | null;
  publishedAt: Date | null;
  payloadBytes: number | null;
  lastPullAt: Date | null;
  lastPullClient: string | null;
  lastPullSnapshotId: number | null;
  lastRun: { id: number; status: RunStatus; startedAt: Date; finishedAt: Date | null; quarantined: { users: number; groups: number } } | null;
  /** The end of the last run that published or found nothing new. */
  lastSuccessAt: Date | null;
  heldRuns: number;
  /** Removals waiting out the deletion grace window or due (their people cannot log in). */
  pendingRemovals: number;
}

/**
 * Since when OMFLOW has not pulled /sync (its last pull, or the first publish if it never
 * pulled); null before the first publish (nothing to pull yet).
 */
export function pullAwaitedSince(status: Pick<SyncStatus, 'publishedAt' | 'lastPullAt'>): Date | null {
  if (status.publishedAt === null) return null;
  return status.lastPullAt ?? status.publishedAt;
}

/** Whether OMFLOW has not pulled /sync for longer than OMFLOW_PULL_STALE_SECONDS. */
export function pullStale(status: Pick<SyncStatus, 'publishedAt' | 'lastPullAt'>, staleSeconds: number, now = Date.now()): boolean {
  const since = pullAwaitedSince(status);
  return since !== null && now - since.getTime() > staleSeconds * 1000;
}

/** Read side of sync: run history, snapshots, their content and diffs. */
@Injectable()
export class SnapshotReader {
  constructor(
    private readonly chain: VersionChain,
    private readonly view: PublishedView,
    private readonly removals: PendingRemovals,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
  ) {}

  async listRuns(query: { status?: RunStatus; offset: number; limit: number }): Promise<{ items: SyncRun[]; total: number }> {
    const [items, total] = await this.runs.findAndCount({
      where: query.status ? { status: query.status } : {},
      order: { id: 'DESC' },
      skip: query.offset,
      take: query.limit,
    });
    return { items, total };
  }

  async run(id: number): Promise<SyncRun> {
    const run = await this.runs.findOneBy({ id });
    if (!run) throw new AppError(ErrorCode.NotFound, `No sync run ${id}.`);
    return run;
  }

  async heldCount(): Promise<number> {
    return this.runs.countBy({ status: 'held' });
  }

  /** What /sync serves, when OMFLOW last pulled it, the last run and the runs awaiting a decision. */
  async status(): Promise<SyncStatus> {
    const state = await this.view.state();
    const lastRun = await this.runs.findOne({ where: {}, order: { id: 'DESC' } });
    const lastSuccess = await this.runs.findOne({ where: { status: In(['published', 'unchanged']) }, order: { id: 'DESC' } });
    return {
      publishedSnapshotId: state.snapshotId,
      publishedAt: state.publishedAt,
      payloadBytes: state.bytes,
      lastPullAt: state.lastPullAt,
      lastPullClient: state.lastPullClient,
      lastPullSnapshotId: state.lastPullSnapshotId,
      lastRun: lastRun
        ? {
            id: lastRun.id,
            status: lastRun.status,
            startedAt: lastRun.startedAt,
            finishedAt: lastRun.finishedAt,
            quarantined: { users: lastRun.counts?.quarantinedUsers ?? 0, groups: lastRun.counts?.quarantinedGroups ?? 0 },
          }
        : null,
      lastSuccessAt: lastSuccess?.finishedAt ?? null,
      heldRuns: await this.heldCount(),
      pendingRemovals: await this.removals.countInProgress(),
    };
  }

  async listSnapshots(offset: number, limit: number): Promise<{ items: SnapshotRow[]; total: number; publishedId: number | null }> {
    const page = await this.chain.listSnapshots(offset, limit);
    const state = await this.view.state();
    return { ...page, publishedId: state.snapshotId };
  }

  async snapshot(id: number): Promise<{ snapshot: SnapshotRow; published: boolean }> {
    const snapshot = await this.chain.snapshot(id);
    if (!snapshot) throw new AppError(ErrorCode.NotFound, `No snapshot ${id} (it may have been removed by retention).`);
    const state = await this.view.state();
    return { snapshot, published: state.snapshotId === id };
  }

  /** The snapshot as `/sync` would answer it. */
  async contentJson(id: number): Promise<string> {
    await this.snapshot(id);
    return [...syncAnswerOf(await this.chain.content(id))].join('');
  }

  /** Everything that differs from `against` (default: the snapshot's parent) to `id`. */
  async diff(id: number, against?: number): Promise<{ from: number | null; to: number; summary: DiffSummary; diff: Diff }> {
    const { snapshot } = await this.snapshot(id);
    const base = against ?? snapshot.parentId;
    if (base !== null && base !== undefined) await this.snapshot(base);
    const before = base === null || base === undefined ? emptyContent() : recordsOf(await this.chain.content(base));
    const after = recordsOf(await this.chain.content(id));
    const diff = await diffContents(before, after);
    return { from: base ?? null, to: id, summary: summarise(diff), diff };
  }
}
