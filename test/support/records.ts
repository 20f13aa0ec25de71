import type { GroupRecord, UserRecord } from '#app/hr-source';

/** A directory user as the sync sees it after mapping: `u<key>`, `u<key>@x.test`, in department `a`; `over` replaces fields. */
export const userRecord = (key: string, over: Partial<UserRecord> = {}): UserRecord => ({
  key,
  sourceId: `e-${key}`,
  username: `u${key}`,
  email: `u${key}@x.test`,
  nick_name: null,
  ad_no: null,
  company: null,
  phone1: null,
  phone2: null,
  extension_no: null,
  gender: null,
  groups: ['a'],
  ...over,
});

/** A department named after its code unless `name` is given. */
export const groupRecord = (code: string, parent: string | null = null, name = code): GroupRecord => ({
  group_no: code,
  display_name: name,
  parent_group_no: parent,
});
