import { ApiProperty, ApiPropertyOptional, getSchemaPath, type SchemaObject } from '@nestjs/swagger';
import { MAX_GROUPS, MAX_IN_VALUES, MAX_VALUE_LENGTH, OPERATORS } from '#app/omflow-contract';
import { GROUP_QUERY_COLUMNS, USER_QUERY_COLUMNS } from '#app/omflow-contract';

const USER_COLUMN_NAMES = USER_QUERY_COLUMNS.map((c) => c.name);
const GROUP_COLUMN_NAMES = GROUP_QUERY_COLUMNS.map((c) => c.name);

/**
 * One condition. `=` (`null` matches empty values), `>` and `<` compare typed values (numbers
 * as numbers, dates as dates: `"2026-01-31"` or `"2026-01-31T08:00:00Z"`, text as OMFLOW's
 * MySQL collation does: case- and accent-insensitively, trailing spaces ignored with the
 * default utf8mb4_unicode_ci; see OMFLOW_COLLATION); `in` takes an array (an empty array, or
 * one of nulls only, matches nothing; a null in it is left out); `contains` is a
 * case-insensitive substring match on text columns (MySQL's LIKE). Values are taken as
 * Django's fields take them: `"3"` for a number, `3` for text, `"True"`/`"t"`/`"1"` and
 * `"False"`/`"f"`/`"0"` for true/false.
 */
export class QueryConditionDto {
  /** A column of the list (see `search_columns`). */
  @ApiProperty({ example: 'username' })
  column: string;

  @ApiProperty({ enum: OPERATORS, example: 'in' })
  condition: string;

  /** A value of the column's type; an array for `in`. Text values have at most MAX_VALUE_LENGTH (1,000) characters. */
  @ApiProperty({
    oneOf: [
      { type: 'string', maxLength: MAX_VALUE_LENGTH },
      { type: 'number' },
      { type: 'boolean' },
      {
        type: 'array',
        maxItems: MAX_IN_VALUES,
        items: { oneOf: [{ type: 'string', maxLength: MAX_VALUE_LENGTH }, { type: 'number' }, { type: 'boolean' }], nullable: true },
      },
    ],
    nullable: true,
    example: ['admin', 'user001'],
  })
  value: unknown;
}

/** The gate of every OMFLOW REST call. */
export class OmflowRestBaseDto {
  /** Security code from `/accounts/api/security/get/` (expires after 5 minutes without use). */
  @ApiProperty({ example: '0f8fad5b-d9cb-469f-a165-70867728950e' })
  security: string;

  /** Must be 1. */
  @ApiProperty({ enum: [1], example: 1 })
  omflow_restapi: number;
}

/**
 * The body of `user/list/` (and, over department columns, `group/list/`). Unknown top-level
 * fields are ignored, as OMFLOW ignores them; everything inside the conditions is checked and a
 * problem answers `{"status":404,"message":"Query failed: ..."}`.
 */
export class UserListRequestDto extends OmflowRestBaseDto {
  /** ANDed; default: every user. */
  @ApiPropertyOptional({
    type: [QueryConditionDto],
    example: [
      { column: 'username', condition: 'in', value: ['admin', 'user001'] },
      { column: 'id', condition: '>', value: 3 },
    ],
  })
  search_conditions?: QueryConditionDto[];

  /** Fields of each row; empty: every field. */
  @ApiPropertyOptional({ type: [String], enum: USER_COLUMN_NAMES, example: ['id', 'username', 'nick_name'] })
  search_columns?: string[];

  /** Rows matching ALL of these are left out (Django `exclude(c1 & c2)`). */
  @ApiPropertyOptional({ type: [QueryConditionDto], example: [{ column: 'delete', condition: '=', value: true }] })
  exclude_conditions?: QueryConditionDto[];

  /** Columns to sort by, `-col` descending; default `["id"]`. */
  @ApiPropertyOptional({ type: [String], example: ['-id'] })
  order_columns?: string[];

  /** Django `[start:limit]`: the row after the last one returned (default 100). start=1, limit=100 → 99 rows. */
  @ApiPropertyOptional({ example: 100, minimum: 0 })
  limit?: number;

  /** First row (default 0). */
  @ApiPropertyOptional({ example: 0, minimum: 0 })
  start?: number;

  /** Bridge extension: query a past kept snapshot instead of the published one. */
  @ApiPropertyOptional({ example: 3, minimum: 1 })
  snapshot?: number;
}

export class GroupListRequestDto extends OmflowRestBaseDto {
  /** Conditions over `id`, `group_no`, `display_name`, `parent_group_id`, `description`; default: every department. */
  @ApiPropertyOptional({ type: [QueryConditionDto], example: [{ column: 'display_name', condition: 'contains', value: 'sales' }] })
  search_conditions?: QueryConditionDto[];

  @ApiPropertyOptional({ type: [String], enum: GROUP_COLUMN_NAMES })
  search_columns?: string[];

  @ApiPropertyOptional({ type: [QueryConditionDto] })
  exclude_conditions?: QueryConditionDto[];

  @ApiPropertyOptional({ type: [String], example: ['group_no'] })
  order_columns?: string[];

  @ApiPropertyOptional({ example: 100, minimum: 0 })
  limit?: number;

  @ApiPropertyOptional({ example: 0, minimum: 0 })
  start?: number;
}

export class UsersByGroupRequestDto extends OmflowRestBaseDto {
  /** Department codes (give this or `org_name`). */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: MAX_VALUE_LENGTH }, maxItems: MAX_GROUPS, example: ['rd', 'sales'] })
  org_no?: string[];

  /** Department names, compared case-insensitively (give this or `org_no`). */
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', maxLength: MAX_VALUE_LENGTH }, maxItems: MAX_GROUPS, example: [] })
  org_name?: string[];
}

/** One row of `user/list/`: the fields of `search_columns`, every field when it is empty. */
export class OmflowUserRowDto {
  /** Stable user number (survives re-syncs). */
  id?: number;
  /** Never returned. */
  @ApiPropertyOptional({ type: 'string', nullable: true, example: null })
  password?: string | null;
  /** Last successful /authenticate. */
  @ApiPropertyOptional({ type: 'string', nullable: true, format: 'date-time' })
  last_login?: string | null;
  @ApiPropertyOptional({ example: false })
  is_superuser?: boolean;
  username?: string;
  /** Always "" (the directory has one display name: nick_name). */
  first_name?: string;
  /** Always "". */
  last_name?: string;
  /** false for users removed from the directory. */
  is_active?: boolean;
  @ApiPropertyOptional({ type: 'string', nullable: true })
  email?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true })
  nick_name?: string | null;
  /** Always null (not in the directory). */
  @ApiPropertyOptional({ type: 'string', format: 'date', nullable: true, example: null })
  birthday?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true, enum: ['male', 'female'] })
  gender?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true })
  phone1?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true })
  phone2?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true })
  extension_no?: string | null;
  @ApiPropertyOptional({ type: 'string', nullable: true })
  company?: string | null;
  /** Always false (users come from Custom HR, not AD). */
  ad_flag?: boolean;
  /** Always null. */
  @ApiPropertyOptional({ type: 'string', nullable: true, example: null })
  ad_sid?: string | null;
  /** Always 10 (OMFLOW's default). */
  frequency?: number;
  /** When the bridge last changed the user. */
  @ApiPropertyOptional({ format: 'date-time' })
  updatetime?: string;
  /** true for users no longer in the directory. */
  delete?: boolean;
  /** Code of the primary department. */
  @ApiPropertyOptional({ type: 'string', nullable: true })
  default_group?: string | null;
  /** Employee number. */
  @ApiPropertyOptional({ type: 'string', nullable: true })
  ad_no?: string | null;
}

/** One row of `group/list/`: the fields of `search_columns`, every field when it is empty. */
export class OmflowGroupRowDto {
  id?: number;
  group_no?: string;
  display_name?: string;
  /** `id` of the parent department; null at the top. */
  @ApiPropertyOptional({ type: 'number', nullable: true })
  parent_group_id?: number | null;
  /** Always "" (the directory has none). */
  description?: string;
}

export class OmflowGroupMemberDto {
  /** User number (`id` of user/list). */
  user: number;
  @ApiProperty({ type: 'string', nullable: true })
  user__nick_name: string | null;
  user__username: string;
  @ApiProperty({ type: 'string', nullable: true })
  user__ad_no: string | null;
}

/**
 * OMFLOW's answer to a failed call, with HTTP 200 like every answer of the query API: 403 for
 * the gate (`omflow_restapi`, a missing, unknown or expired `security`, credentials), 404
 * "Query failed: <reason>" for a bad query, 500 for the unexpected.
 */
export class OmflowErrorEnvelopeDto {
  @ApiProperty({ enum: [403, 404, 500], example: 404 })
  status: 403 | 404 | 500;
  @ApiProperty({ example: 'Query failed: search_conditions[0]: unknown column "salary"; known columns: id, …' })
  message: string;
  /** Always null. */
  @ApiProperty({ type: 'object', properties: {}, nullable: true, enum: [null], example: null })
  result: null;
}

/** OMFLOW's envelope of a successful call (HTTP 200, `status` 200); `result` depends on the call. */
export class OmflowEnvelopeDto {
  @ApiProperty({ enum: [200], example: 200 })
  status: 200;
  @ApiProperty({ example: 'Query successful.' })
  message: string;
}

export class SecurityCodeResultDto {
  @ApiProperty({ format: 'uuid' })
  security: string;
}

export class SecurityCodeAnswerDto extends OmflowEnvelopeDto {
  result: SecurityCodeResultDto;
}

export class UserListAnswerDto extends OmflowEnvelopeDto {
  @ApiProperty({ type: [OmflowUserRowDto] })
  result: OmflowUserRowDto[];
}

export class UsersByGroupAnswerDto extends OmflowEnvelopeDto {
  /** Members by department code; unknown codes or names are left out. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: { $ref: getSchemaPath(OmflowGroupMemberDto) } } })
  result: Record<string, OmflowGroupMemberDto[]>;
}

export class GroupListAnswerDto extends OmflowEnvelopeDto {
  @ApiProperty({ type: [OmflowGroupRowDto] })
  result: OmflowGroupRowDto[];
}

/** The HTTP 200 answer of a query API call: its success envelope, or the error envelope. */
export function omflowAnswer(success: new () => OmflowEnvelopeDto): SchemaObject {
  return { oneOf: [{ $ref: getSchemaPath(success) }, { $ref: getSchemaPath(OmflowErrorEnvelopeDto) }] };
}
