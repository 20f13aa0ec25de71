import type { CheckpointAuthenticity } from './audit-checkpoints.js';
import type { AuditKeyring } from './audit-keys.js';
import type { ChainHead, StoredAuditEvent } from './audit.types.js';
import { hashEvent, type Checkpoint } from './chain.js';

export type BrokenReason =
  | 'missing'
  | 'prev-hash-mismatch'
  | 'hash-mismatch'
  | 'head-mismatch'
  | 'unknown-key'
  | 'unkeyed-after-keyed'
  | 'anchor-unvouched'
  | 'checkpoint-ahead'
  | 'checkpoint-mismatch'
  | 'checkpoint-invalid';

export const BROKEN_REASONS: readonly BrokenReason[] = [
  'missing',
  'prev-hash-mismatch',
  'hash-mismatch',
  'head-mismatch',
  'unknown-key',
  'unkeyed-after-keyed',
  'anchor-unvouched',
  'checkpoint-ahead',
  'checkpoint-mismatch',
  'checkpoint-invalid',
];

/** Consecutive events broken for the same reason. */
export interface BrokenRange {
  fromSeq: number;
  toSeq: number;
  reason: BrokenReason;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  fromSeq: number;
  toSeq: number;
  checked: number;
  anchor: { seq: number; hash: string } | null;
  head: { seq: number; hash: string };
  /** The key new events are sealed with; null when the bridge writes unkeyed events. */
  keyId: string | null;
  /** The first entry of `broken`, as a single sequence (kept for older clients). */
  firstBroken: { seq: number; reason: BrokenReason; message: string } | null;
  /** Every broken range, in sequence order, at most `maxBroken` of them. */
  broken: BrokenRange[];
  /** True when there were more broken ranges than `maxBroken`. */
  truncated: boolean;
  checkpoints: {
    /** Checkpoints read from the file and the request. */
    read: number;
    /** Those compared with the trail (the others are archived, outside the range, or signed with a key not configured). */
    checked: number;
  };
}

export const DEFAULT_MAX_BROKEN = 100;

function span(from: number, to: number, singular: string, plural: string): string {
  return from === to ? `Event ${from} ${singular}` : `Events ${from} to ${to} ${plural}`;
}

/** The message of a range, written once the range is complete. */
function describe(reason: BrokenReason, from: number, to: number, detail: string): string {
  switch (reason) {
    case 'missing':
      return `${span(from, to, 'is', 'are')} missing${detail}.`;
    case 'prev-hash-mismatch':
      return `${span(from, to, 'does not follow its', 'do not follow their')} predecessor: the previous hash recorded is not the hash of the event before.`;
    case 'hash-mismatch':
      return `${span(from, to, 'was', 'were')} altered: the content does not match the hash sealed with it.`;
    case 'unknown-key':
      return `${span(from, to, 'was', 'were')} sealed with the key "${detail}", which is not configured, so cannot be checked: add it to AUDIT_HMAC_KEYS_RETIRED (or the key file).`;
    case 'unkeyed-after-keyed':
      return `${span(from, to, 'is', 'are')} unkeyed (audit-v1) although keyed events come before: the trail was rewritten without the key.`;
    case 'head-mismatch':
    case 'anchor-unvouched':
    case 'checkpoint-ahead':
    case 'checkpoint-mismatch':
    case 'checkpoint-invalid':
      return detail;
  }
}

/** Collects broken ranges: an event extends the open range of its reason when it follows it, else opens a new one (up to the bound). */
class BrokenRanges {
  private readonly ranges: (Omit<BrokenRange, 'message'> & { detail: string })[] = [];
  private readonly open = new Map<string, Omit<BrokenRange, 'message'> & { detail: string }>();
  truncated = false;

  constructor(private readonly max: number) {}

  add(fromSeq: number, toSeq: number, reason: BrokenReason, detail = '', mergeable = true): void {
    const key = `${reason}\0${reason === 'unknown-key' ? detail : ''}`;
    const last = mergeable ? this.open.get(key) : undefined;
    if (last && last.toSeq + 1 === fromSeq) {
      last.toSeq = toSeq;
      return;
    }
    if (this.ranges.length >= this.max) {
      this.truncated = true;
      return;
    }
    const range = { fromSeq, toSeq, reason, detail };
    this.ranges.push(range);
    if (mergeable) this.open.set(key, range);
  }

  /** In sequence order; at the same sequence, in the order found. */
  list(): BrokenRange[] {
    return [...this.ranges]
      .sort((a, b) => a.fromSeq - b.fromSeq)
      .map(({ detail, ...r }) => ({ ...r, message: describe(r.reason, r.fromSeq, r.toSeq, detail) }));
  }
}

function retentionAnchor(event: { action: string; details: string }): { toSeq: unknown; anchorHash: unknown } | null {
  if (event.action !== 'audit.retention.archived') return null;
  try {
    return JSON.parse(event.details) as { toSeq: unknown; anchorHash: unknown };
  } catch {
    return null;
  }
}

/** What the verifier needs besides the events. */
export interface ChainVerifierInput {
  head: ChainHead;
  fromSeq: number;
  toSeq: number;
  maxBroken: number;
  keys: AuditKeyring;
  /** The checkpoint file's and the request's (duplicates are checked once). */
  checkpoints: Checkpoint[];
  /** Messages for the checkpoint file's lines that are not checkpoints. */
  unreadable: string[];
  authenticate: (checkpoint: Checkpoint) => CheckpointAuthenticity;
  /** The event before `fromSeq` when the range starts after the anchor (null: it is missing). */
  predecessor?: Pick<StoredAuditEvent, 'hash' | 'keyId'> | null;
}

/**
 * Decides, event by event in sequence order, what is broken in a stretch of the chain: missing
 * sequences, events whose recorded previous hash is not their predecessor's hash, events whose
 * content no longer matches their hash (HMAC under the key id they record, SHA-256 for audit-v1
 * events), events sealed with a key that is not configured, unkeyed events after keyed ones, a
 * trail that ends before its head or disagrees with it, an anchor that no intact retention event
 * names, and whatever the checkpoints contradict: events they saw that are gone or different, an
 * anchor moved. After a break it goes on from the stored values, so that each later break is
 * reported too. Reads nothing: the reader feeds it.
 */
export class ChainVerifier {
  private readonly broken: BrokenRanges;
  private readonly first: number;
  private readonly whole: boolean;
  private readonly bySeq = new Map<number, Checkpoint[]>();
  private readonly read: number;
  private checkpointsChecked = 0;
  private ahead: Checkpoint | null = null;
  private expectedPrev: string | null;
  private expectedSeq: number;
  private keyed: boolean;
  private vouched = false;
  private lastKeyId: string | null | undefined;
  private checked = 0;

  constructor(private readonly input: ChainVerifierInput) {
    const { head, fromSeq, toSeq } = input;
    this.broken = new BrokenRanges(input.maxBroken);
    this.first = head.anchorSeq + 1;
    this.whole = fromSeq === this.first && toSeq === head.lastSeq;
    this.expectedSeq = fromSeq;
    if (fromSeq === this.first) {
      this.expectedPrev = head.anchorHash;
      this.keyed = false;
    } else {
      if (!input.predecessor) this.broken.add(fromSeq - 1, fromSeq - 1, 'missing', ', the predecessor of the range');
      this.expectedPrev = input.predecessor?.hash ?? null;
      this.keyed = (input.predecessor?.keyId ?? null) !== null;
    }
    for (const message of input.unreadable) this.broken.add(0, 0, 'checkpoint-invalid', message, false);
    const unique = new Map(input.checkpoints.map((cp) => [`${cp.seq}|${cp.hash}|${cp.anchorSeq}|${cp.anchorHash}|${cp.at}|${cp.mac}`, cp]));
    this.read = unique.size;
    let anchorMoved = false;
    for (const cp of unique.values()) {
      const auth = input.authenticate(cp);
      if (!auth.ok) {
        // A key no longer configured proves nothing either way; a wrong signature is a forgery.
        if (!auth.unknownKey) {
          this.broken.add(cp.seq, cp.seq, 'checkpoint-invalid', `The checkpoint of event ${cp.seq} taken at ${cp.at} is not valid: ${auth.message}.`, false);
        }
        continue;
      }
      if (fromSeq === this.first) {
        if (!anchorMoved && (cp.anchorSeq > head.anchorSeq || (cp.anchorSeq === head.anchorSeq && cp.anchorHash !== head.anchorHash))) {
          anchorMoved = true;
          this.broken.add(
            cp.anchorSeq,
            cp.anchorSeq,
            'checkpoint-mismatch',
            `The checkpoint taken at ${cp.at} records the retention anchor at event ${cp.anchorSeq} with another hash, or after the anchor now recorded (${head.anchorSeq}): the anchor was moved.`,
            false,
          );
        }
        if (cp.seq === head.anchorSeq) {
          this.checkpointsChecked += 1;
          if (cp.hash !== head.anchorHash) {
            this.broken.add(
              cp.seq,
              cp.seq,
              'checkpoint-mismatch',
              `The checkpoint taken at ${cp.at} records another hash for event ${cp.seq}, the retention anchor.`,
              false,
            );
          }
        }
      }
      if (cp.seq > head.lastSeq) {
        if (toSeq === head.lastSeq) {
          this.checkpointsChecked += 1;
          if (!this.ahead || cp.seq > this.ahead.seq) this.ahead = cp;
        }
      } else if (cp.seq >= fromSeq && cp.seq <= toSeq) {
        this.checkpointsChecked += 1;
        this.bySeq.set(cp.seq, [...(this.bySeq.get(cp.seq) ?? []), cp]);
      }
    }
  }

  /** The next stored event of the range, in sequence order. */
  event(row: StoredAuditEvent & { action: string; details: string }): void {
    const { head } = this.input;
    if (row.seq !== this.expectedSeq) {
      this.broken.add(this.expectedSeq, row.seq - 1, 'missing');
      this.expectedPrev = null; // the predecessor is gone: this link cannot be checked
    }
    let reason: BrokenReason | null = null;
    let keyId = '';
    if (this.expectedPrev !== null && row.prevHash !== this.expectedPrev) reason = 'prev-hash-mismatch';
    if (row.keyId === null) {
      if (this.keyed) reason ??= 'unkeyed-after-keyed';
      else if (hashEvent(row.seq, row, row.prevHash) !== row.hash) reason ??= 'hash-mismatch';
    } else {
      this.keyed = true;
      const key = this.input.keys.get(row.keyId);
      if (!key) {
        reason ??= 'unknown-key';
        keyId = row.keyId;
      } else if (hashEvent(row.seq, row, row.prevHash, key) !== row.hash) {
        reason ??= 'hash-mismatch';
      }
    }
    if (reason) this.broken.add(row.seq, row.seq, reason, reason === 'unknown-key' ? keyId : '');
    const contradicting = this.bySeq.get(row.seq)?.find((cp) => cp.hash !== row.hash);
    if (contradicting) {
      this.broken.add(
        row.seq,
        row.seq,
        'checkpoint-mismatch',
        `The checkpoint taken at ${contradicting.at} records another hash for event ${row.seq}: the trail was rewritten after it.`,
        false,
      );
    }
    if (!reason && this.whole) {
      const named = retentionAnchor(row);
      if (named && named.toSeq === head.anchorSeq && named.anchorHash === head.anchorHash) this.vouched = true;
    }
    this.expectedPrev = row.hash;
    this.lastKeyId = row.keyId;
    this.expectedSeq = row.seq + 1;
    this.checked += 1;
  }

  /** The report, once every event of the range has been given. */
  finish(): VerifyReport {
    const { head, fromSeq, toSeq } = this.input;
    if (this.expectedSeq <= toSeq) {
      this.broken.add(this.expectedSeq, toSeq, 'missing', toSeq === head.lastSeq ? ` (the trail ends before event ${toSeq}, its recorded head)` : '');
    } else if (
      toSeq === head.lastSeq &&
      head.lastSeq > 0 &&
      (this.expectedPrev !== head.lastHash || (this.lastKeyId !== undefined && this.lastKeyId !== head.lastKeyId))
    ) {
      this.broken.add(
        head.lastSeq,
        head.lastSeq,
        'head-mismatch',
        `The chain head records another hash or key for event ${head.lastSeq}, the last one.`,
        false,
      );
    }
    if (this.whole && head.anchorSeq > 0 && !this.vouched) {
      this.broken.add(
        1,
        head.anchorSeq,
        'anchor-unvouched',
        `Events 1 to ${head.anchorSeq} were removed, but no intact audit.retention.archived event names this anchor (retention always records one): they were deleted by hand.`,
        false,
      );
    }
    if (this.ahead) {
      this.broken.add(
        head.lastSeq + 1,
        this.ahead.seq,
        'checkpoint-ahead',
        `The checkpoint taken at ${this.ahead.at} saw the trail up to event ${this.ahead.seq}, but it now ends at event ${head.lastSeq}: events were removed from its end, or the head was moved back.`,
        false,
      );
    }
    const list = this.broken.list();
    return {
      ok: list.length === 0,
      fromSeq,
      toSeq,
      checked: this.checked,
      anchor: head.anchorSeq > 0 ? { seq: head.anchorSeq, hash: head.anchorHash } : null,
      head: { seq: head.lastSeq, hash: head.lastHash },
      keyId: this.input.keys.current?.id ?? null,
      firstBroken: list.length ? { seq: list[0].fromSeq, reason: list[0].reason, message: list[0].message } : null,
      broken: list,
      truncated: this.broken.truncated,
      checkpoints: { read: this.read, checked: this.checkpointsChecked },
    };
  }
}
