import { USER_FIELDS, type UserField } from '#app/omflow-contract';

/**
 * OMFLOW's answers as the read-back accepts them (seeds/001): the `{status, message, result}`
 * envelope, a user row, a department row. Pure checks: anything else is a malformed answer, which
 * fails the read-back (never a silent "in sync").
 */

/** Why reading OMFLOW failed. */
export type ReadFailure = 'unreachable' | 'timeout' | 'http' | 'malformed' | 'auth' | 'refused' | 'cancelled';

export class OmflowReadError extends Error {
  constructor(
    readonly kind: ReadFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OmflowReadError';
  }
}

/** A user as OMFLOW's `user/list/` answers it, with the columns the read-back asks for. */
export type OmflowUserRow = { id: number; delete: boolean; default_group: string | number | null } & {
  [F in UserField]: F extends 'username' ? string : string | null;
};

/** A department as `group/list/` answers it. */
export interface OmflowGroupRow {
  id: number;
  group_no: string;
  display_name: string | null;
  parent_group_id: number | null;
}

/** The columns asked of `user/list/` (OMFLOW answers only these). */
export const USER_COLUMNS: readonly string[] = ['id', ...USER_FIELDS, 'default_group', 'delete'];
export const GROUP_COLUMNS: readonly string[] = ['id', 'group_no', 'display_name', 'parent_group_id'];

export interface Envelope {
  status: number;
  message: string;
  result: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The envelope of an answer, or a malformed-answer error naming the call. */
export function envelopeOf(body: unknown, call: string): Envelope {
  if (!isObject(body)) throw new OmflowReadError('malformed', `OMFLOW answered ${call} with something other than a JSON object.`);
  if (typeof body.status !== 'number' || !Number.isInteger(body.status)) {
    throw new OmflowReadError('malformed', `OMFLOW's answer to ${call} has no integer "status".`);
  }
  const message = typeof body.message === 'string' ? body.message : '';
  return { status: body.status, message, result: body.result };
}

/** The security code of a successful `security/get/` answer. */
export function securityCodeOf(envelope: Envelope): string {
  const result = envelope.result;
  const code = isObject(result) ? result.security : undefined;
  if (typeof code !== 'string' || !/^[\w-]{8,128}$/.test(code)) {
    throw new OmflowReadError('malformed', 'OMFLOW\'s security code answer has no usable "result.security".');
  }
  return code;
}

const text = (row: Record<string, unknown>, field: string, at: string): string | null => {
  const v = row[field];
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  // A number in a text column (a phone number stored by hand) is the text of that number, as Django answers it.
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new OmflowReadError('malformed', `${at}: "${field}" is neither text nor null.`);
};

const integer = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * The rows of a list answer: an array of at most `limit` objects, each with an integer `id`
 * greater than `after` and than the row before it (the read-back pages by id, so OMFLOW must
 * honour the order and the condition it was asked).
 */
function rowsOf(envelope: Envelope, call: string, limit: number, after: number): Record<string, unknown>[] {
  const rows = envelope.result;
  if (!Array.isArray(rows)) throw new OmflowReadError('malformed', `OMFLOW's answer to ${call} has no list of rows in "result".`);
  if (rows.length > limit) throw new OmflowReadError('malformed', `OMFLOW answered ${rows.length} rows to ${call} where at most ${limit} were asked.`);
  let last = after;
  return rows.map((row: unknown, i) => {
    if (!isObject(row)) throw new OmflowReadError('malformed', `Row ${i} of OMFLOW's answer to ${call} is not an object.`);
    if (!integer(row.id) || row.id <= last) {
      throw new OmflowReadError('malformed', `Row ${i} of OMFLOW's answer to ${call} has no integer "id" after ${last} (the rows must come in id order).`);
    }
    last = row.id;
    return row;
  });
}

/** The users of a `user/list/` page. */
export function userRowsOf(envelope: Envelope, limit: number, after: number): OmflowUserRow[] {
  return rowsOf(envelope, 'user/list/', limit, after).map((row) => {
    const at = `OMFLOW user ${String(row.id)}`;
    const username = row.username;
    if (typeof username !== 'string' || !username.trim()) throw new OmflowReadError('malformed', `${at}: "username" is missing or empty.`);
    const user = { id: row.id as number } as OmflowUserRow;
    for (const field of USER_FIELDS) (user as Record<string, unknown>)[field] = text(row, field, at);
    user.username = username;
    const deleted = row.delete;
    if (deleted !== undefined && deleted !== null && typeof deleted !== 'boolean' && deleted !== 0 && deleted !== 1) {
      throw new OmflowReadError('malformed', `${at}: "delete" is not a boolean.`);
    }
    user.delete = deleted === true || deleted === 1;
    const group = row.default_group;
    if (group !== null && group !== undefined && typeof group !== 'string' && !integer(group)) {
      throw new OmflowReadError('malformed', `${at}: "default_group" is neither a department code, a department id nor null.`);
    }
    user.default_group = group ?? null;
    return user;
  });
}

/** The departments of a `group/list/` page. */
export function groupRowsOf(envelope: Envelope, limit: number, after: number): OmflowGroupRow[] {
  return rowsOf(envelope, 'group/list/', limit, after).map((row) => {
    const at = `OMFLOW department ${String(row.id)}`;
    if (typeof row.group_no !== 'string' || !row.group_no) throw new OmflowReadError('malformed', `${at}: "group_no" is missing or empty.`);
    const parent = row.parent_group_id;
    if (parent !== null && parent !== undefined && !integer(parent))
      throw new OmflowReadError('malformed', `${at}: "parent_group_id" is not an integer or null.`);
    return { id: row.id as number, group_no: row.group_no, display_name: text(row, 'display_name', at), parent_group_id: parent ?? null };
  });
}

/**
 * The members of a `user/list-by-group/` answer, by department code as OMFLOW answers it: the
 * usernames of each. Departments OMFLOW does not know are left out of its answer.
 */
export function membersOf(envelope: Envelope, asked: number): Map<string, string[]> {
  const result = envelope.result;
  if (!isObject(result)) throw new OmflowReadError('malformed', 'OMFLOW\'s answer to user/list-by-group/ has no object of departments in "result".');
  const entries = Object.entries(result);
  if (entries.length > asked)
    throw new OmflowReadError('malformed', `OMFLOW answered ${entries.length} departments to user/list-by-group/ where ${asked} were asked.`);
  const out = new Map<string, string[]>();
  for (const [code, members] of entries) {
    if (!Array.isArray(members)) throw new OmflowReadError('malformed', `OMFLOW's members of department ${code} are not a list.`);
    out.set(
      code,
      members.map((m: unknown, i) => {
        const username = isObject(m) ? m.user__username : undefined;
        if (typeof username !== 'string' || !username)
          throw new OmflowReadError('malformed', `Member ${i} of department ${code} in OMFLOW's answer has no "user__username".`);
        return username;
      }),
    );
  }
  return out;
}
