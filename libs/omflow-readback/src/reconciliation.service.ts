import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { AppError, ErrorCode, type ActorKind } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { InstanceIdentity } from '#app/database';
import { SnapshotReader } from '#app/snapshots';
import { differenceCount } from './compare.js';
import { OmflowComparison, SnapshotGone } from './omflow-comparison.js';
import { OmflowReadError } from './omflow-answers.js';
import { OmflowQueryClient } from './omflow-query.client.js';
import { ReadbackEvents } from './readback-events.js';
import {
  ReconciliationRepository,
  type ReconcileErrorCode,
  type ReconcileOutcome,
  type ReconcileTrigger,
  type ReconciliationResult,
  type ReconciliationRow,
} from './reconciliation.repository.js';

/** How long the comparison lock stays taken without a renewal; renewed every third of that. */
const LOCK_TTL_MS = 60_000;

export interface ReconcileRequest {
  trigger: ReconcileTrigger;
  requestedBy?: string | null;
  actor?: { kind: ActorKind; id: string | null };
}

interface Ended {
  outcome: Exclude<ReconcileOutcome, 'running'>;
  inSync: boolean;
  snapshotId: number | null;
  publishedSnapshotId: number | null;
  pulledAt: Date | null;
  errorCode: ReconcileErrorCode | null;
  error: string | null;
  result: ReconciliationResult | null;
}

/**
 * The read-back of OMFLOW: reads what OMFLOW holds through its query API and compares it with the
 * snapshot OMFLOW last pulled (people and departments missing, unexpected or different, field by
 * field), and whether OMFLOW pulled at all. One comparison at a time across instances (the
 * omflow_reconciliation_lock row); every comparison is stored, so that every instance answers the
 * same last result; each one ends in the audit trail and is told to ReadbackEvents.
 */
@Injectable()
export class ReconciliationService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ReconciliationService.name);
  private current: { id: number; done: Promise<void>; control: AbortController } | null = null;

  constructor(
    private readonly client: OmflowQueryClient,
    private readonly comparison: OmflowComparison,
    private readonly reader: SnapshotReader,
    private readonly repository: ReconciliationRepository,
    private readonly audit: AuditService,
    private readonly events: ReadbackEvents,
    private readonly instance: InstanceIdentity,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  get configured(): boolean {
    return this.client.configured;
  }

  /**
   * Starts a comparison, or answers the one already running (here or on another instance);
   * `wait`: once the one of this instance ended. `ended` tells which.
   */
  async start(request: ReconcileRequest, wait: boolean): Promise<{ row: ReconciliationRow; ended: boolean }> {
    if (!this.configured) {
      throw new AppError(ErrorCode.Conflict, 'The read-back of OMFLOW is off: set OMFLOW_URL, OMFLOW_API_USER and OMFLOW_API_PASSWORD.');
    }
    const mine = this.current ?? (await this.begin(request));
    if (!mine) {
      const running = await this.repository.running();
      if (running) return { row: running, ended: false };
      throw new AppError(ErrorCode.Conflict, 'A comparison with OMFLOW is starting on another instance; try again in a moment.');
    }
    if (wait) await mine.done;
    return { row: (await this.repository.get(mine.id))!, ended: wait };
  }

  /** A stored comparison. */
  async get(id: number): Promise<ReconciliationRow> {
    const row = await this.repository.get(id);
    if (!row) throw new AppError(ErrorCode.NotFound, `No comparison with OMFLOW ${id} (only the newest are kept).`);
    return row;
  }

  /** The last comparison that ended, and the one running now (if any). */
  async last(): Promise<{ last: ReconciliationRow | null; running: ReconciliationRow | null }> {
    return { last: await this.repository.lastEnded(), running: await this.repository.running() };
  }

  /** What /health says of the read-back: a warning when the last comparison found drift or failed. */
  async healthWarning(): Promise<{ row: ReconciliationRow | null; warning: string | null }> {
    if (!this.configured) return { row: null, warning: null };
    const row = await this.repository.lastEnded();
    if (!row) return { row, warning: null };
    const at = row.finishedAt?.toISOString() ?? row.startedAt.toISOString();
    switch (row.outcome) {
      case 'in-sync':
      case 'running':
        return { row, warning: null };
      case 'drifted':
      case 'not-pulled':
        return {
          row,
          warning: `OMFLOW is not in sync with the bridge (comparison ${row.id}, ${at}): ${(row.result?.reasons ?? []).join('; ')}; see /api/v1/omflow/reconciliation.`,
        };
      case 'failed':
        return { row, warning: `The read-back of OMFLOW failed (comparison ${row.id}, ${at}, ${row.errorCode ?? 'internal'}): ${row.error ?? ''}` };
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.control.abort();
    await Promise.race([current.done, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
  }

  private async begin(request: ReconcileRequest): Promise<{ id: number; done: Promise<void>; control: AbortController } | null> {
    const holder = this.instance.id;
    if (!(await this.repository.acquire(holder, LOCK_TTL_MS))) return null;
    if (this.current) return this.current;
    try {
      await this.repository.interruptOrphans(null);
      const startedAt = new Date();
      const id = await this.repository.start({ trigger: request.trigger, instance: this.instance.name, requestedBy: request.requestedBy ?? null, startedAt });
      const control = new AbortController();
      const done = this.execute(id, request, startedAt, control).finally(() => {
        if (this.current?.id === id) this.current = null;
      });
      this.current = { id, done, control };
      return this.current;
    } catch (error) {
      await this.repository.release(holder);
      throw error;
    }
  }

  private async execute(id: number, request: ReconcileRequest, startedAt: Date, control: AbortController): Promise<void> {
    const holder = this.instance.id;
    const heartbeat = setInterval(() => {
      this.repository
        .renew(holder, LOCK_TTL_MS)
        .then((held) => {
          if (!held) control.abort();
        })
        .catch((error: unknown) => this.logger.warn(`Could not renew the comparison lock: ${String(error)}`));
    }, LOCK_TTL_MS / 3);
    heartbeat.unref();
    let ended: Ended;
    try {
      ended = await this.compare(control.signal);
    } catch (error) {
      ended = this.failed(error, control.signal);
    } finally {
      clearInterval(heartbeat);
    }
    const finishedAt = new Date();
    try {
      await this.repository.finish(id, { ...ended, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() });
    } finally {
      await this.repository.release(holder).catch((error: unknown) => this.logger.warn(`Could not release the comparison lock: ${String(error)}`));
    }
    const row = (await this.repository.get(id))!;
    this.logger.log(`Comparison ${id} with OMFLOW (${request.trigger}): ${row.outcome}${row.error ? `: ${row.error}` : ''}`);
    await this.audit
      .record({
        action: 'omflow.reconciliation.ended',
        outcome: row.outcome === 'failed' ? 'failure' : 'success',
        actor: request.actor ?? (request.trigger === 'schedule' ? { kind: 'scheduler', id: null } : { kind: 'system', id: null }),
        target: { type: 'omflow_reconciliation', id: String(id) },
        details: {
          trigger: row.trigger,
          result: row.outcome,
          inSync: row.inSync,
          snapshotId: row.snapshotId,
          publishedSnapshotId: row.publishedSnapshotId,
          durationMs: row.durationMs,
          counts: row.result?.counts ?? null,
          behind: row.result?.behind ?? false,
          errorCode: row.errorCode,
          error: row.error,
        },
      })
      .catch((error: unknown) => this.logger.error({ err: error }, `Could not audit comparison ${id}`));
    await this.events.reconciled({ result: row, previous: await this.repository.endedBefore(id) });
  }

  private failed(error: unknown, signal: AbortSignal): Ended {
    const base = { outcome: 'failed' as const, inSync: false, snapshotId: null, publishedSnapshotId: null, pulledAt: null, result: null };
    if (signal.aborted)
      return { ...base, errorCode: 'interrupted', error: 'The comparison was stopped (the bridge is stopping, or another instance took its lock over).' };
    if (error instanceof OmflowReadError) return { ...base, errorCode: error.kind, error: error.message };
    if (error instanceof SnapshotGone) return { ...base, errorCode: 'snapshot-gone', error: error.message };
    this.logger.error({ err: error }, 'The comparison with OMFLOW failed unexpectedly');
    return { ...base, errorCode: 'internal', error: 'The comparison failed unexpectedly (see the log).' };
  }

  /** Reads the pull state and OMFLOW, and compares. */
  private async compare(signal: AbortSignal): Promise<Ended> {
    const status = await this.reader.status();
    const omflow = this.client.describe();
    const base = {
      snapshotId: status.lastPullSnapshotId,
      publishedSnapshotId: status.publishedSnapshotId,
      pulledAt: status.lastPullAt,
      errorCode: null,
      error: null,
    };
    const notPulled = (reason: string): Ended => ({
      ...base,
      outcome: 'not-pulled',
      inSync: false,
      result: { counts: null, samples: null, behind: true, reasons: [reason], omflow },
    });
    if (status.publishedSnapshotId === null) return notPulled('nothing is published yet, so OMFLOW has nothing to pull');
    if (status.lastPullSnapshotId === null) return notPulled(`OMFLOW has never pulled /sync (snapshot ${status.publishedSnapshotId} is published)`);
    const snapshotId = status.lastPullSnapshotId;
    const waited = status.publishedAt ? Date.now() - status.publishedAt.getTime() : 0;
    const behind = snapshotId !== status.publishedSnapshotId && waited > this.config.sync.pullStaleSeconds * 1000;

    const rec = await this.comparison.compare(snapshotId, signal);
    const reasons: string[] = [];
    if (behind) {
      reasons.push(
        `OMFLOW last pulled snapshot ${snapshotId}, but snapshot ${status.publishedSnapshotId} has been published for more than ${this.config.sync.pullStaleSeconds} s`,
      );
    }
    const { users: u, departments: d } = rec.counts;
    if (u.missing) reasons.push(`${u.missing} people of the snapshot are missing in OMFLOW`);
    if (u.unexpected) reasons.push(`OMFLOW has ${u.unexpected} people the snapshot does not`);
    if (u.drifted)
      reasons.push(
        `${u.drifted} people differ (${Object.entries(u.driftByField)
          .map(([f, n]) => `${f}: ${n}`)
          .join(', ')})`,
      );
    if (d.missing) reasons.push(`${d.missing} departments of the snapshot are missing in OMFLOW`);
    if (d.unexpected) reasons.push(`OMFLOW has ${d.unexpected} departments the snapshot does not`);
    if (d.drifted)
      reasons.push(
        `${d.drifted} departments differ (${Object.entries(d.driftByField)
          .map(([f, n]) => `${f}: ${n}`)
          .join(', ')})`,
      );
    const inSync = !behind && differenceCount(rec.counts) === 0;
    return { ...base, outcome: inSync ? 'in-sync' : 'drifted', inSync, result: { counts: rec.counts, samples: rec.samples, behind, reasons, omflow } };
  }
}
