import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { BridgeMetrics } from '#app/metrics';
import { NotificationOutbox } from './notification-outbox.repository.js';
import type { NotificationOutboxRow } from './notification-outbox.entity.js';
import { Notifier } from './notifier.service.js';
import { nextAttempt, type RetryPolicy } from './retry-policy.js';
import { sendOnce, type AttemptResult } from './webhook-sender.js';

/** How often each instance looks for due notifications (its own are delivered at once). */
export const POLL_MS = 1000;
/** Rows claimed at once (delivered in parallel). */
const BATCH = 10;
/** A claim outlives its request's timeout by this much: after that, another instance may take the row over. */
const CLAIM_MARGIN_MS = 30_000;
/** Delivered and abandoned notifications are kept this long (the admin list, the staleness episodes). */
export const RETENTION_MS = 30 * 24 * 3_600_000;
/** /health counts the notifications abandoned within this window. */
export const ABANDONED_WINDOW_MS = 24 * 3_600_000;

/**
 * Delivers the outbox in the background, on every instance: claims due rows atomically (two
 * instances never send one row), sends each with its timeout, and records the outcome: delivered,
 * retried later with back-off and jitter, or abandoned (audited) after NOTIFY_MAX_ATTEMPTS or
 * NOTIFY_MAX_AGE_HOURS. A process that dies holding a claim leaves it to run out; the row is
 * then sent again (at least once: receivers deduplicate by the event id).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastPurge = 0;
  private readonly targets: Map<string, Notifier['targets'][number]>;

  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly notifier: Notifier,
    private readonly audit: AuditService,
    private readonly metrics: BridgeMetrics,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {
    this.targets = new Map(notifier.targets.map((t) => [t.id, t]));
  }

  get policy(): RetryPolicy {
    const n = this.config.notify;
    return { maxAttempts: n.maxAttempts, maxAgeMs: n.maxAgeHours * 3_600_000, baseDelayMs: n.retryBaseSeconds * 1000 };
  }

  onApplicationBootstrap(): void {
    if (!this.notifier.enabled) return;
    this.notifier.onEnqueued(() => this.kick());
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // The attempts in progress end within their timeout; their rows are settled, not left claimed.
    await this.running;
  }

  /** Starts a delivery pass, or asks the one in progress to go once more. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.error({ err: error }, 'A notification delivery pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Delivers what is due now (tests and the timer call it); resolves when the pass ends. */
  async deliverDue(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const now = new Date();
      const rows = await this.outbox.claimDue(BATCH, now, new Date(now.getTime() + this.config.notify.timeoutMs + CLAIM_MARGIN_MS));
      if (!rows.length) break;
      await Promise.all(rows.map((row) => this.deliver(row)));
      if (rows.length < BATCH || this.stopped) break;
    }
    if (Date.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = Date.now();
      const removed = await this.outbox.purge(new Date(Date.now() - RETENTION_MS));
      if (removed) this.logger.log(`Removed ${removed} delivered or abandoned notification(s) older than 30 days`);
    }
  }

  private async deliver(row: NotificationOutboxRow): Promise<void> {
    const target = this.targets.get(row.targetId);
    const result: AttemptResult = target
      ? await sendOnce(target, { id: row.eventId, type: row.type }, row.body, {
          secret: this.config.notify.webhookSecret,
          timeoutMs: this.config.notify.timeoutMs,
        })
      : { ok: false, status: null, error: 'the webhook is no longer configured' };
    const at = new Date();
    const attempts = row.attempts + 1;
    if (result.ok) {
      if (await this.outbox.settle(row, { status: 'delivered', at, httpStatus: result.status, error: null })) this.metrics.notification(row.type, 'delivered');
      return;
    }
    const next = target ? nextAttempt(this.policy, attempts, row.createdAt, at) : null;
    if (next) {
      if (!(await this.outbox.settle(row, { status: 'pending', at, httpStatus: result.status, error: result.error, nextAttemptAt: next }))) return;
      this.metrics.notification(row.type, 'failed');
      this.logger.warn(
        `Notification ${row.eventId} (${row.type}) to ${row.targetLabel}: attempt ${attempts} failed (${result.error}); next attempt at ${next.toISOString()}`,
      );
      setTimeout(() => this.kick(), Math.max(0, next.getTime() - Date.now()) + 10).unref();
      return;
    }
    if (!(await this.outbox.settle(row, { status: 'abandoned', at, httpStatus: result.status, error: result.error }))) return;
    this.metrics.notification(row.type, 'abandoned');
    this.logger.error(`Notification ${row.eventId} (${row.type}) to ${row.targetLabel} abandoned after ${attempts} attempt(s): ${result.error}`);
    await this.audit.record({
      action: 'notification.abandoned',
      outcome: 'failure',
      actor: { kind: 'system', id: null },
      target: { type: 'notification', id: row.eventId },
      details: {
        type: row.type,
        webhook: row.targetLabel,
        attempts,
        lastStatus: result.status,
        lastError: result.error,
        createdAt: row.createdAt.toISOString(),
      },
    });
  }
}
