import { timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { AuditKeyring } from './audit-keys.js';
import { AuditStore } from './audit-store.js';
import type { ChainHead } from './audit.types.js';
import { checkpointMac, makeCheckpoint, type Checkpoint } from './chain.js';

const HEX64 = /^[0-9a-f]{64}$/;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

/** A checkpoint line that could not be read as one. */
export interface UnreadableCheckpoint {
  line: number;
  message: string;
}

/** What a checkpoint's signature says about it. */
export type CheckpointAuthenticity = { ok: true; signed: boolean } | { ok: false; unknownKey: boolean; message: string };

/** The checkpoint file the configuration names: AUDIT_CHECKPOINT_FILE, `off` for none, or the default beside the data. */
export function checkpointFileOf(config: BridgeConfig): string | null {
  const file = config.audit.checkpointFile.trim();
  if (file.toLowerCase() === 'off') return null;
  if (file) return file;
  const { database } = config;
  if (database.url || database.sqlitePath === ':memory:') return join('data', 'audit-checkpoints.ndjson');
  return join(dirname(database.sqlitePath), 'audit-checkpoints.ndjson');
}

/** A checkpoint from JSON (a file line, a request), or why it is not one. */
export function toCheckpoint(value: unknown): Checkpoint | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  const seqOk = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (v.type !== undefined && v.type !== 'audit-checkpoint') return 'type is not "audit-checkpoint"';
  if (!seqOk(v.seq) || !seqOk(v.anchorSeq)) return 'seq and anchorSeq must be integers >= 0';
  if (typeof v.hash !== 'string' || !HEX64.test(v.hash) || typeof v.anchorHash !== 'string' || !HEX64.test(v.anchorHash)) {
    return 'hash and anchorHash must be 64 hexadecimal digits';
  }
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at))) return 'at must be a time';
  const keyId = v.keyId ?? null;
  const mac = v.mac ?? null;
  if (keyId !== null && (typeof keyId !== 'string' || !KEY_ID.test(keyId))) return 'keyId is not a key id';
  if (mac !== null && (typeof mac !== 'string' || !HEX64.test(mac))) return 'mac must be 64 hexadecimal digits';
  if ((keyId === null) !== (mac === null)) return 'keyId and mac go together';
  return {
    type: 'audit-checkpoint',
    seq: v.seq as number,
    hash: v.hash,
    anchorSeq: v.anchorSeq as number,
    anchorHash: v.anchorHash,
    at: v.at,
    keyId,
    mac,
  };
}

/**
 * Checkpoints of the chain head, published outside the database: appended to a file (one JSON
 * line each, written and synced before anything else is written there) and logged. Each one
 * is signed with the current key. The database alone cannot tell a trail cut at its end, or
 * wiped and restarted, from a trail that never went further; a checkpoint kept elsewhere can.
 *
 * One is published at start-up, after every AUDIT_CHECKPOINT_EVERY events this process
 * appends (no database access: the head comes from the append), when retention moves the
 * anchor, every AUDIT_CHECKPOINT_INTERVAL_MINUTES when the chain has moved, and at shutdown.
 */
@Injectable()
export class AuditCheckpoints implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditCheckpoints.name);
  /** The file checkpoints are appended to; null when AUDIT_CHECKPOINT_FILE is `off` (the log only). */
  readonly file: string | null;
  private readonly every: number;
  private readonly intervalMinutes: number;
  private lastPublished: ChainHead | null = null;
  private latest: ChainHead | null = null;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: AuditStore,
    private readonly keys: AuditKeyring,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.file = checkpointFileOf(config);
    this.every = config.audit.checkpointEvery;
    this.intervalMinutes = config.audit.checkpointIntervalMinutes;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.publish(false);
    if (!this.intervalMinutes) return;
    this.timer = setInterval(() => {
      this.publish(false).catch((error: unknown) => this.logger.error({ err: error }, 'Could not publish an audit checkpoint'));
    }, this.intervalMinutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.latest && this.moved(this.latest)) this.emit(this.latest);
    await this.writing;
  }

  /**
   * Called with the head after each committed append: publishes when AUDIT_CHECKPOINT_EVERY
   * events have passed since the last checkpoint, or at once when `now` (retention).
   */
  noteHead(head: ChainHead, now = false): void {
    if (!this.latest || head.lastSeq >= this.latest.lastSeq) this.latest = head;
    if (now || head.lastSeq - (this.lastPublished?.lastSeq ?? 0) >= this.every) this.emit(head);
  }

  /** Publishes the head as it is in the database now (unless `always` is false and it has not moved); resolves once written. */
  async publish(always = true): Promise<Checkpoint | null> {
    const head = await this.store.head();
    const checkpoint = always || this.moved(head) ? this.emit(head) : null;
    await this.writing;
    return checkpoint;
  }

  /** Resolves once every checkpoint published so far is in the file. */
  settled(): Promise<void> {
    return this.writing;
  }

  /** The checkpoints of the file, and the lines that are not checkpoints. A missing file holds none. */
  async read(): Promise<{ checkpoints: Checkpoint[]; unreadable: UnreadableCheckpoint[] }> {
    const out = { checkpoints: [] as Checkpoint[], unreadable: [] as UnreadableCheckpoint[] };
    if (!this.file) return out;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return out;
      out.unreadable.push({ line: 0, message: `The checkpoint file cannot be read (${(error as { code?: string }).code ?? 'error'}).` });
      return out;
    }
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: Checkpoint | string;
      try {
        parsed = toCheckpoint(JSON.parse(line));
      } catch {
        parsed = 'not JSON';
      }
      if (typeof parsed === 'string') out.unreadable.push({ line: i + 1, message: `Line ${i + 1} of the checkpoint file is not a checkpoint (${parsed}).` });
      else out.checkpoints.push(parsed);
    });
    return out;
  }

  /** Whether a checkpoint was signed by one of our keys; unsigned ones come from an unkeyed bridge. */
  authenticate(checkpoint: Checkpoint): CheckpointAuthenticity {
    if (checkpoint.keyId === null || checkpoint.mac === null) return { ok: true, signed: false };
    const key = this.keys.get(checkpoint.keyId);
    if (!key) return { ok: false, unknownKey: true, message: `signed with key "${checkpoint.keyId}", which is not configured` };
    const expected = Buffer.from(checkpointMac(checkpoint, key), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(checkpoint.mac, 'hex'))) return { ok: false, unknownKey: false, message: 'its signature does not match' };
    return { ok: true, signed: true };
  }

  private moved(head: ChainHead): boolean {
    return !this.lastPublished || head.lastSeq !== this.lastPublished.lastSeq || head.anchorSeq !== this.lastPublished.anchorSeq;
  }

  private emit(head: ChainHead): Checkpoint {
    const checkpoint = makeCheckpoint(head, new Date(), this.keys.current);
    this.lastPublished = head;
    this.logger.log({ auditCheckpoint: checkpoint }, `Audit checkpoint: event ${checkpoint.seq}`);
    const file = this.file;
    if (file) {
      const line = `${JSON.stringify(checkpoint)}\n`;
      this.writing = this.writing
        .then(() => appendSynced(file, line))
        .catch((error: unknown) => this.logger.error({ err: error }, `Could not append an audit checkpoint to ${file}`));
    }
    return checkpoint;
  }
}

/** Appends one line and syncs it to disk: a checkpoint is only worth something once it survives a crash. */
async function appendSynced(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(line);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
