import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
import { AuditService, type AuditEventInput } from '#app/audit';
import { AppError, Clock, ErrorCode } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { TransactionRunner } from '#app/database';
import type { UserRecord } from '#app/hr-source';
import { groupRecords, recordsOf } from './content.js';
import {
  applyDecision,
  CHANGE_KINDS,
  OVERRIDE_TOKEN_MAX_MINUTES,
  changesOf,
  contentConflicts,
  contradictoryChanges,
  describeDifference,
  fingerprintOf,
  listed,
  rejectsAnything,
  resolveDecision,
  unknownChanges,
  type ChangeDecision,
  type ChangeKind,
  type DecisionRequest,
  type KindCounts,
  type Verdict,
} from './decisions.js';
import { diffWithPublished } from './diff.js';
import { OverrideToken } from './override-token.entity.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { SnapshotPublisher, type Publishable } from './snapshot-publisher.service.js';
import { SyncRun, type RunApproval, type RunDecision } from './sync-run.entity.js';
import { SyncService } from './sync.service.js';
import { UsernameOverrides } from './username-override.repository.js';
import { VersionChain } from './version-chain.repository.js';

/** Longest life of an override token (and its default). */

/** An approval of a held run as the routes receive it. */
export interface ApprovalInput {
  note?: string;
  /** A single-use override token: this approval publishes alone, whatever four-eyes asks. */
  overrideToken?: string;
}

/** `approve`: the whole run, renames kept or accepted (unnamed: accepted). */
export interface ApproveInput extends ApprovalInput {
  renames?: Record<string, 'keep' | 'accept'>;
}

/** `decide`: change by change and kind by kind; what is not named is rejected. */
export interface DecideInput extends ApprovalInput {
  note: string;
  kinds?: Partial<Record<ChangeKind, Verdict>>;
  changes?: ChangeDecision[];
}

/** The outcome of an approval: published, or recorded as the first of two (four-eyes). */
export interface ApprovalOutcome {
  run: SyncRun;
  published: boolean;
}

export interface IssuedOverrideToken {
  runId: number;
  overrideId: number;
  token: string;
  expiresAt: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Decisions on held runs (issue 15, parts 2 and 5): approve (the whole run), decide (change by
 * change, kind by kind), reject; four-eyes approvals of large removals; single-use override
 * tokens. A decision that publishes writes and publishes under the sync lock, as a run does; the
 * pure part (what is accepted, what keeps its published version, what contradicts) is in
 * decisions.ts.
 */
@Injectable()
export class RunDecisions {
  constructor(
    private readonly sync: SyncService,
    private readonly chain: VersionChain,
    private readonly publisher: SnapshotPublisher,
    private readonly overrides: UsernameOverrides,
    private readonly tx: TransactionRunner,
    private readonly audit: AuditService,
    @InjectRepository(SyncRun) private readonly runs: Repository<SyncRun>,
    @InjectRepository(OverrideToken) private readonly tokens: Repository<OverrideToken>,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly clock: Clock,
    private readonly removals: PendingRemovals,
  ) {}

  /** Approves a held run whole: every change accepted, except the renames answered `keep`. */
  approve(runId: number, input: ApproveInput, actor: string | null): Promise<ApprovalOutcome> {
    const renames = input.renames ?? {};
    const changes = Object.entries(renames)
      .filter(([, choice]) => choice === 'keep')
      .map(([key]): ChangeDecision => ({ kind: 'renames', key, decision: 'reject' }));
    return this.decideRun(runId, { otherwise: 'accept', changes }, { mode: 'approve', renames, note: input.note, overrideToken: input.overrideToken }, actor);
  }

  /** Decides a held run change by change and kind by kind; changes neither named nor covered by their kind are rejected. */
  decide(runId: number, input: DecideInput, actor: string | null): Promise<ApprovalOutcome> {
    return this.decideRun(
      runId,
      { otherwise: 'reject', kinds: input.kinds, changes: input.changes },
      { mode: 'decide', kinds: input.kinds, changes: input.changes, note: input.note, overrideToken: input.overrideToken },
      actor,
    );
  }

  /** Rejects a held run: /sync keeps serving the published snapshot. */
  async reject(runId: number, note: string | undefined, actor: string | null): Promise<SyncRun> {
    const run = await this.heldRun(runId);
    run.status = 'rejected';
    run.decidedBy = actor;
    run.decidedAt = this.clock.date();
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

  /** Creates a single-use override token for one held run, valid `minutes` (at most an hour); answered once, kept as a digest. */
  async createOverrideToken(runId: number, minutes: number, actor: string | null): Promise<IssuedOverrideToken> {
    const run = await this.heldRun(runId);
    const token = `hrb_ovr_${randomBytes(32).toString('base64url')}`;
    const createdAt = this.clock.date();
    const expiresAt = new Date(createdAt.getTime() + Math.min(minutes, OVERRIDE_TOKEN_MAX_MINUTES) * 60_000);
    const row = await this.tx.transaction(async (m) => {
      const saved = await m
        .getRepository(OverrideToken)
        .save(
          m
            .getRepository(OverrideToken)
            .create({ runId: run.id, tokenHash: sha256(token), createdBy: actor, createdAt, expiresAt, usedAt: null, usedBy: null }),
        );
      await this.audit.recordWithin(m, [
        {
          action: 'sync.run.override.created',
          outcome: 'success',
          target: { type: 'sync-run', id: String(run.id) },
          details: { overrideId: saved.id, expiresAt: expiresAt.toISOString() },
        },
      ]);
      return saved;
    });
    return { runId: run.id, overrideId: row.id, token, expiresAt: expiresAt.toISOString() };
  }

  private async heldRun(runId: number): Promise<SyncRun> {
    const run = await this.runs.findOneBy({ id: runId });
    if (!run) throw new AppError(ErrorCode.NotFound, `No sync run ${runId}.`);
    if (run.status !== 'held') throw new AppError(ErrorCode.Conflict, `Run ${runId} is ${run.status}, not held; only held runs can be approved or rejected.`);
    return run;
  }

  /**
   * The token presented with an approval, if it may be used: it must be this run's, unused and
   * unexpired. A refusal is audited and answered 409 (used) or 403 (unknown, another run's, expired).
   */
  private async overrideFor(run: SyncRun, token: string): Promise<OverrideToken> {
    const row = await this.tokens.findOneBy({ tokenHash: sha256(token) });
    const refuse = async (code: ErrorCode, reason: string, message: string): Promise<never> => {
      await this.audit.record({
        action: 'sync.run.override.refused',
        outcome: 'denied',
        target: { type: 'sync-run', id: String(run.id) },
        details: { reason, overrideId: row?.id ?? null, overrideRunId: row?.runId ?? null },
      });
      throw new AppError(code, message);
    };
    if (!row) return refuse(ErrorCode.AuthForbidden, 'unknown', `The override token is not valid (unknown token); create one for run ${run.id}.`);
    if (row.usedAt)
      return refuse(
        ErrorCode.Conflict,
        'used',
        `The override token was already used (${row.usedAt.toISOString()}, by ${row.usedBy ?? 'unknown'}); it is single-use: create a new one.`,
      );
    if (row.runId !== run.id)
      return refuse(
        ErrorCode.AuthForbidden,
        'other-run',
        `The override token was created for run ${row.runId}, not run ${run.id}; a token serves only its run.`,
      );
    if (row.expiresAt.getTime() <= this.clock.now())
      return refuse(ErrorCode.AuthForbidden, 'expired', `The override token expired at ${row.expiresAt.toISOString()}; create a new one.`);
    return row;
  }

  private decideRun(
    runId: number,
    request: DecisionRequest,
    meta: Omit<RunApproval, 'by' | 'at' | 'counts' | 'fingerprint'> & { overrideToken?: string },
    actor: string | null,
  ): Promise<ApprovalOutcome> {
    return this.sync.locked(async () => {
      const run = await this.heldRun(runId);
      const head = await this.chain.head();
      if (run.snapshotId !== head.snapshotId) {
        throw new AppError(ErrorCode.Conflict, `Run ${runId} was overtaken by a newer snapshot (${head.snapshotId}); run a new sync instead.`);
      }
      const { state, content: published } = await this.publisher.published();
      if (!published || state.snapshotId !== run.baseSnapshotId) {
        throw new AppError(
          ErrorCode.Conflict,
          `The published snapshot changed since run ${runId} was held (${run.baseSnapshotId} then, ${state.snapshotId} now); run a new sync instead.`,
        );
      }
      const override = meta.overrideToken ? await this.overrideFor(run, meta.overrideToken) : null;

      // The run's changes, all of them (its diff sample is cut): the published snapshot against the run's.
      const candidate = await this.chain.content(run.snapshotId!);
      const records = recordsOf(candidate);
      const hashes = {
        users: new Map([...candidate.users].map(([key, v]) => [key, v.hash])),
        groups: new Map([...candidate.groups].map(([code, v]) => [code, v.hash])),
      };
      const diff = await diffWithPublished(published, records, hashes, (ids) => this.chain.users(state.snapshotId!, ids));
      const emptied = run.holdReasons?.find((r) => r.kind === 'emptied-departments')?.departments ?? [];
      const changes = changesOf(diff, published, emptied);

      if (meta.mode === 'approve') {
        const unknown = Object.keys(meta.renames ?? {}).filter((key) => !changes.renames.has(key));
        if (unknown.length) throw new AppError(ErrorCode.ValidationFailed, `Run ${runId} has no rename for ${unknown.join(', ')}.`);
      } else {
        const unknown = unknownChanges(changes, request);
        if (unknown.length) throw new AppError(ErrorCode.Unprocessable, `Run ${runId} has no such change: ${listed(unknown)}.`);
        const twice = contradictoryChanges(request);
        if (twice.length) throw new AppError(ErrorCode.Unprocessable, `Changes named twice with different decisions: ${listed(twice)}.`);
      }

      const resolution = resolveDecision(changes, request);
      const publishedRecords = new Map<string, UserRecord>();
      for (const user of diff.users.removed) publishedRecords.set(user.key, user);
      for (const change of diff.users.changed) publishedRecords.set(change.key, change.before);
      const next = applyDecision(records, publishedRecords, groupRecords(published.groups), resolution);
      const touched = new Set([...resolution.keptPeople, ...resolution.keptDepartmentsOf, ...resolution.keptUsernames]);
      const conflicts = [...resolution.conflicts, ...contentConflicts(next, { users: touched, groups: resolution.keptDepartments })];
      if (conflicts.length) {
        throw new AppError(
          ErrorCode.Unprocessable,
          `The decision on run ${runId} cannot be carried out: ${listed(conflicts)}. Nothing was published; decide those changes consistently.`,
        );
      }

      const { overrideToken: _presented, ...decided } = meta;
      const approval: RunApproval = {
        ...decided,
        by: actor,
        at: this.clock.date().toISOString(),
        counts: resolution.counts,
        fingerprint: fingerprintOf(resolution),
      };
      const earlier = run.approvals ?? [];
      const fourEyes = this.config.sync.fourEyesUserRemovals;
      const needsTwo = !override && fourEyes !== null && resolution.counts['user-removals'].accepted > fourEyes;
      if (needsTwo) {
        const first = earlier[0];
        if (!first) return { run: await this.recordFirst(run, approval, fourEyes), published: false };
        if (first.by === actor) {
          throw new AppError(
            ErrorCode.Conflict,
            `Run ${runId} already has the approval of ${actor ?? 'this client'}; ${resolution.counts['user-removals'].accepted} user removals (more than GUARD_FOUR_EYES_USER_REMOVALS=${fourEyes}) need a second approval from a different client.`,
          );
        }
        if (first.fingerprint !== approval.fingerprint) {
          throw new AppError(
            ErrorCode.Conflict,
            `This decision differs from the first approval of run ${runId} (by ${first.by ?? 'unknown'}: ${describeDifference(first.counts, approval.counts)}); the second approval must make the same decision (as recorded in the run's approvals), or the run can be rejected.`,
          );
        }
      }

      let target: Publishable = { snapshotId: run.snapshotId!, content: candidate };
      if (rejectsAnything(resolution)) {
        const kept = [...resolution.keptUsernames].map((key) => ({ key, username: published.users.get(key)!.username }));
        const note =
          meta.mode === 'approve'
            ? `run ${run.id} approved keeping ${kept.length} username(s)`
            : `run ${run.id} decided: ${CHANGE_KINDS.filter((k) => resolution.counts[k].rejected)
                .map((k) => `${resolution.counts[k].rejected} ${k} rejected`)
                .join(', ')}`;
        // The kept usernames commit with the snapshot row, the write's last step.
        target = await this.chain.write(head, next, run.id, note, undefined, kept.length ? (m) => this.overrides.keep(m, kept, actor) : undefined);
      }
      const snapshotId = target.snapshotId;
      const approvedBy = needsTwo ? [earlier[0].by ?? 'unknown', actor ?? 'unknown'] : [actor ?? 'unknown'];
      await this.publisher.publish(target, published, async (m) => {
        if (override) {
          const used = await m.getRepository(OverrideToken).update({ id: override.id, usedAt: IsNull() }, { usedAt: this.clock.date(), usedBy: actor });
          if (!used.affected) throw new AppError(ErrorCode.Conflict, 'The override token was used meanwhile; it is single-use: create a new one.');
        }
        run.status = 'published';
        run.decidedBy = actor;
        run.decidedAt = this.clock.date();
        // Every approval received stays on the run, also a first one that a later decision did not need.
        run.approvals = [...earlier, approval];
        run.decision = decisionOf(meta, resolution.counts, approvedBy, override !== null, snapshotId);
        await m.getRepository(SyncRun).save(run);
        const events: AuditEventInput[] = [
          {
            action: meta.mode === 'approve' ? 'sync.run.approved' : 'sync.run.decided',
            outcome: 'success',
            target: { type: 'sync-run', id: String(run.id) },
            details: {
              snapshotId,
              note: meta.note,
              ...(meta.mode === 'approve' ? { renames: meta.renames } : { kinds: meta.kinds ?? {} }),
              counts: resolution.counts,
              approvedBy,
              override: override ? { overrideId: override.id } : null,
            },
          },
          {
            action: 'sync.snapshot.published',
            outcome: 'success',
            target: { type: 'snapshot', id: String(snapshotId) },
            details: { runId: run.id, approvedBy: actor },
          },
        ];
        events.push(...(await this.cancelRejectedRemovals(m, resolution.keptPeople, actor, run.id, meta.note)));
        if (override) {
          events.push({
            action: 'sync.run.override.used',
            outcome: 'success',
            target: { type: 'sync-run', id: String(run.id) },
            details: { overrideId: override.id, createdBy: override.createdBy },
          });
        }
        await this.audit.recordWithin(m, events);
      });
      return { run, published: true };
    });
  }

  /**
   * People whose removal the decision rejected and whose grace window had passed (`due`): their
   * removal is cancelled as an operator's cancel would be (kept published, may log in, no new
   * window until they reappear or someone expedites), or the next run would drop them again and
   * they would stay refused at /authenticate. One `sync.removal.cancelled` event each.
   */
  private async cancelRejectedRemovals(
    m: EntityManager,
    kept: ReadonlySet<string>,
    actor: string | null,
    runId: number,
    note: string | undefined,
  ): Promise<AuditEventInput[]> {
    if (!kept.size) return [];
    const at = this.clock.date();
    const rows = (await this.removals.all(m)).filter((row) => kept.has(row.key) && row.status !== 'cancelled');
    const reason = `removal rejected in the decision on run ${runId}${note ? `: ${note}` : ''}`;
    for (const row of rows) await this.removals.cancel(m, row.personId, { by: actor, at, note: reason.slice(0, 2000) });
    return rows.map((row) => ({
      action: 'sync.removal.cancelled',
      outcome: 'success',
      target: { type: 'omflow_user', id: row.username },
      details: { key: row.key, reason: 'decision', runId, by: actor, note, missingSince: row.missingSince.toISOString(), dueAt: row.dueAt.toISOString() },
    }));
  }

  /** Records the first of two approvals (four-eyes): the run stays held and shows it. */
  private async recordFirst(run: SyncRun, approval: RunApproval, fourEyes: number): Promise<SyncRun> {
    run.approvals = [approval];
    await this.tx.transaction(async (m) => {
      await m.getRepository(SyncRun).save(run);
      await this.audit.recordWithin(m, [
        {
          action: 'sync.run.approval.recorded',
          outcome: 'success',
          target: { type: 'sync-run', id: String(run.id) },
          details: { mode: approval.mode, note: approval.note, counts: approval.counts, fourEyesUserRemovals: fourEyes },
        },
      ]);
    });
    return run;
  }
}

function decisionOf(
  meta: Omit<RunApproval, 'by' | 'at' | 'counts' | 'fingerprint'>,
  counts: KindCounts,
  approvedBy: string[],
  override: boolean,
  publishedSnapshotId: number,
): RunDecision {
  const base: RunDecision = { approved: true, note: meta.note, mode: meta.mode, counts, approvedBy, override, publishedSnapshotId };
  return meta.mode === 'approve' ? { ...base, renames: meta.renames ?? {} } : { ...base, kinds: meta.kinds ?? {}, changes: meta.changes ?? [] };
}
