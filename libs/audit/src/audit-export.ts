import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { AuditEvent } from './audit-event.entity.js';

export type ExportFormat = 'ndjson' | 'csv';

/** The JSON form of an event, in the review API, the NDJSON export and the archives alike. */
export interface AuditEventJson {
  seq: number;
  time: string;
  actor: { kind: string; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  outcome: string;
  requestId: string | null;
  sourceIp: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
  /** The key that sealed the event (null: an unkeyed audit-v1 event). */
  keyId: string | null;
}

export function toEventJson(e: AuditEvent): AuditEventJson {
  return {
    seq: e.seq,
    time: e.occurredAt.toISOString(),
    actor: { kind: e.actorKind, id: e.actorId },
    action: e.action,
    target: e.targetType === null ? null : { type: e.targetType, id: e.targetId },
    outcome: e.outcome,
    requestId: e.requestId,
    sourceIp: e.sourceIp,
    details: JSON.parse(e.details) as Record<string, unknown>,
    prevHash: e.prevHash,
    hash: e.hash,
    keyId: e.keyId,
  };
}

export const CSV_HEADER = 'seq,time,actor_kind,actor_id,action,target_type,target_id,outcome,request_id,source_ip,details,prev_hash,hash,key_id\r\n';

/** RFC 4180 quoting; a leading = + - @ is neutralised so that spreadsheets do not run it as a formula. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(e: AuditEvent): string {
  return (
    [
      e.seq,
      e.occurredAt.toISOString(),
      e.actorKind,
      e.actorId,
      e.action,
      e.targetType,
      e.targetId,
      e.outcome,
      e.requestId,
      e.sourceIp,
      e.details,
      e.prevHash,
      e.hash,
      e.keyId,
    ]
      .map(csvField)
      .join(',') + '\r\n'
  );
}

/** Turns pages of events into text chunks of the format, one chunk per page. */
export async function* exportChunks(pages: AsyncIterable<AuditEvent[]>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_HEADER;
  for await (const page of pages) {
    yield format === 'csv' ? page.map(csvLine).join('') : page.map((e) => `${JSON.stringify(toEventJson(e))}\n`).join('');
  }
}

/**
 * Streams chunks to the response with backpressure: the next chunk (and so the next database
 * page) is produced only when the socket has taken the previous ones. A client that goes away
 * stops the walk.
 */
export async function streamToResponse(res: Response, chunks: AsyncIterable<string>): Promise<void> {
  try {
    await pipeline(Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 }), res);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return; // the client hung up
    throw error;
  }
}
