import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AppError, ErrorCode } from '#app/common';
import type { UserRecord } from '#app/hr-source';
import { groupRecords, type PublishedIndex } from './content.js';
import { DiffPager, type DiffPage, type DiffPageRequest } from './diff.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { PublishedView } from './published-view.repository.js';
import { syncAnswerOf } from './sync-payload.js';
import { VersionChain, type SnapshotRow } from './version-chain.repository.js';
import { VersionDiffs } from './version-diff.repository.js';
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
    private readonly diffs: VersionDiffs,
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

  /**
   * A kept snapshot as the read-back of OMFLOW compares with it: every person's key, stable number,
   * username, email and default department (not the whole record), every department whole.
   * Null when the snapshot is no longer kept (retention).
   */
  async snapshotIndex(id: number): Promise<PublishedIndex | null> {
    if (!(await this.chain.snapshot(id))) return null;
    return this.chain.index(id);
  }

  /** The whole records, in snapshot `id`, of the people numbered `personIds`, by key (a page of them at a time). */
  async snapshotUsers(id: number, personIds: readonly number[]): Promise<Map<string, UserRecord>> {
    return this.chain.users(id, personIds);
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

  /**
   * A page of what differs from `against` (default: the snapshot's parent) to `id`: the whole
   * diff's counts, those matching the search, and the asked slice of each asked kind. Only the
   * people with a version between the two snapshots are read, a thousand at a time, and only the
   * page is kept (the departments, a few thousand, are compared whole).
   */
  async diff(id: number, against: number | undefined, page: DiffPageRequest): Promise<{ from: number | null; to: number } & DiffPage> {
    const { snapshot } = await this.snapshot(id);
    const base = against ?? snapshot.parentId;
    if (base !== null) await this.snapshot(base);
    return { from: base, to: id, ...(await this.compare(base, id, page)) };
  }

  /**
   * A page of a run's diff: its snapshot against the snapshot published when it started (what a
   * held run would change, what a published one changed).
   */
  async runDiff(runId: number, page: DiffPageRequest): Promise<{ runId: number; from: number | null; to: number } & DiffPage> {
    const run = await this.run(runId);
    if (run.snapshotId === null) {
      throw new AppError(
        ErrorCode.Conflict,
        run.status === 'running'
          ? `Sync run ${runId} has not written its snapshot yet; its diff is listed once it has (see its progress).`
          : `Sync run ${runId} wrote no snapshot (${run.status}${run.dryRun ? ', a dry run' : ''}); its diff summary and sample are on the run.`,
      );
    }
    await this.snapshot(run.snapshotId);
    if (run.baseSnapshotId !== null) await this.snapshot(run.baseSnapshotId);
    return { runId, from: run.baseSnapshotId, to: run.snapshotId, ...(await this.compare(run.baseSnapshotId, run.snapshotId, page)) };
  }

  private async compare(from: number | null, to: number, page: DiffPageRequest): Promise<DiffPage> {
    const pager = new DiffPager(page);
    for await (const pairs of this.diffs.userPairs(from, to)) for (const pair of pairs) pager.user(pair.key, pair.before, pair.after);
    const before = from === null ? new Map() : groupRecords(await this.chain.groups(from));
    pager.groups(before, groupRecords(await this.chain.groups(to)));
    return pager.result();
  }
}
