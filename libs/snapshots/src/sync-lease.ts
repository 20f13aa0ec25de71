import { Injectable, Logger } from '@nestjs/common';
import { InstanceIdentity } from '#app/database';
import { SyncLock } from './sync-lock.js';

/** How long the lock stays taken without a renewal; it is renewed every third of that. */
export const LOCK_TTL_MS = 60_000;

/** Why work under the lock was told to stop; the abort reason of a section's signal. */
export class SyncCancelled extends Error {
  constructor(
    readonly reason: 'shutdown' | 'lock-lost',
    message: string,
  ) {
    super(message);
    this.name = 'SyncCancelled';
  }
}

/** One piece of work under the lock. */
export interface LeaseSection {
  /** Aborted (with a SyncCancelled) when the lock is lost or the instance stops. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/**
 * This instance's hold on the sync lock. Sections nest (a dry run during a run, an approval):
 * the first takes the lock and the last releases it, so that one ending early never frees the
 * lock under another. While held, the lease is renewed every third of its life; a renewal that
 * finds the lock gone (this process stalled past its lease and another instance took over)
 * aborts the sections, so the work stops instead of writing beside another instance's.
 *
 * A lock held by a dead earlier process of this instance (InstanceIdentity.provablyDead) is taken
 * over at once instead of waiting for its lease: that is what lets a restarted container sync
 * immediately after a crash.
 */
@Injectable()
export class SyncLease {
  private readonly logger = new Logger(SyncLease.name);
  private sections = 0;
  private control: AbortController | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private taking: Promise<boolean> | null = null;
  private releasing: Promise<void> = Promise.resolve();

  constructor(
    private readonly lock: SyncLock,
    private readonly instance: InstanceIdentity,
  ) {}

  /** Enters a section under the lock, taking it if needed; null when another live holder has it. */
  async enter(): Promise<LeaseSection | null> {
    if (!this.control) {
      this.taking ??= this.take().finally(() => {
        this.taking = null;
      });
      if (!(await this.taking)) return null;
    }
    this.sections++;
    const control = this.control!;
    let released = false;
    return {
      signal: control.signal,
      release: async () => {
        if (released) return;
        released = true;
        await this.leave();
      },
    };
  }

  /** Tells every section in progress to stop; each ends at its next check of its signal. */
  abort(reason: SyncCancelled): void {
    this.control?.abort(reason);
  }

  /** Releases the lock whatever the sections (a shutdown that cannot wait for them any longer). */
  async forceRelease(): Promise<void> {
    this.sections = 1;
    await this.leave();
  }

  private async take(): Promise<boolean> {
    await this.releasing;
    const id = this.instance.id;
    if (!(await this.lock.acquire(id, LOCK_TTL_MS))) {
      const current = await this.lock.current();
      if (!current || !this.instance.provablyDead(current.holder)) return false;
      this.logger.warn(`The sync lock was held by ${current.holder}, an earlier process of this instance that is gone: taken over.`);
      await this.lock.release(current.holder);
      if (!(await this.lock.acquire(id, LOCK_TTL_MS))) return false;
    }
    const control = new AbortController();
    this.control = control;
    this.heartbeat = setInterval(() => {
      this.lock.renew(id, LOCK_TTL_MS).then(
        (held) => {
          if (held || control.signal.aborted) return;
          this.logger.error('The sync lock was taken over by another instance after its lease ran out: the work in progress stops.');
          control.abort(new SyncCancelled('lock-lost', 'The sync lock was lost (its lease ran out and another instance took it): stopped.'));
        },
        (error: unknown) => this.logger.warn(`Could not renew the sync lock: ${String(error)}`),
      );
    }, LOCK_TTL_MS / 3);
    this.heartbeat.unref();
    return true;
  }

  private async leave(): Promise<void> {
    this.sections = Math.max(0, this.sections - 1);
    if (this.sections > 0 || !this.control) return;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.control = null;
    this.releasing = this.lock.release(this.instance.id).catch((error: unknown) => {
      this.logger.warn(`Could not release the sync lock: ${String(error)}`);
    });
    await this.releasing;
  }
}
