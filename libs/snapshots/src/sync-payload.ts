import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { renderSyncAnswer } from '#app/omflow-contract';
import { inStableOrder, type LoadedContent } from './content.js';
import { TimeSlice } from './time-slice.js';

export interface PreparedPayload {
  gzip: Buffer;
  /** Uncompressed size in bytes. */
  bytes: number;
  etag: string;
}

/** The `/sync` answer of a snapshot, in pieces (the contract's renderer): users and departments in stable-number order. */
export function syncAnswerOf(content: LoadedContent): Generator<string> {
  return renderSyncAnswer(inStableOrder(content.users), inStableOrder(content.groups));
}

/**
 * Renders and compresses the answer piece by piece, so that neither the object tree nor the
 * whole JSON text is ever held: memory stays flat whatever the organisation's size. Compression
 * runs on the thread pool (async zlib), and the rendering gives the event loop a turn between
 * slices.
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
  const slice = new TimeSlice(20, 1);
  for (const piece of pieces) {
    if (slice.due()) await slice.pause();
    const buffer = Buffer.from(piece, 'utf8');
    bytes += buffer.length;
    hash.update(buffer);
    if (!gzip.write(buffer)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return { gzip: Buffer.concat(out), bytes, etag: `"${hash.digest('base64url').slice(0, 32)}"` };
}
