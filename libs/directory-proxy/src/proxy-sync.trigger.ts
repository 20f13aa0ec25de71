import { randomBytes } from 'node:crypto';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { AppError, ErrorCode, requestContext } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SyncService } from '#app/snapshots';

/** Runs lost to another instance's sync are tried again this many times. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Brings changes made through the proxy into the next snapshot without waiting for SYNC_CRON:
 * the first change arms a timer of PROXY_SYNC_DEBOUNCE_SECONDS, and one ordinary sync run
 * (`trigger: 'proxy'`) covers every change made until it starts. A full run rather than a
 * per-employee refresh: over an unchanged organisation it is cheap, and it keeps one code path
 * (quality checks, diff and deletion guard apply as to any run). A change made while a run is
 * in progress arms the timer again when it ends (the run may have read the directory before
 * the change); so does a run lost to another instance's (CONFLICT), a few times.
 */
@Injectable()
export class ProxySyncTrigger implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ProxySyncTrigger.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private conflicts = 0;
  private stopped = false;

  constructor(
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly sync: SyncService,
  ) {}

  /** Whether changes lead to a run: asked for, and the directory is what syncs read. */
  get enabled(): boolean {
    return this.config.proxy.syncAfterChanges && this.config.sync.source === 'directory';
  }

  /** Whether a run is armed or in progress. */
  get pending(): boolean {
    return this.timer !== null || this.running !== null;
  }

  /** A change was made in the directory through the proxy. */
  changed(): void {
    if (!this.enabled || this.stopped) return;
    if (this.running) this.again = true;
    else this.arm();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private arm(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.fire().finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.arm();
        }
      });
    }, this.config.proxy.syncDebounceSeconds * 1000);
    this.timer.unref();
  }

  private async fire(): Promise<void> {
    // The timer was armed inside the request of the first change: the run is the system's, not that client's.
    const context = { requestId: `proxy-sync-${randomBytes(6).toString('hex')}`, sourceIp: null, actor: { kind: 'system' as const, id: 'directory-proxy' } };
    const joined = this.sync.busy;
    try {
      const run = await requestContext.run(context, () => this.sync.run({ trigger: 'proxy', requestedBy: 'directory-proxy' }));
      this.conflicts = 0;
      this.logger.log(`Sync run ${run.id} after changes through the directory proxy: ${run.status}`);
      if (joined) this.again = true; // joined a run that started before the change
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.Conflict) {
        this.conflicts++;
        if (this.conflicts <= MAX_CONFLICT_RETRIES) {
          this.logger.log(`Another instance is syncing; the changes made through the proxy will be synced after it (attempt ${this.conflicts})`);
          this.again = true;
        } else {
          this.logger.warn('Another instance kept syncing; the changes made through the proxy wait for the next scheduled run');
          this.conflicts = 0;
        }
        return;
      }
      this.logger.warn({ err: error }, `The sync run after changes through the directory proxy failed: ${(error as Error).message}`);
    }
  }
}
