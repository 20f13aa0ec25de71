import { createHash } from 'node:crypto';
import type { GroupRecord, UserRecord } from '#app/hr-source';
import { USER_FIELDS } from '#app/omflow-contract';

/** A snapshot's content in memory: users by stable key, departments by code. */
export interface Content {
  users: Map<string, UserRecord>;
  groups: Map<string, GroupRecord>;
}

export function emptyContent(): Content {
  return { users: new Map(), groups: new Map() };
}

/** A digest of everything OMFLOW sees of a user (and its source id), to detect change cheaply. */
export function userHash(user: UserRecord): string {
  const h = createHash('sha1');
  for (const field of USER_FIELDS) h.update(`${user[field] ?? '\u0001'}\u0000`);
  h.update(user.groups.join('\u0002'));
  h.update(`\u0000${user.sourceId}`);
  return h.digest('base64url');
}

export function groupHash(group: GroupRecord): string {
  return createHash('sha1')
    .update(`${group.group_no}\u0000${group.display_name}\u0000${group.parent_group_no ?? '\u0001'}`)
    .digest('base64url');
}
