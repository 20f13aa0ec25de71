import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { AUDIT_EVENT_FIELDS, type AuditEvent } from './audit-event.entity.js';
import type { StoredAuditEvent } from './audit.types.js';

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

/** A field's value in the exports: times in ISO 8601 (UTC, ms). */
function exported(value: StoredAuditEvent[keyof StoredAuditEvent]): string | number | null {
  return value instanceof Date ? value.toISOString() : value;
}

/** The JSON of an event, laid out by AUDIT_EVENT_COLUMNS (`json`), in column order. */
export function toEventJson(e: AuditEvent): AuditEventJson {
  const json: Record<string, unknown> = {};
  for (const [field, { json: at }] of AUDIT_EVENT_FIELDS) {
    const value = field === 'details' ? (JSON.parse(e.details) as unknown) : exported(e[field]);
    if (typeof at === 'string') json[at] = value;
    else ((json[at[0]] ??= {}) as Record<string, unknown>)[at[1]] = value;
  }
  // An event without a target says so, rather than naming a target of nulls.
  if (e.targetType === null) json.target = null;
  return json as unknown as AuditEventJson;
}

export const CSV_HEADER = `${AUDIT_EVENT_FIELDS.map(([, column]) => column.csv ?? column.name).join(',')}\r\n`;

/** RFC 4180 quoting; a leading = + - @ is neutralised so that spreadsheets do not run it as a formula. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(e: AuditEvent): string {
  return `${AUDIT_EVENT_FIELDS.map(([field]) => csvField(exported(e[field]))).join(',')}\r\n`;
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
export async function streamToResponse(res: Writable, chunks: AsyncIterable<string>): Promise<void> {
  try {
    await pipeline(Readable.from(chunks, { objectMode: false, highWaterMark: 64 * 1024 }), res);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return; // the client hung up
    throw error;
  }
}
