import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { applySyncAnswer, MalformedAnswerError } from './apply.js';
import { collationKey } from './collation.js';
import { CustomHrClient } from './custom-hr.client.js';
import type { PullRecord, PullTrigger } from './model.js';
import type { OmflowEmulatorOptions } from './options.js';
import { noChanges, OmflowStore } from './store.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

/** A simulated failed apply, consumed by the next pull. */
export interface ApplyFault {
  /** The whole next pull fails (nothing applied). */
  whole: boolean;
  /** Usernames and group codes whose records fail in the next pull. */
  users: string[];
  groups: string[];
}

const NO_FAULT: ApplyFault = { whole: false, users: [], groups: [] };

/**
 * OMFLOW's Custom HR synchronisation: pulls `/sync` every OMFLOW_EMULATOR_PULL_SECONDS (unless
 * paused) and on demand, applies the answer (apply.ts) and keeps each pull's outcome. One pull
 * at a time: a pull asked for while one runs joins it.
 */
@Injectable()
export class PullerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PullerService.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PullRecord> | null = null;
  private paused = false;
  private fault: ApplyFault = NO_FAULT;

  constructor(
    private readonly store: OmflowStore,
    private readonly hr: CustomHrClient,
    @Inject(OMFLOW_EMULATOR_OPTIONS) private readonly options: OmflowEmulatorOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.pullOnStart) void this.pull('start').catch(() => undefined);
    if (this.options.pullSeconds > 0) {
      this.timer = setInterval(() => {
        if (!this.paused && !this.running) void this.pull('schedule').catch(() => undefined);
      }, this.options.pullSeconds * 1000);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    this.logger.log(paused ? 'Scheduled pulls paused' : 'Scheduled pulls resumed');
  }

  currentFault(): ApplyFault {
    return { ...this.fault, users: [...this.fault.users], groups: [...this.fault.groups] };
  }

  setFault(fault: ApplyFault): ApplyFault {
    this.fault = { whole: fault.whole, users: [...fault.users], groups: [...fault.groups] };
    return this.currentFault();
  }

  /** Runs one pull (or joins the one running) and answers its record. */
  pull(trigger: PullTrigger): Promise<PullRecord> {
    if (!this.running) {
      this.running = this.run(trigger).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async run(trigger: PullTrigger): Promise<PullRecord> {
    const started = new Date(this.options.clock());
    const record: PullRecord = {
      id: this.store.nextPullId(),
      trigger,
      started_at: started.toISOString(),
      finished_at: started.toISOString(),
      outcome: 'failed',
      error: null,
      http_status: null,
      snapshot_id: null,
      users: noChanges(),
      groups: noChanges(),
      changes: { users: { added: [], modified: [], deleted: [] }, groups: { added: [], modified: [], deleted: [] } },
      failures: [],
    };
    const fault = this.fault;
    const faulted = fault.whole || fault.users.length > 0 || fault.groups.length > 0;
    try {
      const fetched = await this.hr.sync();
      record.http_status = fetched.status;
      record.snapshot_id = fetched.snapshotId;
      if (!fetched.ok) {
        record.error = fetched.error;
      } else if (fault.whole) {
        record.error = 'simulated failure: the whole apply failed (POST /_omflow/faults)';
      } else {
        const applied = applySyncAnswer(this.store.state, fetched.body, {
          now: new Date(this.options.clock()),
          deleteMode: this.options.deleteMode,
          fail: { users: new Set(fault.users.map(collationKey)), groups: new Set(fault.groups.map(collationKey)) },
        });
        this.store.persist(applied.dirty);
        Object.assign(record, { users: applied.users, groups: applied.groups, changes: applied.changes, failures: applied.failures });
        record.outcome = applied.users.failed + applied.groups.failed > 0 ? 'partial' : 'applied';
      }
    } catch (error) {
      // A malformed answer fails the whole pull before anything changes; anything else is a bug worth logging.
      if (!(error instanceof MalformedAnswerError)) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      record.error = error instanceof Error ? error.message : String(error);
    } finally {
      // A fault serves exactly one pull that reached the intermediary.
      if (faulted && record.http_status !== null) this.fault = NO_FAULT;
    }
    record.finished_at = new Date(this.options.clock()).toISOString();
    this.store.savePull(record);
    const u = record.users;
    this.logger.log(
      `Pull ${record.id} (${trigger}): ${record.outcome}${record.error ? ` (${record.error})` : ''}; users +${u.added} ~${u.modified} -${u.deleted} !${u.failed}; groups +${record.groups.added} ~${record.groups.modified} -${record.groups.deleted} !${record.groups.failed}`,
    );
    return record;
  }
}
