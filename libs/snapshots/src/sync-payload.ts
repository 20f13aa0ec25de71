import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Content } from './content.js';

const gzipAsync = promisify(gzip);

export interface PreparedPayload {
  gzip: Buffer;
  /** Uncompressed size in bytes. */
  bytes: number;
  etag: string;
}

/**
 * The `/sync` answer of seeds/000 for a snapshot: users in stable-number order, departments in
 * theirs, each department's `user_list` naming its members. Text fields OMFLOW stores as
 * NOT NULL strings are sent as "" when empty. Prepared once when published, then served as bytes.
 */
export function renderSyncJson(content: Content, personIds: ReadonlyMap<string, number>, departmentIds: ReadonlyMap<string, number>): string {
  const users = [...content.users.values()].sort((a, b) => personIds.get(a.key)! - personIds.get(b.key)!);
  const members = new Map<string, string[]>();
  for (const user of users) {
    for (const group of user.groups) {
      const list = members.get(group);
      if (list) list.push(user.username);
      else members.set(group, [user.username]);
    }
  }
  const groups = [...content.groups.values()].sort((a, b) => departmentIds.get(a.group_no)! - departmentIds.get(b.group_no)!);
  const body = {
    status: 'success',
    user_info_list: users.map((u) => ({
      username: u.username,
      email: u.email ?? '',
      nick_name: u.nick_name ?? '',
      ad_no: u.ad_no ?? '',
      company: u.company ?? '',
      phone1: u.phone1 ?? '',
      phone2: u.phone2 ?? '',
      extension_no: u.extension_no ?? '',
      gender: u.gender ?? '',
    })),
    group_info_list: groups.map((g) => ({
      display_name: g.display_name,
      group_no: g.group_no,
      parent_group_no: g.parent_group_no ?? '',
      user_list: members.get(g.group_no) ?? [],
    })),
  };
  return JSON.stringify(body);
}

export async function preparePayload(json: string): Promise<PreparedPayload> {
  const raw = Buffer.from(json, 'utf8');
  const compressed = await gzipAsync(raw, { level: 6 });
  return { gzip: compressed, bytes: raw.length, etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 32)}"` };
}
