import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AuditService } from '#app/audit';
import { AppError, ErrorCode, requestContext } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner, toSqlDateTime } from '#app/database';
import { HrSource, MAPPING_CONFIG, readOrganisation, SourceReadError, type Finding, type MappingConfig, type UserRecord } from '#app/hr-source';
import { emptyContent, type Content } from './content.js';
import { diffContents, summarise, type Diff } from './diff.js';
import { evaluateGuard, type GuardPolicy } from './guard.js';
import { checkOrganisation, type QualityPolicy } from './quality-checks.js';
import { PublishedPayload } from './published-payload.service.js';
import { hashesOf, headOf, SnapshotStore, type ChainHead, type LoadedContent, type WrittenSnapshot } from './snapshot-store.js';
import { SyncLock } from './sync-lock.js';
import { preparePayload, renderSyncPieces } from './sync-payload.js';
import { SyncRun, type RunDiff, type RunTrigger } from './sync-run.entity.js';

/** Findings kept per run (counts are always complete). */
const MAX_FINDINGS = 5000;
/** Changes listed per category in a run's diff sample. */
const MAX_SAMPLE = 200;
const LOCK_TTL_MS = 60_000;

/** People who kept their directory id under a new username, in a snapshot just published. */
export type RenameListener = (renames: { key: string; from: string; to: string }[], snapshotId: number) => Promise<void>;

export interface RunRequest {
  trigger: RunTrigger;
  dryRun?: boolean;
  requestedBy?: string | null;
}

type Loaded = LoadedContent;

/**
 * The flow of DESIGN.md: read → map → check → diff → guard → write → publish → record.
 * Runs are serialised across instances by the database lock; a second request on the same
 * instance joins the run in progress, on another it is told that a run is in progress.
 */
@Injectable()
export class SyncService {
  private readonly logger = new Logger(SyncService.name);
  readonly instanceId = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private inFlight: Promise<SyncRun> | null = null;
  private readonly renameListeners: RenameListener[] = [];

  constructor(
    private readonly store: SnapshotStore,
    private readonly lock: SyncLock,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    private readonly source: HrSource,
    private readonly payload: PublishedPayload,
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
    };
  }

  /** Starts a run, or joins the one this instance already has in progress. */
  async run(request: RunRequest): Promise<SyncRun> {
    if (this.inFlight && !request.dryRun) return this.inFlight;
    const running = this.exclusive(() => this.execute(request));
    if (!request.dryRun) this.inFlight = running;
    try {
      return await running;
    } finally {
      if (this.inFlight === running) this.inFlight = null;
    }
  }

  /**
   * Called after each publish that renames people (so that, e.g., stored passwords follow the
   * new username). Registered by modules downstream of sync; their failures are logged.
   */
  onRenamesPublished(listener: RenameListener): void {
    this.renameListeners.push(listener);
  }

  /** Whether a run is in progress on this instance. */
  get busy(): boolean {
    return this.inFlight !== null;
  }

  /** Approves a held run: applies the rename decisions and publishes. */
  async approve(runId: number, decision: { renames?: Record<string, 'keep' | 'accept'>; note?: string }, actor: string | null): Promise<SyncRun> {
    return this.exclusive(async () => {
      const run = await this.heldRun(runId);
      const head = await this.store.head();
      if (run.snapshotId !== head.snapshotId) {
        throw new AppError(ErrorCode.Conflict, `Run ${runId} was overtaken by a newer snapshot (${head.snapshotId}); run a new sync instead.`);
      }
      const candidate = await this.store.content(run.snapshotId!);
      const state = await this.store.publishedState();
      const published = state.snapshotId === null ? null : await this.store.content(state.snapshotId);
      const renames = decision.renames ?? {};
      const known = new Set((run.diff?.sample.renames ?? []).map((r) => r.key));
      const unknown = Object.keys(renames).filter((key) => !known.has(key));
      if (unknown.length) throw new AppError(ErrorCode.ValidationFailed, `Run ${runId} has no rename for ${unknown.join(', ')}.`);

      let snapshotId = run.snapshotId!;
      let content: Loaded = candidate;
      let written: WrittenSnapshot | null = null;
      const kept = Object.entries(renames).filter(([, choice]) => choice === 'keep');
      if (kept.length && published) {
        const overrides = kept.map(([key]) => ({ key, username: published.users.get(key)!.username }));
        for (const { key, username } of overrides) {
          const user = content.users.get(key);
          if (user) content.users.set(key, { ...user, username });
        }
        const hashes = hashesOf(content);
        written = await this.tx.transaction(async (m) => {
          for (const o of overrides) {
            await m.query('DELETE FROM username_override WHERE user_key = ?', [o.key]);
            await m.query('INSERT INTO username_override (user_key, username, decided_by, decided_at) VALUES (?, ?, ?, ?)', [
              o.key,
              o.username,
              actor,
              toSqlDateTime(),
            ]);
          }
          return this.store.writeSnapshot(m, head, content, run.id, `run ${run.id} approved keeping ${overrides.length} username(s)`, hashes);
        });
        snapshotId = written.snapshotId;
        content = { ...content, personIds: written.personIds, departmentIds: written.departmentIds, userHashes: hashes.users, groupHashes: hashes.groups };
      }
      await this.publishContent(snapshotId, content, published, written);
      run.status = 'published';
      run.decidedBy = actor;
      run.decidedAt = new Date();
      run.decision = { approved: true, note: decision.note, renames, publishedSnapshotId: snapshotId };
      await this.runs.save(run);
      await this.audit.record({
        action: 'sync.run.approved',
        outcome: 'success',
        target: { type: 'sync-run', id: String(run.id) },
        details: { snapshotId, renames, note: decision.note },
      });
      await this.audit.record({
        action: 'sync.snapshot.published',
        outcome: 'success',
        target: { type: 'snapshot', id: String(snapshotId) },
        details: { runId: run.id, approvedBy: actor },
      });
      return run;
    });
  }

  async reject(runId: number, note: string | undefined, actor: string | null): Promise<SyncRun> {
    const run = await this.heldRun(runId);
    run.status = 'rejected';
    run.decidedBy = actor;
    run.decidedAt = new Date();
    run.decision = { approved: false, note };
    await this.runs.save(run);
    await this.audit.record({
      action: 'sync.run.rejected',
      outcome: 'success',
      target: { type: 'sync-run', id: String(run.id) },
      details: { note, snapshotId: run.snapshotId },
    });
    return run;
  }

  /** Publishes a kept snapshot again (rollback, or forward again). */
  async republish(snapshotId: number, actor: string | null): Promise<{ snapshotId: number; previous: number | null }> {
    return this.exclusive(async () => {
      if (!(await this.store.snapshot(snapshotId)))
        throw new AppError(ErrorCode.NotFound, `No snapshot ${snapshotId} (it may have been removed by retention).`);
      const state = await this.store.publishedState();
      const published = state.snapshotId === null ? null : await this.store.content(state.snapshotId);
      const content = await this.store.content(snapshotId);
      if (!content.users.size) throw new AppError(ErrorCode.Conflict, `Snapshot ${snapshotId} has no users; an empty organisation is never published.`);
      await this.publishContent(snapshotId, content, published);
      await this.audit.record({
        action: 'sync.snapshot.republished',
        outcome: 'success',
        target: { type: 'snapshot', id: String(snapshotId) },
        details: { previous: state.snapshotId, by: actor },
      });
      return { snapshotId, previous: state.snapshotId };
    });
  }

  private async heldRun(runId: number): Promise<SyncRun> {
    const run = await this.runs.findOneBy({ id: runId });
    if (!run) throw new AppError(ErrorCode.NotFound, `No sync run ${runId}.`);
    if (run.status !== 'held') throw new AppError(ErrorCode.Conflict, `Run ${runId} is ${run.status}, not held; only held runs can be approved or rejected.`);
    return run;
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (!(await this.lock.acquire(this.instanceId, LOCK_TTL_MS))) {
      const running = await this.runs.findOne({ where: { status: 'running' }, order: { id: 'DESC' } });
      throw new AppError(
        ErrorCode.Conflict,
        `A sync run is in progress${running ? ` (run ${running.id}, started ${running.startedAt.toISOString()})` : ''}; try again when it ends.`,
      );
    }
    const heartbeat = setInterval(() => {
      this.lock.renew(this.instanceId, LOCK_TTL_MS).catch((error: unknown) => {
        this.logger.warn(`Could not renew the sync lock: ${String(error)}`);
      });
    }, LOCK_TTL_MS / 3);
    try {
      return await work();
    } finally {
      clearInterval(heartbeat);
      await this.lock.release(this.instanceId);
    }
  }

  private async execute(request: RunRequest): Promise<SyncRun> {
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
        decidedBy: null,
        decidedAt: null,
        decision: null,
      }),
    );
    const started = performance.now();
    let mark = started;
    const phase = (name: string): void => {
      const now = performance.now();
      run.phases[name] = Math.round(now - mark);
      mark = now;
    };
    try {
      await this.executeRun(run, request, phase);
    } catch (error) {
      run.status = 'failed';
      run.error = error instanceof SourceReadError || error instanceof AppError ? error.message : `Unexpected error: ${(error as Error).message}`;
      if (!(error instanceof SourceReadError)) this.logger.error({ err: error }, `Sync run ${run.id} failed`);
    }
    run.phases.total = Math.round(performance.now() - started);
    run.finishedAt = new Date();
    await this.runs.save(run);
    await this.audit.record({
      action: run.status === 'failed' ? 'sync.run.failed' : `sync.run.${run.status}`,
      outcome: run.status === 'failed' ? 'failure' : 'success',
      actor: request.trigger === 'schedule' ? { kind: 'scheduler', id: null } : undefined,
      target: { type: 'sync-run', id: String(run.id) },
      details: {
        trigger: run.trigger,
        dryRun: run.dryRun,
        snapshotId: run.snapshotId,
        counts: run.counts,
        diff: run.diff?.summary ?? null,
        hold: run.holdReasons,
        error: run.error,
      },
    });
    if (run.status === 'published') {
      await this.audit.record({
        action: 'sync.snapshot.published',
        outcome: 'success',
        target: { type: 'snapshot', id: String(run.snapshotId) },
        details: { runId: run.id },
      });
    }
    return run;
  }

  private async executeRun(run: SyncRun, request: RunRequest, phase: (name: string) => void): Promise<void> {
    const signal = AbortSignal.timeout(this.config.sync.deadlineSeconds * 1000);
    // What is published is loaded while the directory is read: the two overlap.
    const loading = this.loadPublished();
    void loading.catch(() => undefined); // awaited below; a failed read must not leave it unhandled
    const organisation = await readOrganisation(await this.source.read(signal), this.mapping, signal);
    phase('read');

    const overrides = await this.store.db.query<{ user_key: string; username: string }[]>('SELECT user_key, username FROM username_override');
    const override = new Map(overrides.map((o) => [o.user_key, o.username]));
    for (const user of organisation.users) {
      const kept = override.get(user.key);
      if (kept) user.username = kept;
    }

    const { state, published, head } = await loading;
    run.baseSnapshotId = state.snapshotId;
    phase('load');

    const checked = checkOrganisation(
      {
        users: organisation.users,
        groups: organisation.groups,
        failedKeys: organisation.failedKeys,
        publishedUsers: published?.users ?? new Map(),
        publishedGroups: published?.groups ?? new Map(),
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
    const hashes = hashesOf(content);
    run.counts = {
      read: organisation.read,
      excluded: organisation.excluded,
      users: content.users.size,
      groups: content.groups.size,
      quarantinedUsers: checked.quarantinedUsers,
      quarantinedGroups: checked.quarantinedGroups,
      writtenRows: 0,
    };
    if (!content.users.size) throw new SourceReadError('No user passed the checks; an empty organisation is never published');
    phase('check');

    const diff = diffContents(published ?? emptyContent(), content);
    run.diff = sampleDiff(diff);
    const hold = evaluateGuard(run.diff.summary, published ? { users: published.users.size, groups: published.groups.size } : null, this.guard);
    phase('diff');
    if (request.dryRun) {
      run.status = 'dry-run';
      run.holdReasons = hold.length ? hold : null;
      return;
    }

    let snapshotId = head.snapshotId;
    let written: WrittenSnapshot | null = null;
    if (head.snapshotId === null || !sameAsHead(content, hashes, head)) {
      written = await this.tx.transaction((m) => this.store.writeSnapshot(m, head, content, run.id, null, hashes));
      snapshotId = written.snapshotId;
      run.counts.writtenRows = written.changedRows;
    }
    run.snapshotId = snapshotId;
    phase('write');

    if (snapshotId === state.snapshotId) {
      run.status = 'unchanged';
      return;
    }
    if (hold.length) {
      run.status = 'held';
      run.holdReasons = hold;
      await this.runs.update({ status: 'held', id: In(await this.heldIdsExcept(run.id)) }, { status: 'superseded' });
      return;
    }
    const ids = written ?? {
      personIds: new Map([...head.users].map(([k, v]) => [k, v.personId])),
      departmentIds: new Map([...head.groups].map(([k, v]) => [k, v.departmentId])),
    };
    await this.publishContent(
      snapshotId!,
      { ...content, personIds: ids.personIds, departmentIds: ids.departmentIds, userHashes: hashes.users, groupHashes: hashes.groups },
      published,
      written,
    );
    run.status = 'published';
    await this.runs.update({ status: 'held', id: In(await this.heldIdsExcept(run.id)) }, { status: 'superseded' });
    phase('publish');
    await this.tx.transaction((m) => this.store.applyRetention(m, this.config.sync.retention));
  }

  /** The published snapshot's content and the chain head (usually the same snapshot: read once). */
  private async loadPublished(): Promise<{ state: Awaited<ReturnType<SnapshotStore['publishedState']>>; published: Loaded | null; head: ChainHead }> {
    const state = await this.store.publishedState();
    const published = state.snapshotId === null ? null : await this.store.content(state.snapshotId);
    const last = await this.store.lastSnapshotId();
    const head = published && last !== null && last === state.snapshotId ? headOf(last, published) : await this.store.head();
    return { state, published, head };
  }

  private async heldIdsExcept(id: number): Promise<number[]> {
    const held = await this.runs.find({ where: { status: 'held' }, select: { id: true } });
    return held.map((r) => r.id).filter((r) => r !== id);
  }

  /**
   * Publishes `content` as snapshot `snapshotId`, updating the published view by the difference
   * from `published`. `written` (when the snapshot was just written) tells which rows are fresh.
   */
  private async publishContent(snapshotId: number, content: Loaded, published: Loaded | null, written: WrittenSnapshot | null = null): Promise<void> {
    const payload = await preparePayload(renderSyncPieces(content, content.personIds, content.departmentIds));
    const personIds: number[] = [];
    const memberships = new Map<number, string[]>();
    for (const [key, user] of content.users) {
      const id = content.personIds.get(key)!;
      if (published?.userHashes.get(key) === content.userHashes.get(key) && published?.personIds.get(key) === id) continue;
      personIds.push(id);
      memberships.set(id, user.groups);
    }
    const removedPersonIds = published ? [...published.users.keys()].filter((k) => !content.users.has(k)).map((k) => published.personIds.get(k)!) : [];
    const departmentIds: number[] = [];
    for (const code of content.groups.keys()) {
      if (published?.groupHashes.get(code) !== content.groupHashes.get(code)) departmentIds.push(content.departmentIds.get(code)!);
    }
    const removedDepartmentIds = published
      ? [...published.groups.keys()].filter((c) => !content.groups.has(c)).map((c) => published.departmentIds.get(c)!)
      : [];
    await this.tx.transaction((m) =>
      this.store.publish(
        m,
        snapshotId,
        {
          personIds,
          removedPersonIds,
          departmentIds,
          removedDepartmentIds,
          memberships,
          freshPersonIds: written?.snapshotId === snapshotId ? written.freshPersonIds : undefined,
          freshDepartmentIds: written?.snapshotId === snapshotId ? written.freshDepartmentIds : undefined,
        },
        payload,
      ),
    );
    this.payload.invalidate();
    const renames: { key: string; from: string; to: string }[] = [];
    for (const [key, user] of content.users) {
      const before = published?.users.get(key);
      if (before && before.username !== user.username) renames.push({ key, from: before.username, to: user.username });
    }
    if (renames.length) {
      for (const listener of this.renameListeners) {
        await listener(renames, snapshotId).catch((error: unknown) => this.logger.error({ err: error }, `A rename listener failed for snapshot ${snapshotId}`));
      }
    }
    this.logger.log(`Published snapshot ${snapshotId}: ${content.users.size} users, ${content.groups.size} departments, ${payload.bytes} bytes`);
  }
}

function sameAsHead(content: Content, hashes: { users: ReadonlyMap<string, string>; groups: ReadonlyMap<string, string> }, head: ChainHead): boolean {
  if (content.users.size !== head.users.size || content.groups.size !== head.groups.size) return false;
  for (const [key, hash] of hashes.users) if (head.users.get(key)?.hash !== hash) return false;
  for (const [code, hash] of hashes.groups) if (head.groups.get(code)?.hash !== hash) return false;
  return true;
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
