import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import { renderSyncAnswer } from '#app/omflow-contract';
import { inStableOrder, type LoadedContent } from './content.js';

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
