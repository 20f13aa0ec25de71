import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { renderSyncAnswer } from '#app/omflow-contract';
import type { Content } from './content.js';

export interface PreparedPayload {
  gzip: Buffer;
  /** Uncompressed size in bytes. */
  bytes: number;
  etag: string;
}

/**
 * The `/sync` answer of a snapshot, in pieces (the contract's renderer): users in stable-number
 * order, departments in theirs.
 */
export function renderSyncPieces(content: Content, personIds: ReadonlyMap<string, number>, departmentIds: ReadonlyMap<string, number>): Generator<string> {
  const users = [...content.users.values()].sort((a, b) => personIds.get(a.key)! - personIds.get(b.key)!);
  const groups = [...content.groups.values()].sort((a, b) => departmentIds.get(a.group_no)! - departmentIds.get(b.group_no)!);
  return renderSyncAnswer(users, groups);
}

/** The whole answer as one string (snapshot content reads, tests). */
export function renderSyncJson(content: Content, personIds: ReadonlyMap<string, number>, departmentIds: ReadonlyMap<string, number>): string {
  return [...renderSyncPieces(content, personIds, departmentIds)].join('');
}

/**
 * Renders and compresses the answer piece by piece, so that neither the object tree nor the
 * whole JSON text is ever held: memory stays flat whatever the organisation's size.
 */
export async function preparePayload(pieces: Iterable<string>): Promise<PreparedPayload> {
  const gzip = createGzip({ level: 6 });
  const hash = createHash('sha256');
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  let bytes = 0;
  for (const piece of pieces) {
    const buffer = Buffer.from(piece, 'utf8');
    bytes += buffer.length;
    hash.update(buffer);
    if (!gzip.write(buffer)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return { gzip: Buffer.concat(out), bytes, etag: `"${hash.digest('base64url').slice(0, 32)}"` };
}
