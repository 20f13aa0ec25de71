import { ApiProperty } from '@nestjs/swagger';

/**
 * A refusal or failure in the WorkPlus envelope: the directory's own (its code, passed through
 * with HTTP 200) or the bridge's (the HTTP status as `status`; 10011 for a bad access_token).
 */
export class WorkPlusEnvelopeDto {
  /** The directory's code (202011, 202012, 202013, 208502, …) or the bridge's (400, 403, 404, 413, 502, 503, 504; 10011 for a bad access_token); never 0. */
  @ApiProperty({ type: 'integer', minimum: 1, example: 202012 })
  status: number;

  /** What went wrong. */
  @ApiProperty({ example: 'employee not found.' })
  message: string;

  /** Null, or details: `fields` (400, refused by the bridge), `reason` (502, 503, 504), or what the directory sent with its refusal. */
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true })
  result: Record<string, unknown> | null;
}

/** A call the directory carried out: `status` 0; `result` depends on the call. */
export class WorkPlusOkEnvelopeDto {
  @ApiProperty({ enum: [0], example: 0 })
  status: 0;

  /** `ok` (`Everything is ok.` for imports). */
  @ApiProperty({ example: 'ok' })
  message: string;
}

export class EmployeeListAnswerDto extends WorkPlusOkEnvelopeDto {
  /** The directory's employees, as it lists them. */
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  result: Record<string, unknown>[];
}

export class EmployeeAnswerDto extends WorkPlusOkEnvelopeDto {
  /** The employee record, as the directory answers it. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  result: Record<string, unknown>;
}

export class ImportResultDto {
  /** Username → employee id of each row carried out. */
  @ApiProperty({ type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'integer' }] } })
  successes: Record<string, string | number>;

  /** Username (or `#<row>` without one) → why the row failed; rows refused by the bridge included. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  failures: Record<string, string>;
}

export class EmployeeImportAnswerDto extends WorkPlusOkEnvelopeDto {
  result: ImportResultDto;
}

export class EmployeeChangedAnswerDto extends WorkPlusOkEnvelopeDto {
  /** An empty object in the contract (passed through as the directory sends it). */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  result: Record<string, unknown> | null;
}

// ---- examples (seeds/002) ----

export const CREATE_EXAMPLE = {
  username: 'zhangsan',
  name: '张三',
  sn: 'IMPL00001',
  mobile: '',
  email: '1231414324@qq.com',
  password: 'Initial-Passw0rd',
  positions: [{ job_title: '测试', org_path: '/xx节点1/xxx部门/' }],
};

export const UPDATE_EXAMPLE = {
  name: 'xxxxxxx1',
  sn: 'IMPL00001',
  mobile: '',
  email: '1231414324@qq.com',
  positions: [{ job_title: '测试', org_path: '/开发的小分队/部门11/' }],
};

export const IMPORT_EXAMPLE = [
  { username: 'lisi', name: '李四', sn: 'IMPL00002', email: 'lisi@example.com', positions: [{ jobTitle: '测试', org_path: 'AAA/BBB/CCC' }] },
  { ops: 'REMOVE', username: 'wangwu' },
];

export const RECORD_EXAMPLE = {
  status: 0,
  message: 'ok',
  result: {
    employee_id: { domain_id: 'xxx', code: 'xxx', id: '雇员ID' },
    name: 'xxxxxxx',
    pinyin: 'xxxxxxx',
    initial: 'xxxxxxx',
    sn: 'IMPL00001',
    email: '1231414324@qq.com',
    sort_order: 999,
    senior: false,
    user: { id: '用户ID', username: 'xxxxxxx', name: 'xxxxxxx', id_card: '1231414324@qq.com', gender: 'male', status: 'confirmed' },
    extension_profiles: {},
    positions: [
      {
        position_id: { domain_id: 'xxx', code: 'xxx', id: 'possitionID' },
        employee_id: '雇员ID',
        org_id: '节点ID',
        path: '/aaa/bbb/',
        type: 'O',
        job_title: '测试',
        primary: false,
        chief: false,
      },
    ],
    properties: [],
    rank: 0,
    tags: [],
    disabled: false,
    deleted: false,
    create_time: 1592284154154,
    modify_time: 1592284154154,
  },
};

export const LIST_EXAMPLE = {
  status: 0,
  message: 'ok',
  result: [
    {
      id: 'xxxx',
      type: 'EMPLOYEE',
      domain_id: 'xxx',
      org_code: 'xxx',
      display_name: '李四',
      name: '李四',
      pinyin: 'lisi',
      initial: 'ls',
      gender: 'MALE',
      email: '1231414324@qq.com',
      status: 'ACTIVATED',
      sn: 'IMPL00001',
      user_id: 'xxx',
      username: 'lisi',
      nickname: '1',
      sort_order: 999,
      senior: false,
      locked: false,
      employee_rank: 0,
      tags: [1],
      tag_names: ['分组1-标签1'],
      positions: [{ id: 'xxxxxx', org_id: 'abc', path: '/aaa/abc/', type: 'CORP', job_title: 'xxxx', level: 2, primary: true, chief: false, org_name: 'xxxx' }],
      properties: [],
      created: 1539154556491,
      last_modified: 1591095956291,
    },
  ],
};

export const EMPTY_RESULT_EXAMPLE = { status: 0, message: 'ok', result: {} };

export const IMPORT_RESULT_EXAMPLE = {
  status: 0,
  message: 'Everything is ok.',
  result: {
    successes: { lisi: '31718' },
    failures: { wangwu: 'employee not found.', '#2': 'invalid row: positions: positions should not be empty' },
  },
};

/** The error answers every call may give, by HTTP status (413 only for calls whose body is read: every method but GET). */
export const ERROR_EXAMPLES = {
  400: {
    description:
      'Refused by the bridge before reaching the directory: `status` 400, `result.fields` naming each field; `result` null for a body that is not JSON or nests too deep, or a path that is not valid percent-encoding.',
    example: {
      status: 400,
      message: 'Invalid request: positions should not be empty',
      result: { fields: [{ field: 'positions', problems: ['positions should not be empty'] }] },
    },
  },
  401: {
    description: 'Missing, unknown or revoked `access_token` (a bridge client secret): `status` 10011, as WorkPlus says for a bad token.',
    example: { status: 10011, message: 'token not found: the access_token is not a live bridge client secret.', result: null },
  },
  403: {
    description: 'The client lacks `directory:read` (GET) or `directory:write` (changes), or may not reach this organisation: `status` 403.',
    example: { status: 403, message: 'client "hr-tool" lacks the scope "directory:write".', result: null },
  },
  404: {
    description: 'The proxy is turned off (PROXY_ENABLED=false): `status` 404.',
    example: { status: 404, message: 'the directory proxy is disabled (PROXY_ENABLED=false).', result: null },
  },
  413: {
    description: 'The body is larger than BODY_LIMIT: `status` 413.',
    example: { status: 413, message: 'The request body is larger than BODY_LIMIT allows.', result: null },
  },
  502: {
    description: 'The directory is unreachable or answered garbage (after retries, for reads): `status` 502, `result.reason`.',
    example: { status: 502, message: 'the directory is unreachable: cannot reach the directory (ECONNREFUSED)', result: { reason: 'unreachable' } },
  },
  503: {
    description: 'The directory is not configured, or the audit trail cannot store the event (the call is refused): `status` 503.',
    example: { status: 503, message: 'the directory is not configured on this bridge (DIRECTORY_URL, DIRECTORY_ORG_CODE and its credentials).', result: null },
  },
  504: {
    description: 'The directory did not answer within DIRECTORY_TIMEOUT_MS: `status` 504 (a change may or may not have been made; it is not retried).',
    example: { status: 504, message: 'the directory did not answer in time: no answer within 15000 ms', result: { reason: 'timeout' } },
  },
} as const;

/** The directory's own refusals, passed through unchanged (HTTP 200, as the directory answers them). */
export const UPSTREAM_CODES =
  "The directory's refusals come back unchanged with HTTP 200: `202011` the username or user id exists, `202012` no such employee, `202013` unsupported operation, `208502` no such organisation or node (also for a `{code}` other than the bridge's organisation).";
