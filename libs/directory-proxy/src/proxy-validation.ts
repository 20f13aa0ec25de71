import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors, type FieldProblem } from '#app/common';
import { CreateEmployeeDto, ImportEmployeeDto, UpdateEmployeeDto } from '#app/workplus';

/** argon2 reads a password whole: the same bound as the bridge's credential store. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Keys the contract's field tables list as "request parameters" although they belong to the
 * URL (`access_token`, `org_code`): accepted in a body for callers that follow the tables
 * literally, checked, and never forwarded.
 */
const URL_PARAMETERS = ['access_token', 'org_code'] as const;

export type Validated<T> = { ok: true; value: T; plain: Record<string, unknown> } | { ok: false; fields: FieldProblem[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates a body against a contract DTO of #app/workplus: required fields and types of the
 * seed's field tables, positions with `org_id` or `org_path`, tags, properties. Unknown fields
 * are refused (a misspelt field would otherwise be dropped silently by the directory). On
 * success, `plain` is what goes to the directory: the body without the URL parameters.
 */
export function validateEmployeeBody<T extends object>(cls: ClassConstructor<T>, body: unknown, code: string): Validated<T> {
  if (!isObject(body)) return { ok: false, fields: [{ field: '(body)', problems: ['the body must be a JSON object'] }] };
  const plain: Record<string, unknown> = { ...body };
  const fields: FieldProblem[] = [];
  for (const key of URL_PARAMETERS) {
    if (!(key in plain)) continue;
    if (key === 'org_code' && plain[key] !== code) fields.push({ field: 'org_code', problems: [`org_code must be the organisation of the path (${code})`] });
    delete plain[key];
  }
  const value = plainToInstance(cls, plain);
  const errors = validateSync(value, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  fields.push(...flattenValidationErrors(errors));
  if ('password' in plain) {
    const password = plain.password;
    if (typeof password === 'string' && password.length === 0)
      fields.push({ field: 'password', problems: ['password must not be empty (leave it out instead)'] });
    if (typeof password === 'string' && password.length > MAX_PASSWORD_LENGTH)
      fields.push({ field: 'password', problems: [`password must be at most ${MAX_PASSWORD_LENGTH} characters`] });
  }
  return fields.length ? { ok: false, fields } : { ok: true, value, plain };
}

export const validateCreate = (body: unknown, code: string): Validated<CreateEmployeeDto> => validateEmployeeBody(CreateEmployeeDto, body, code);
export const validateUpdate = (body: unknown, code: string): Validated<UpdateEmployeeDto> => validateEmployeeBody(UpdateEmployeeDto, body, code);

/** One row of an import, once checked: either on its way to the directory or refused by the bridge. */
export type ImportRow =
  | { key: string; index: number; ok: true; value: ImportEmployeeDto; plain: Record<string, unknown> }
  | { key: string; index: number; ok: false; message: string };

/** The one-line reason of a refused row, as the directory words its own row failures. */
export function describeProblems(fields: FieldProblem[]): string {
  const text = fields
    .slice(0, 5)
    .map((f) => `${f.field}: ${f.problems[0] ?? 'invalid'}`)
    .join('; ');
  return `invalid row: ${text}${fields.length > 5 ? '; …' : ''}`;
}

/**
 * Checks every row of an import on its own. Rows are keyed as the directory keys its answer:
 * by `username`, or `#<index>` when a row has none. A username in more than one row refuses
 * all of them: the directory would apply them in turn and answer once for the username.
 */
export function validateImportRows(rows: unknown[], code: string): ImportRow[] {
  const checked: ImportRow[] = rows.map((raw, index) => {
    const username = isObject(raw) && typeof raw.username === 'string' && raw.username.length ? raw.username : null;
    const key = username ?? `#${index}`;
    const result = validateEmployeeBody(ImportEmployeeDto, raw, code);
    return result.ok ? { key, index, ok: true, value: result.value, plain: result.plain } : { key, index, ok: false, message: describeProblems(result.fields) };
  });
  const seen = new Map<string, number[]>();
  for (const row of checked) seen.set(row.key, [...(seen.get(row.key) ?? []), row.index]);
  return checked.map((row) => {
    const indexes = seen.get(row.key) ?? [];
    if (indexes.length < 2) return row;
    return {
      key: row.key,
      index: row.index,
      ok: false,
      message: `invalid row: username ${row.key} appears in rows ${indexes.join(', ')}; send one row per employee`,
    };
  });
}
