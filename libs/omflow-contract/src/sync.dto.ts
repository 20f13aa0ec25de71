import { ApiProperty } from '@nestjs/swagger';
import { USER_FIELDS, type OmflowGroupFields, type OmflowUserFields, type UserField } from './user-fields.js';

export class OmflowUserInfoDto {
  /** Account (unique, compared case-insensitively). */
  @ApiProperty({ example: 'zhang.wei' })
  username: string;
  /** Email (unique, valid). */
  @ApiProperty({ example: 'zhang.wei@example.com' })
  email: string;
  @ApiProperty({ example: '张伟' })
  nick_name: string;
  /** Employee number. */
  @ApiProperty({ example: 'IMPL00001' })
  ad_no: string;
  company: string;
  /** Phone. */
  phone1: string;
  /** Mobile phone. */
  phone2: string;
  extension_no: string;
  @ApiProperty({ enum: ['male', 'female', ''] })
  gender: string;
}

export class OmflowGroupInfoDto {
  @ApiProperty({ example: '研发中心' })
  display_name: string;
  /** Department code (unique). */
  group_no: string;
  /** Parent department code; "" for a top-level department. */
  parent_group_no: string;
  /** Usernames of the department's members. */
  user_list: string[];
}

/** The `/sync` answer of the OMFLOW Custom HR contract. */
export class OmflowSyncSuccessDto {
  @ApiProperty({ enum: ['success'] })
  status: 'success';
  user_info_list: OmflowUserInfoDto[];
  group_info_list: OmflowGroupInfoDto[];
}

/** OMFLOW's failure answer (HTTP 200, as OMFLOW reads the body). */
export class OmflowFailDto {
  @ApiProperty({ enum: ['fail'] })
  status: 'fail';
  @ApiProperty({ example: 'No snapshot has been published yet.' })
  message: string;
}

/** The documented user entry names exactly USER_FIELDS: a field added to one and not the other fails to compile. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const userInfoMatchesFields: SameKeys<OmflowUserInfoDto, Record<UserField, string>> = true;
void userInfoMatchesFields;

/** One user of the answer, with the codes of the departments it belongs to (its `user_list` entries). */
export type SyncAnswerUser = OmflowUserFields & { readonly groups: readonly string[] };

/** Users rendered per piece: large enough to amortise calls, small enough to keep memory flat. */
const BATCH = 1000;
/** `{"username":`, `,"email":`, …: each user's keys, in USER_FIELDS order. */
const USER_KEYS = USER_FIELDS.map((field, i) => `${i ? ',' : '{'}${JSON.stringify(field)}:`);

/** A user entry; text fields OMFLOW stores as NOT NULL strings are sent as "" when empty. */
function userJson(user: OmflowUserFields): string {
  let out = '';
  for (let i = 0; i < USER_FIELDS.length; i++) out += USER_KEYS[i] + JSON.stringify(user[USER_FIELDS[i]] ?? '');
  return `${out}}`;
}

/** `items` rendered and comma-separated, BATCH per piece. */
function* inBatches<T>(items: readonly T[], render: (item: T) => string): Generator<string> {
  for (let i = 0; i < items.length; i += BATCH)
    yield (
      (i ? ',' : '') +
      items
        .slice(i, i + BATCH)
        .map(render)
        .join(',')
    );
}

function groupJson(g: OmflowGroupFields, members: string[]): string {
  return JSON.stringify({ display_name: g.display_name, group_no: g.group_no, parent_group_no: g.parent_group_no ?? '', user_list: members });
}

/**
 * The `/sync` answer (OmflowSyncSuccessDto, seeds/000) in pieces, users and departments in the
 * order given, each department's `user_list` naming its members. Pieces keep memory flat
 * whatever the organisation's size: neither the object tree nor the whole text is ever held.
 */
export function* renderSyncAnswer(users: readonly SyncAnswerUser[], groups: readonly OmflowGroupFields[]): Generator<string> {
  const members = new Map<string, string[]>();
  for (const user of users) {
    for (const group of user.groups) {
      const list = members.get(group);
      if (list) list.push(user.username);
      else members.set(group, [user.username]);
    }
  }
  yield '{"status":"success","user_info_list":[';
  yield* inBatches(users, userJson);
  yield '],"group_info_list":[';
  yield* inBatches(groups, (g) => groupJson(g, members.get(g.group_no) ?? []));
  yield ']}';
}
