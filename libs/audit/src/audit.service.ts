import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError, Clock, ErrorCode, requestContext, type ActorKind } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { BridgeMetrics } from '#app/metrics';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditKeyring } from './audit-keys.js';
import { AuditStore } from './audit-store.js';
import { ACTOR_KINDS, AUDIT_OUTCOMES, type AuditEventInput, type PreparedAuditEvent } from './audit.types.js';
import { detailsJson } from './redact.js';
import { clipText, storableText } from './stored-text.js';

interface Pending {
  event: PreparedAuditEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const ACTION = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/;

/** The stored form of an optional text field: null when empty, storable, at most `max` UTF-16 units. */
function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined || value === '') return null;
  return clipText(storableText(String(value)), max);
}

/**
 * Records audit events. `record()` enqueues the event and resolves once the batch holding it
 * is committed (group commit): one writer per process, batches of up to AUDIT_BATCH_SIZE
 * events, whatever arrives while a batch is being written goes into the next one. The queue is
 * drained before the application shuts down, so a graceful stop loses nothing.
 */
@Injectable()
export class AuditService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private readonly flushMs: number;
  private readonly batchSize: number;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private writing: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
    private readonly keys: AuditKeyring,
    private readonly checkpoints: AuditCheckpoints,
    private readonly metrics: BridgeMetrics,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.flushMs = config.audit.flushMs;
    this.batchSize = config.audit.batchSize;
  }

  /**
   * Checks the key against the chain before anything is recorded. A chain already sealed with
   * a key is never continued unkeyed: that is what a downgrade attack would look like, so the
   * bridge refuses to start instead. Running unkeyed (MySQL without a key) is allowed, loudly.
   */
  async onModuleInit(): Promise<void> {
    const head = await this.store.head();
    const key = this.keys.current;
    if (!key) {
      if (head.lastKeyId) {
        throw new Error(
          `The audit trail is sealed with the key "${head.lastKeyId}", but no audit key is configured: set AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) to that key. The bridge does not continue a keyed trail unkeyed.`,
        );
      }
      this.logger.warn(
        'No AUDIT_HMAC_KEY configured: the audit trail is written unkeyed (chain format audit-v1), and anyone able to write to the database can rewrite it without verify noticing. Set AUDIT_HMAC_KEY (see README, Security).',
      );
      return;
    }
    if (head.lastKeyId && !this.keys.get(head.lastKeyId)) {
      this.logger.warn(
        `The last audit events were sealed with the key "${head.lastKeyId}", which is not configured: verify cannot check them. Add it to AUDIT_HMAC_KEYS_RETIRED (or the key file) if it still exists.`,
      );
    }
    this.logger.log(`Audit events are sealed with the key "${key.id}" (from ${this.keys.source}).`);
  }

  /** Resolves once the event is durably stored; rejects if it could not be (the caller's request must then fail). */
  record(event: AuditEventInput): Promise<void> {
    let prepared: PreparedAuditEvent;
    try {
      prepared = this.prepare(event);
    } catch (error) {
      return Promise.reject(error instanceof AppError ? error : new AppError(ErrorCode.Internal, `Invalid audit event: ${String(error)}`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event: prepared, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Records the events inside the caller's open transaction (`m`): they are stored if and only
   * if that transaction commits, e.g. a publish and its `sync.snapshot.published` event. Not
   * batched; call it last in the transaction, since on MySQL it holds the chain head until the
   * commit.
   */
  async recordWithin(m: EntityManager, events: AuditEventInput[]): Promise<void> {
    let prepared: PreparedAuditEvent[];
    try {
      prepared = events.map((event) => this.prepare(event));
    } catch (error) {
      throw error instanceof AppError ? error : new AppError(ErrorCode.Internal, `Invalid audit event: ${String(error)}`);
    }
    const started = performance.now();
    await this.store.appendWithin(m, prepared);
    this.metrics.auditAppended('transaction', (performance.now() - started) / 1000);
  }

  /** Writes everything queued so far; resolves when it is committed (or has failed). */
  async flush(): Promise<void> {
    this.cancelTimer();
    while (this.queue.length || this.writing) {
      this.startWriting();
      await this.writing;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.flush();
  }

  /**
   * The event as it will be stored and hashed: validated, defaults from the request context,
   * every text storable and clipped to its column. `record()` uses it; so does retention, which
   * chains its event inside its own transaction.
   */
  prepare(input: AuditEventInput): PreparedAuditEvent {
    if (typeof input.action !== 'string' || input.action.length > 128 || !ACTION.test(input.action)) {
      throw new AppError(ErrorCode.Internal, `Invalid audit action ${JSON.stringify(input.action)}: a dotted name such as "sync.published".`);
    }
    if (!AUDIT_OUTCOMES.includes(input.outcome)) throw new AppError(ErrorCode.Internal, `Invalid audit outcome ${JSON.stringify(input.outcome)}.`);
    const ctx = requestContext.get();
    const actor: { kind: ActorKind; id: string | null } = input.actor ?? ctx?.actor ?? { kind: ctx ? 'anonymous' : 'system', id: null };
    if (!ACTOR_KINDS.includes(actor.kind)) throw new AppError(ErrorCode.Internal, `Invalid audit actor kind ${JSON.stringify(actor.kind)}.`);
    return {
      occurredAt: this.clock.date(),
      actorKind: actor.kind,
      actorId: clip(actor.id, 128),
      action: input.action,
      targetType: clip(input.target?.type, 64),
      targetId: input.target ? clip(input.target.id, 255) : null,
      outcome: input.outcome,
      requestId: clip(input.requestId ?? ctx?.requestId, 128),
      sourceIp: clip(input.sourceIp === undefined ? ctx?.sourceIp : input.sourceIp, 64),
      details: detailsJson(input.details),
    };
  }

  private schedule(): void {
    if (this.writing || this.timer) return; // the running writer or the armed timer takes the event
    if (this.stopping || this.queue.length >= this.batchSize) {
      this.startWriting();
    } else if (this.flushMs === 0) {
      // Events recorded in the same tick share the commit.
      this.timer = setImmediate(() => {
        this.timer = null;
        this.startWriting();
      });
    } else {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startWriting();
      }, this.flushMs);
    }
  }

  private cancelTimer(): void {
    if (!this.timer) return;
    if (this.flushMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = null;
  }

  private startWriting(): void {
    if (this.writing) return;
    this.cancelTimer();
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
      if (this.queue.length) this.schedule();
    });
  }

  /** The single writer: one batch at a time, so that this process's events keep their order. */
  private async writeAll(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        const started = performance.now();
        const { head } = await this.store.append(batch.map((p) => p.event));
        this.metrics.auditAppended('batch', (performance.now() - started) / 1000);
        for (const p of batch) p.resolve();
        this.checkpoints.noteHead(head);
      } catch (error) {
        this.logger.error({ err: error }, `Could not store ${batch.length} audit event(s); the requests they belong to fail.`);
        const failure = new AppError(ErrorCode.Unavailable, 'The audit trail could not record this action, so the request failed; retry later.');
        for (const p of batch) p.reject(failure);
      }
    }
  }
}
