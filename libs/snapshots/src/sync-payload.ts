import { createHash } from 'node:crypto';
import { createGzip } from 'node:zlib';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import type { Content } from './content.js';

export interface PreparedPayload {
  gzip: Buffer;
  /** Uncompressed size in bytes. */
  bytes: number;
  etag: string;
}

/** Users rendered per write: large enough to amortise calls, small enough to keep memory flat. */
const BATCH = 1000;

function userJson(u: UserRecord): string {
  return JSON.stringify({
    username: u.username,
    email: u.email ?? '',
    nick_name: u.nick_name ?? '',
    ad_no: u.ad_no ?? '',
    company: u.company ?? '',
    phone1: u.phone1 ?? '',
    phone2: u.phone2 ?? '',
    extension_no: u.extension_no ?? '',
    gender: u.gender ?? '',
  });
}

function groupJson(g: GroupRecord, members: string[]): string {
  return JSON.stringify({ display_name: g.display_name, group_no: g.group_no, parent_group_no: g.parent_group_no ?? '', user_list: members });
}

/**
 * The `/sync` answer of seeds/000 for a snapshot, in pieces: users in stable-number order,
 * departments in theirs, each department's `user_list` naming its members. Text fields OMFLOW
 * stores as NOT NULL strings are sent as "" when empty.
 */
export function* renderSyncPieces(content: Content, personIds: ReadonlyMap<string, number>, departmentIds: ReadonlyMap<string, number>): Generator<string> {
  const users = [...content.users.values()].sort((a, b) => personIds.get(a.key)! - personIds.get(b.key)!);
  const members = new Map<string, string[]>();
  for (const user of users) {
    for (const group of user.groups) {
      const list = members.get(group);
      if (list) list.push(user.username);
      else members.set(group, [user.username]);
    }
  }
  yield '{"status":"success","user_info_list":[';
  for (let i = 0; i < users.length; i += BATCH) {
    yield (
      (i ? ',' : '') +
      users
        .slice(i, i + BATCH)
        .map(userJson)
        .join(',')
    );
  }
  yield '],"group_info_list":[';
  const groups = [...content.groups.values()].sort((a, b) => departmentIds.get(a.group_no)! - departmentIds.get(b.group_no)!);
  for (let i = 0; i < groups.length; i += BATCH) {
    yield (
      (i ? ',' : '') +
      groups
        .slice(i, i + BATCH)
        .map((g) => groupJson(g, members.get(g.group_no) ?? []))
        .join(',')
    );
  }
  yield ']}';
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
