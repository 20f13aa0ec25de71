import { setTimeout as sleep } from 'node:timers/promises';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Not, type Repository } from 'typeorm';
import { AuditService, type AuditEventInput } from '#app/audit';
import { AppError, ErrorCode, requestContext } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { InstanceIdentity, TransactionRunner } from '#app/database';
import { BridgeMetrics } from '#app/metrics';
import { HrSource, MAPPING_CONFIG, readOrganisation, SourceReadError, type Finding, type MappingConfig, type UserRecord } from '#app/hr-source';
import { emptyContent, groupRecords, hashesOf, versionedContent, type Content, type ContentHashes, type PublishedIndex } from './content.js';
import { crashPoint } from './crash-point.js';
import { DeletionGrace } from './deletion-grace.service.js';
import { diffWithPublished, summarise, type Diff } from './diff.js';
import { evaluateGuard, membersPerDepartment, type GuardPolicy } from './guard.js';
import { checkOrganisation, type QualityPolicy } from './quality-checks.js';
import { SnapshotEvents } from './snapshot-events.js';
import { RunProgressRegistry, type RunTracker } from './run-progress.js';
import { SnapshotPublisher, type Publishable, type Published } from './snapshot-publisher.service.js';
import { SyncCancelled, SyncLease } from './sync-lease.js';
import { SyncRun, type RunDiff, type RunFailureReason, type RunTrigger } from './sync-run.entity.js';
import { UsernameOverrides } from './username-override.repository.js';
import { headOf, VersionChain, type ChainHead, type WrittenSnapshot } from './version-chain.repository.js';

/** Findings kept per run (counts are always complete). */
const MAX_FINDINGS = 5000;
/** Changes listed per category in a run's diff sample. */
const MAX_SAMPLE = 200;

export interface RunRequest {
  trigger: RunTrigger;
  dryRun?: boolean;
  requestedBy?: string | null;
}

/** A run started: `started` settles once its row exists (or when it failed before), `finished` when it ends. */
export interface RunHandle {
  started: Promise<SyncRun>;
  finished: Promise<SyncRun>;
}

/**
 * The flow of DESIGN.md: read → map → check → diff → guard → write → publish → record.
 * Runs are serialised across instances by the database lock; a second request on the same
 * instance joins the run in progress, on another it is told that a run is in progress.
 *
 * A run only lives while its instance holds the lock, so whoever takes the lock knows that every
 * other run still marked `running` was left by a process that died: those are failed as
 * `interrupted` (at start-up, and whenever the lock is taken). A publish commits together with
 * the run's outcome and its audit events. A shutdown cancels the work in progress (`shutdown`)
 * and waits for it, within a bound.
 */
@Injectable()
export class SyncService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  private inFlight: RunHandle | null = null;
  /** Work under the lock in progress on this instance (runs, approvals, republishes). */
  private readonly tasks = new Set<Promise<unknown>>();
  /** This instance's runs in progress, and whether each has begun its publish transaction. */
  private readonly running = new Map<number, { run: SyncRun; publishing: boolean }>();
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly chain: VersionChain,
    private readonly publisher: SnapshotPublisher,
    private readonly overrides: UsernameOverrides,
    private readonly lease: SyncLease,
    private readonly instance: InstanceIdentity,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly source: HrSource,
    private readonly metrics: BridgeMetrics,
    private readonly events: SnapshotEvents,
    private readonly progress: RunProgressRegistry,
    private readonly grace: DeletionGrace,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
    @Inject(MAPPING_CONFIG) private readonly mapping: MappingConfig,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  get quality(): QualityPolicy {
    const s = this.config.sync;
    return {
      missingEmail: s.policyMissingEmail,
      invalidEmail: s.policyInvalidEmail,
      duplicateEmail: s.policyDuplicateEmail,
      tooLong: s.policyTooLong,
      emailTemplate: s.emailTemplate ?? null,
    };
  }

  get guard(): GuardPolicy {
    const s = this.config.sync;
    return {
      userRemovals: { max: s.maxUserRemovals, percent: s.maxUserRemovalPercent },
      groupRemovals: { max: s.maxGroupRemovals, percent: s.maxGroupRemovalPercent },
      moves: { max: s.maxMoves, percent: s.maxMovePercent },
      holdRenames: s.holdRenames,
      holdEmptiedDepartments: s.holdEmptiedDepartments,
    };
  }

  /** This instance's id in the lock and the run history (`<name>:<pid>:<nonce>`). */
  get instanceId(): string {
    return this.instance.id;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.recover().catch((error: unknown) => this.logger.error({ err: error }, 'Could not recover interrupted sync runs at start-up'));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop(this.config.instance.shutdownGraceSeconds * 1000);
  }

  /**
   * Fails the runs that dead processes left `running` and frees a lock held by a dead earlier
   * process of this instance. When another live instance holds the lock, nothing is touched: its
   * run is alive, and the recovery happens when the lock is next taken.
   */
  async recover(): Promise<void> {
    try {
      await this.exclusive(() => Promise.resolve());
    } catch (error) {
      if (!(error instanceof AppError && error.code === ErrorCode.Conflict)) throw error;
      this.logger.log(`Start-up recovery left the sync lock alone: ${error.message}`);
    }
  }

  /**
   * Stops starting work, cancels the work in progress (runs end `failed`, reason `shutdown`)
   * and waits for it to end, at most `graceMs`. A run still going then (stuck in a database
   * call) is closed as failed and the lock released, unless its publish transaction has begun
   * (that commits or rolls back as one; the next start finds it either way). Idempotent.
   */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.stopNow(graceMs);
    return this.stopping;
  }

  private async stopNow(graceMs: number): Promise<void> {
    if (!this.tasks.size) return;
    this.logger.log(`Shutting down: cancelling the sync work in progress (${this.running.size} run(s))`);
    this.lease.abort(new SyncCancelled('shutdown', 'Cancelled: the bridge is shutting down.'));
    const ended = await Promise.race([Promise.allSettled([...this.tasks]).then(() => true), sleep(graceMs, false, { ref: false })]);
    if (ended) return;
    this.logger.error(`The sync work in progress did not end within ${graceMs} ms of the shutdown: closing it as failed`);
    for (const { run, publishing } of this.running.values()) {
      if (publishing) continue;
      await this.closeRun(run, 'shutdown', 'Cancelled: the bridge shut down before the run could stop cleanly.').catch((error: unknown) =>
        this.logger.error({ err: error }, `Could not close sync run ${run.id}`),
      );
    }
    await this.lease.forceRelease();
  }

  /** Starts a run, or joins the one this instance already has in progress, and answers it when it ends. */
  async run(request: RunRequest): Promise<SyncRun> {
    return this.begin(request).finished;
  }

  /** Like run(), without waiting for the end: the handle tells when the run's row exists and when it ends. */
  begin(request: RunRequest): RunHandle {
    if (this.inFlight && !request.dryRun) return this.inFlight;
    let created!: (run: SyncRun) => void;
    const row = new Promise<SyncRun>((resolve) => (created = resolve));
    const finished = this.exclusive((signal) => this.execute(request, signal, created));
    const handle: RunHandle = { started: Promise.race([row, finished]), finished };
    // Either may go unwatched (a caller waits for one of them): neither may end as an unhandled rejection.
    for (const settled of [handle.started, handle.finished]) settled.catch(() => undefined);
    if (!request.dryRun) {
      this.inFlight = handle;
      finished
        .finally(() => {
          if (this.inFlight === handle) this.inFlight = null;
        })
        .catch(() => undefined);
    }
    return handle;
  }

  /** Whether a run is in progress on this instance. */
  get busy(): boolean {
    return this.inFlight !== null;
  }

  /**
   * Runs `work` under the sync lock (decisions on held runs: see RunDecisions). A 409 when a run
   * or other sync work holds it.
   */
  async locked<T>(work: () => Promise<T>): Promise<T> {
    return this.exclusive(() => work());
  }

  /** Publishes a kept snapshot again (rollback, or forward again). */
  async republish(snapshotId: number, actor: string | null): Promise<{ snapshotId: number; previous: number | null }> {
    return this.exclusive(async () => {
      if (!(await this.chain.snapshot(snapshotId)))
        throw new AppError(ErrorCode.NotFound, `No snapshot ${snapshotId} (it may have been removed by retention).`);
      const { state, content: published } = await this.publisher.published();
      const content = await this.chain.content(snapshotId);
      if (!content.users.size) throw new AppError(ErrorCode.Conflict, `Snapshot ${snapshotId} has no users; an empty organisation is never published.`);
      await this.publisher.publish({ snapshotId, content }, published, (m) =>
        this.audit.recordWithin(m, [
          {
            action: 'sync.snapshot.republished',
            outcome: 'success',
            target: { type: 'snapshot', id: String(snapshotId) },
            details: { previous: state.snapshotId, by: actor },
          },
        ]),
      );
      return { snapshotId, previous: state.snapshotId };
    });
  }

  /**
   * Runs `work` under the sync lock. Taking the lock proves that no other run is alive, so the
   * runs other processes left `running` are failed first. `work` gets a signal that aborts on a
   * shutdown or a lost lock.
   */
  private async exclusive<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.stopping) throw shuttingDown();
    const section = await this.lease.enter();
    if (!section) {
      const running = await this.runs.findOne({ where: { status: 'running' }, order: { id: 'DESC' } });
      throw new AppError(
        ErrorCode.Conflict,
        `A sync run is in progress${running ? ` (run ${running.id}, started ${running.startedAt.toISOString()})` : ''}; try again when it ends.`,
      );
    }
    if (this.stopping) {
      await section.release();
      throw shuttingDown();
    }
    const task = (async () => {
      try {
        await this.failInterrupted();
        // A write that a crash or a failure stopped half-way is undone before anyone reads the chain head.
        await this.chain.discardUnfinished();
        return await work(section.signal);
      } finally {
        await section.release();
      }
    })();
    this.tasks.add(task);
    task.then(
      () => this.tasks.delete(task),
      () => this.tasks.delete(task),
    );
    return task;
  }

  /** Fails, as `interrupted`, the runs left `running` by other processes (called under the lock). */
  private async failInterrupted(): Promise<void> {
    const orphans = await this.runs.find({ where: { status: 'running', instanceId: Not(this.instance.id) } });
    for (const run of orphans) {
      const closed = await this.closeRun(
        run,
        'interrupted',
        `Interrupted: the process running it (${run.instanceId}) ended before the run did (a crash or a kill); found by ${this.instance.id}.`,
      );
      if (closed) this.logger.warn(`Sync run ${run.id} of ${run.instanceId} was interrupted (its process is gone): marked failed`);
    }
  }

  /** Marks a run still `running` as failed, with its audit event, in one transaction; false if it was no longer running. */
  private async closeRun(run: SyncRun, reason: RunFailureReason, error: string): Promise<boolean> {
    const closed = await this.tx.transaction(async (m) => {
      const finishedAt = new Date();
      const result = await m.getRepository(SyncRun).update({ id: run.id, status: 'running' }, { status: 'failed', failureReason: reason, error, finishedAt });
      if (!result.affected) return false;
      Object.assign(run, { status: 'failed', failureReason: reason, error, finishedAt });
      await this.audit.recordWithin(m, [{ ...this.runEvent(run), actor: { kind: 'system', id: null } }]);
      return true;
    });
    if (closed) await this.events.runEnded(run);
    return closed;
  }

  /** The audit event of a run's outcome. */
  private runEvent(run: SyncRun): AuditEventInput {
    return {
      action: run.status === 'failed' ? 'sync.run.failed' : `sync.run.${run.status}`,
      outcome: run.status === 'failed' ? 'failure' : 'success',
      actor: run.trigger === 'schedule' ? { kind: 'scheduler', id: null } : undefined,
      target: { type: 'sync-run', id: String(run.id) },
      details: {
        trigger: run.trigger,
        dryRun: run.dryRun,
        snapshotId: run.snapshotId,
        counts: run.counts,
        diff: run.diff?.summary ?? null,
        hold: run.holdReasons,
        error: run.error,
        reason: run.failureReason,
      },
    };
  }

  private async execute(request: RunRequest, cancel: AbortSignal, created: (run: SyncRun) => void = () => undefined): Promise<SyncRun> {
    const actor = requestContext.get()?.actor;
    const run = await this.runs.save(
      this.runs.create({
        status: 'running',
        trigger: request.trigger,
        dryRun: request.dryRun ?? false,
        requestedBy: request.requestedBy ?? actor?.id ?? null,
        source: this.source.describe().slice(0, 255),
        instanceId: this.instanceId,
        startedAt: new Date(),
        finishedAt: null,
        snapshotId: null,
        baseSnapshotId: null,
        phases: {},
        counts: {},
        findingCount: 0,
        findings: [],
        diff: null,
        holdReasons: null,
        error: null,
        failureReason: null,
        decidedBy: null,
        decidedAt: null,
        decision: null,
        approvals: null,
        progress: null,
      }),
    );
    const progress = { run, publishing: false };
    this.running.set(run.id, progress);
    const tracker = this.progress.track(run);
    created(run);
    const started = performance.now();
    let mark = started;
    const phase = (name: string): void => {
      const now = performance.now();
      run.phases[name] = Math.round(now - mark);
      this.metrics.syncPhase(name, (now - mark) / 1000);
      mark = now;
      tracker.ended(name);
    };
    const deadline = AbortSignal.timeout(this.config.sync.deadlineSeconds * 1000);
    const signal = AbortSignal.any([cancel, deadline]);
    try {
      await this.executeRun(run, request, phase, signal, progress, tracker);
    } catch (error) {
      run.status = 'failed';
      const failure = this.failureOf(error, cancel, deadline);
      run.failureReason = failure.reason;
      run.error = failure.message;
      if (failure.reason === 'error') this.logger.error({ err: error }, `Sync run ${run.id} failed`);
      else this.logger.warn(`Sync run ${run.id} failed (${failure.reason}): ${failure.message}`);
    } finally {
      this.running.delete(run.id);
    }
    // What needs a person is said at warn: a held run, and people or departments left out for their data.
    if (run.status === 'held') {
      this.logger.warn(
        `Sync run ${run.id} is held for a decision (${(run.holdReasons ?? []).map((r) => r.message).join('; ')}): approve or reject it at /api/v1/sync/runs/${run.id}`,
      );
    }
    const quarantined = (run.counts?.quarantinedUsers ?? 0) + (run.counts?.quarantinedGroups ?? 0);
    if (quarantined) {
      this.logger.warn(
        `Sync run ${run.id} left out ${run.counts.quarantinedUsers} people and ${run.counts.quarantinedGroups} departments for problems in their data (their published versions are kept where they exist); the findings are at /api/v1/sync/runs/${run.id}`,
      );
    }
    const total = performance.now() - started;
    run.phases.total = Math.round(total);
    run.finishedAt ??= new Date();
    await this.progress.finish(run, tracker);
    await this.tx
      .transaction(async (m) => {
        await m.getRepository(SyncRun).save(run);
        // A published run's outcome was recorded with its publish, in the same transaction.
        if (run.status !== 'published') await this.audit.recordWithin(m, [this.runEvent(run)]);
      })
      .finally(() => this.progress.forget(run.id));
    this.metrics.syncPhase('total', total / 1000);
    this.metrics.syncRunEnded(run.status);
    await this.events.runEnded(run);
    return run;
  }

  /** Why a run failed, from what was thrown and which signal (if any) stopped it. */
  private failureOf(error: unknown, cancel: AbortSignal, deadline: AbortSignal): { reason: RunFailureReason; message: string } {
    if (cancel.aborted && cancel.reason instanceof SyncCancelled) return { reason: cancel.reason.reason, message: cancel.reason.message };
    if (deadline.aborted)
      return { reason: 'deadline', message: `Cancelled: the run took longer than SYNC_DEADLINE_SECONDS (${this.config.sync.deadlineSeconds} s).` };
    if (error instanceof SourceReadError) return { reason: 'source', message: error.message };
    if (error instanceof AppError) return { reason: 'error', message: error.message };
    return { reason: 'error', message: `Unexpected error: ${(error as Error).message}` };
  }

  private async executeRun(
    run: SyncRun,
    request: RunRequest,
    phase: (name: string) => void,
    signal: AbortSignal,
    progress: { publishing: boolean },
    tracker: RunTracker,
  ): Promise<void> {
    // What is published is loaded while the directory is read: the two overlap.
    const loading = this.loadPublished();
    void loading.catch(() => undefined); // awaited below; a failed read must not leave it unhandled
    const organisation = await readOrganisation(await this.source.read(signal, tracker.items), this.mapping, signal);
    signal.throwIfAborted();
    phase('read');

    const override = await this.overrides.all();
    for (const user of organisation.users) {
      const kept = override.get(user.key);
      if (kept) user.username = kept;
    }

    const { state, content: published, head } = await loading;
    run.baseSnapshotId = state.snapshotId;
    signal.throwIfAborted();
    phase('load');

    // Whole published records are read only for the few people that need them (see PublishedIndex).
    const publishedUsers = (ids: number[]): Promise<Map<string, UserRecord>> =>
      state.snapshotId === null ? Promise.resolve(new Map<string, UserRecord>()) : this.chain.users(state.snapshotId, ids);
    const checked = await checkOrganisation(
      {
        users: organisation.users,
        groups: organisation.groups,
        failedKeys: organisation.failedKeys,
        publishedUsers: published?.users ?? new Map(),
        publishedGroups: groupRecords(published?.groups),
        loadPublished: (keys) => publishedUsers(stableOrder(published, keys)),
      },
      this.quality,
    );
    const findings: Finding[] = [...organisation.findings, ...checked.findings];
    run.findingCount = findings.length;
    run.findings = findings.slice(0, MAX_FINDINGS);
    const content: Content = emptyContent();
    for (const user of checked.users) content.users.set(user.key, user);
    for (const group of checked.groups) content.groups.set(group.group_no, group);
    organisation.users.length = 0; // the mapped records now live in `content` only
    // Published people the directory no longer lists stay, as published, until their removal is due (GUARD_DELETION_GRACE_HOURS).
    const grace = await this.grace.carry(run.id, published, content, (keys) => publishedUsers(stableOrder(published, keys)));
    const hashes = await hashesOf(content);
    run.counts = {
      read: organisation.read,
      excluded: organisation.excluded,
      users: content.users.size,
      groups: content.groups.size,
      quarantinedUsers: checked.quarantinedUsers,
      quarantinedGroups: checked.quarantinedGroups,
      writtenRows: 0,
      ...grace.counts,
    };
    this.metrics.syncChecked({ users: checked.quarantinedUsers, groups: checked.quarantinedGroups }, findings);
    if (!checked.users.length) throw new SourceReadError('No user passed the checks; an empty organisation is never published');
    phase('check');

    const diff = await diffWithPublished(published, content, hashes, publishedUsers);
    run.diff = { ...sampleDiff(diff), grace: grace.sample };
    const hold = evaluateGuard(run.diff.summary, published ? { users: published.users.size, groups: published.groups.size } : null, this.guard, {
      before: membersPerDepartment(published ? departmentsOf(published.users.values(), (u) => u.department) : []),
      after: membersPerDepartment(departmentsOf(content.users.values(), (u) => u.groups[0])),
      names: new Map(published ? departmentsOf(published.groups.values(), (g) => [g.record.group_no, g.record.display_name] as const) : []),
    });
    phase('diff');
    if (request.dryRun) {
      run.status = 'dry-run';
      run.holdReasons = hold.length ? hold : null;
      return;
    }

    signal.throwIfAborted();
    // Whatever the run's outcome (published, held, unchanged), a window opens or ends now: a leaver loses access at once.
    await this.grace.apply(run, grace);
    let written: WrittenSnapshot | null = null;
    if (head.snapshotId === null || !sameAsHead(hashes, head)) {
      written = await this.chain.write(head, content, run.id, null, hashes);
      run.counts.writtenRows = written.changedRows;
      crashPoint(this.config, 'after-write');
    }
    const snapshotId = written?.snapshotId ?? head.snapshotId!;
    run.snapshotId = snapshotId;
    phase('write');

    if (snapshotId === state.snapshotId) {
      run.status = 'unchanged';
      return;
    }
    // Nothing new since the head: the head is the run's snapshot, with its people's numbers.
    const next: Publishable = written ?? {
      snapshotId,
      content: versionedContent(content, hashes, { user: (key) => head.users.get(key)!.id, group: (code) => head.groups.get(code)!.id }),
    };
    if (hold.length) {
      run.status = 'held';
      run.holdReasons = hold;
      await this.runs.update({ status: 'held', id: Not(run.id) }, { status: 'superseded' });
      return;
    }
    // Past this point the run is not cancelled: the publish commits or rolls back as one step.
    signal.throwIfAborted();
    progress.publishing = true;
    await this.publisher
      .publish(next, published, async (m) => {
        // The run's outcome and its audit events commit with the publish: no served snapshot without them.
        run.status = 'published';
        run.finishedAt = new Date();
        await m.getRepository(SyncRun).save(run);
        await m.getRepository(SyncRun).update({ status: 'held', id: Not(run.id) }, { status: 'superseded' });
        await this.audit.recordWithin(m, [
          this.runEvent(run),
          { action: 'sync.snapshot.published', outcome: 'success', target: { type: 'snapshot', id: String(snapshotId) }, details: { runId: run.id } },
        ]);
      })
      .catch((error: unknown) => {
        run.status = 'running'; // the transaction rolled back: the run fails below, not published
        run.finishedAt = null;
        throw error;
      });
    phase('publish');
    if (!signal.aborted) await this.publisher.applyRetention();
  }

  /** What is published and the chain head (usually the same snapshot: read once). */
  private async loadPublished(): Promise<Published & { head: ChainHead }> {
    const published = await this.publisher.published();
    const last = await this.chain.lastSnapshotId();
    const head = published.content && last !== null && last === published.state.snapshotId ? headOf(last, published.content) : await this.chain.head();
    return { ...published, head };
  }
}

function shuttingDown(): AppError {
  return new AppError(ErrorCode.Unavailable, 'The bridge is shutting down: no sync work starts now; retry after it restarts (or on another instance).');
}

function sameAsHead(hashes: ContentHashes, head: ChainHead): boolean {
  if (hashes.users.size !== head.users.size || hashes.groups.size !== head.groups.size) return false;
  for (const [key, hash] of hashes.users) if (head.users.get(key)?.hash !== hash) return false;
  for (const [code, hash] of hashes.groups) if (head.groups.get(code)?.hash !== hash) return false;
  return true;
}

/** The stable numbers of published people `keys`, ascending. */
function stableOrder(published: PublishedIndex | null, keys: string[]): number[] {
  const ids: number[] = [];
  for (const key of keys) {
    const id = published?.users.get(key)?.id;
    if (id !== undefined) ids.push(id);
  }
  return ids.sort((a, b) => a - b);
}

/** `pick` of each of `items`, lazily (the people's default departments, the departments' names). */
function* departmentsOf<T, R>(items: Iterable<T>, pick: (item: T) => R): Generator<R> {
  for (const item of items) yield pick(item);
}

function label(user: UserRecord): string {
  return user.username;
}

export function sampleDiff(diff: Diff): RunDiff {
  const summary = summarise(diff);
  const cut = <T>(items: T[]): T[] => items.slice(0, MAX_SAMPLE);
  const truncated = [
    diff.users.added,
    diff.users.removed,
    diff.users.changed,
    diff.groups.added,
    diff.groups.removed,
    diff.groups.changed,
    diff.renames,
    diff.moves,
  ].some((list) => list.length > MAX_SAMPLE);
  return {
    summary,
    truncated,
    sample: {
      users: {
        added: cut(diff.users.added).map(label),
        removed: cut(diff.users.removed).map(label),
        changed: cut(diff.users.changed).map((c) => ({ key: c.key, username: c.after.username, fields: c.fields })),
      },
      groups: {
        added: cut(diff.groups.added).map((g) => g.group_no),
        removed: cut(diff.groups.removed).map((g) => g.group_no),
        changed: cut(diff.groups.changed).map((c) => ({ key: c.key, fields: c.fields })),
      },
      // Renames are decided one by one: never cut.
      renames: diff.renames,
      moves: cut(diff.moves),
    },
  };
}
