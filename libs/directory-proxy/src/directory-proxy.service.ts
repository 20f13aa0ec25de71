import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService, type AuditOutcome } from '#app/audit';
import { AppError, ErrorCode, validationFailed, type FieldProblem } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { DirectoryClient, DirectoryError, type DirectoryRequest } from '#app/hr-source';
import { PasswordStore } from '#app/omflow';
import {
  EMPLOYEE_ID_PATTERN,
  EMPLOYEE_ID_RULE,
  organizationPath,
  type ListEmployeesQueryDto,
  type WorkPlusEmployee,
  type WorkPlusEmployeeRecord,
  type WorkPlusEnvelope,
  type WorkPlusImportResult,
} from '#app/workplus';
import { UpstreamRefusal } from './proxy-envelope.filter.js';
import { ProxySyncTrigger } from './proxy-sync.trigger.js';
import { validateCreate, validateImportRows, validateUpdate } from './proxy-validation.js';

/** The operations of `POST .../employees/{id}/{operation}` (seeds/002: V3 knows only lock/unlock, V4 all four). */
export const EMPLOYEE_OPERATIONS = ['disable', 'lock', 'enable', 'unlock'] as const;
export type EmployeeOperation = (typeof EMPLOYEE_OPERATIONS)[number];

/** The list call's parameters forwarded to the directory (the caller's access_token never is). */
const LIST_PARAMETERS = ['domain_id', 'type', 'query', 'path', 'matching', 'org_id', 'recursion'] as const;
/** Usernames per lookup when reading the state of imported rows. */
const LOOKUP_CHUNK = 50;
const TARGET = 'directory_employee';

type Envelope = WorkPlusEnvelope<unknown>;
type Details = Record<string, unknown>;

/** The same value without any `password` key, at any depth (belt and braces: the audit redacts too). */
export function withoutPasswords(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPasswords);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key.toLowerCase() !== 'password')
      .map(([key, v]) => [key, withoutPasswords(v)]),
  );
}

/** A list-shaped employee without the organisation's field schema (not the employee's state). */
function stateOf(employee: WorkPlusEmployee | undefined): unknown {
  if (!employee) return null;
  const { data_schemas: _schemas, ...rest } = employee;
  return rest;
}

function describeError(error: unknown): Details {
  if (error instanceof DirectoryError) return { error: { kind: error.kind, message: error.message } };
  return { error: { kind: 'internal', message: error instanceof Error ? error.message : String(error) } };
}

function isImportResult(value: unknown): value is WorkPlusImportResult {
  const v = value as Partial<WorkPlusImportResult> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.successes === 'object' && v.successes !== null && typeof v.failures === 'object' && v.failures !== null
  );
}

/**
 * The WorkPlus employee API, served in front of the directory: each call is validated here,
 * sent with the bridge's shared directory token (DirectoryClient), and each change audited
 * with the employee's state before (read first) and after. Writes are never retried (a lost
 * answer may hide a change that happened), reads are. The directory's own refusals go back as
 * they came (UpstreamRefusal); a missing or unusable answer is a DirectoryError.
 */
@Injectable()
export class DirectoryProxyService {
  private readonly logger = new Logger(DirectoryProxyService.name);

  constructor(
    private readonly client: DirectoryClient,
    private readonly audit: AuditService,
    private readonly syncTrigger: ProxySyncTrigger,
    private readonly passwords: PasswordStore,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  // ---- reads ----

  /** `GET /employees`: the directory's list, as it answers it. */
  async list(code: string, query: ListEmployeesQueryDto): Promise<Envelope> {
    const forwarded: Record<string, string> = {};
    for (const key of LIST_PARAMETERS) if (typeof query[key] === 'string') forwarded[key] = query[key];
    return this.read(
      'directory.employee.listed',
      null,
      { query: forwarded },
      { method: 'GET', path: this.path(code, 'employees'), query: forwarded },
      (result) => ({
        count: Array.isArray(result) ? result.length : null,
      }),
    );
  }

  /** `GET /employees/{id}`. */
  async get(code: string, employeeId: string): Promise<Envelope> {
    const action = 'directory.employee.viewed';
    await this.checkEmployeeId(action, employeeId);
    return this.read(action, employeeId, {}, { method: 'GET', path: this.path(code, 'employees', employeeId) });
  }

  // ---- changes ----

  /** `POST /employees`: creates the employee; a password also goes to the bridge's credential store (AUTH_VERIFIER=local). */
  async create(code: string, body: unknown, clientId: string): Promise<Envelope> {
    const action = 'directory.employee.created';
    const checked = validateCreate(body, code);
    if (!checked.ok) return this.refuse(action, null, checked.fields);
    const { password, username } = checked.value;
    return this.change({
      action,
      employeeId: null,
      before: null,
      request: { method: 'POST', path: this.path(code, 'employees'), body: checked.plain, retry: false },
      details: { request: withoutPasswords(checked.plain) },
      // `loginHash`: the audit redacts any key naming a password or credential.
      onSuccess: async () => ({ loginHash: await this.storePassword(username, password, clientId) }),
      targetOf: (result) => (result as Partial<WorkPlusEmployeeRecord> | null)?.employee_id?.id ?? null,
    });
  }

  /** `POST /employees/{id}`: replaces the employee's fields and positions. */
  async update(code: string, employeeId: string, body: unknown): Promise<Envelope> {
    const action = 'directory.employee.updated';
    await this.checkEmployeeId(action, employeeId);
    const checked = validateUpdate(body, code);
    if (!checked.ok) return this.refuse(action, employeeId, checked.fields);
    const before = await this.readBefore(action, code, employeeId);
    return this.change({
      action,
      employeeId,
      before,
      request: { method: 'POST', path: this.path(code, 'employees', employeeId), body: checked.plain, retry: false },
      details: { request: checked.plain },
    });
  }

  /** `POST /employees/{id}/disable|lock|enable|unlock`; the state after is read back. */
  async operate(code: string, employeeId: string, operation: EmployeeOperation): Promise<Envelope> {
    const action = operation === 'disable' || operation === 'lock' ? 'directory.employee.disabled' : 'directory.employee.enabled';
    await this.checkEmployeeId(action, employeeId);
    const before = await this.readBefore(action, code, employeeId);
    return this.change({
      action,
      employeeId,
      before,
      request: { method: 'POST', path: this.path(code, 'employees', employeeId, operation), retry: false },
      details: { operation },
      after: async () => this.readAfter(code, employeeId),
    });
  }

  /** `DELETE /employees/{id}`. */
  async remove(code: string, employeeId: string): Promise<Envelope> {
    const action = 'directory.employee.deleted';
    await this.checkEmployeeId(action, employeeId);
    const before = await this.readBefore(action, code, employeeId);
    return this.change({
      action,
      employeeId,
      before,
      request: { method: 'DELETE', path: this.path(code, 'employees', employeeId), retry: false },
      details: {},
      after: () => Promise.resolve(null),
    });
  }

  /**
   * `POST /import-employees`: every row is checked here; only valid rows go to the directory,
   * in one call. The answer keeps the directory's `{successes, failures}`, with the rows the
   * bridge refused among the failures. Each row sent is audited with its state before and after.
   */
  async import(code: string, body: unknown, clientId: string): Promise<Envelope> {
    const summaryAction = 'directory.employees.imported';
    if (!Array.isArray(body)) return this.refuse(summaryAction, null, [{ field: '(body)', problems: ['the body must be a JSON array of employees'] }]);
    const rows = validateImportRows(body, code);
    const valid = rows.filter((r) => r.ok);
    const refused: Record<string, string> = {};
    for (const row of rows) if (!row.ok) refused[row.key] = row.message;
    const summary: Details = { rows: rows.length, sent: valid.length, refusedByBridge: refused };

    if (!valid.length) {
      await this.record(summaryAction, Object.keys(refused).length ? 'failure' : 'success', null, {
        ...summary,
        succeeded: 0,
        failed: Object.keys(refused).length,
      });
      return { status: 0, message: 'Everything is ok.', result: { successes: {}, failures: refused } };
    }

    const usernames = valid.map((r) => r.value.username);
    let before: Map<string, WorkPlusEmployee>;
    try {
      before = await this.lookup(code, usernames);
    } catch (error) {
      await this.record(summaryAction, 'failure', null, { ...summary, stage: 'read-before', ...this.failureDetails(error) });
      throw error;
    }
    let answer: Envelope;
    try {
      answer = await this.client.call({ method: 'POST', path: this.path(code, 'import-employees'), body: valid.map((r) => r.plain), retry: false });
      if (answer.status === 0 && !isImportResult(answer.result)) throw new DirectoryError('garbage', 'the import answer has no successes/failures');
    } catch (error) {
      const rowsBefore = Object.fromEntries(usernames.map((u) => [u, stateOf(before.get(u))]));
      await this.record(summaryAction, 'failure', null, {
        ...summary,
        before: rowsBefore,
        ...describeError(error),
        note: 'the directory may have applied some rows',
      });
      throw error;
    }
    if (answer.status !== 0) {
      await this.record(summaryAction, 'failure', null, { ...summary, upstream: { status: answer.status, message: answer.message } });
      throw new UpstreamRefusal(answer);
    }
    const result = answer.result as WorkPlusImportResult;
    const succeeded = valid.filter((r) => r.key in result.successes);
    let after = new Map<string, WorkPlusEmployee>();
    let afterNote: string | null = null;
    try {
      after = await this.lookup(
        code,
        succeeded.filter((r) => r.value.ops !== 'REMOVE').map((r) => r.value.username),
      );
    } catch (error) {
      afterNote = `the state after could not be read: ${(error as Error).message}`;
    }

    await Promise.all(
      valid.map(async (row) => {
        const ok = row.key in result.successes;
        const existed = before.get(row.value.username);
        const created = ok && row.value.ops !== 'REMOVE' && !existed && !row.value.username.includes(',');
        const loginHash = created
          ? await this.storePassword(row.value.username, row.value.password, clientId)
          : row.value.password === undefined
            ? 'none'
            : 'ignored';
        await this.record('directory.employee.imported', ok ? 'success' : 'failure', String(result.successes[row.key] ?? existed?.id ?? row.value.username), {
          username: row.value.username,
          ops: row.value.ops ?? 'UPSERT',
          created,
          before: stateOf(existed),
          after: !ok ? stateOf(existed) : row.value.ops === 'REMOVE' ? null : (stateOf(after.get(row.value.username)) ?? afterNote),
          upstream: { status: answer.status, message: ok ? answer.message : String(result.failures[row.key] ?? 'not in the answer') },
          loginHash,
        });
      }),
    );
    const failures = { ...refused, ...result.failures };
    await this.record(summaryAction, Object.keys(failures).length ? 'failure' : 'success', null, {
      ...summary,
      succeeded: Object.keys(result.successes).length,
      failed: Object.keys(failures).length,
    });
    if (succeeded.length) this.syncTrigger.changed();
    return { status: answer.status, message: answer.message, result: { successes: result.successes, failures } };
  }

  // ---- the flow ----

  private path(code: string, ...segments: string[]): string {
    return organizationPath(code, ...segments);
  }

  /**
   * An employee id outside the contract's alphabet (`..`, `%2E%2E`, a slash, a `?`) could move
   * the call elsewhere under the bridge's token: refused and audited, the directory never called.
   */
  private async checkEmployeeId(action: string, employeeId: string): Promise<void> {
    if (EMPLOYEE_ID_PATTERN.test(employeeId)) return;
    await this.refuse(action, null, [{ field: 'employeeId', problems: [EMPLOYEE_ID_RULE] }]);
  }

  /** A read: passed through, audited when PROXY_AUDIT_READS=all. */
  private async read(
    action: string,
    employeeId: string | null,
    details: Details,
    request: DirectoryRequest,
    more?: (result: unknown) => Details,
  ): Promise<Envelope> {
    const audited = this.config.proxy.auditReads === 'all';
    let answer: Envelope;
    try {
      answer = await this.client.call(request);
    } catch (error) {
      if (audited) await this.record(action, 'failure', employeeId, { ...details, ...describeError(error) });
      throw error;
    }
    const ok = answer.status === 0;
    if (audited)
      await this.record(action, ok ? 'success' : 'failure', employeeId, {
        ...details,
        upstream: { status: answer.status, message: answer.message },
        ...(ok && more ? more(answer.result) : {}),
      });
    if (!ok) throw new UpstreamRefusal(answer);
    return answer;
  }

  /** The employee as the directory holds it before a change; a refusal (202012) ends the call, audited. */
  private async readBefore(action: string, code: string, employeeId: string): Promise<unknown> {
    let answer: Envelope;
    try {
      answer = await this.client.call({ method: 'GET', path: this.path(code, 'employees', employeeId) });
    } catch (error) {
      await this.record(action, 'failure', employeeId, { stage: 'read-before', ...this.failureDetails(error) });
      throw error;
    }
    if (answer.status !== 0) {
      await this.record(action, 'failure', employeeId, { stage: 'read-before', before: null, upstream: { status: answer.status, message: answer.message } });
      throw new UpstreamRefusal(answer);
    }
    return answer.result;
  }

  /** The employee after a change, best effort (the change is made whatever this says). */
  private async readAfter(code: string, employeeId: string): Promise<unknown> {
    try {
      const answer = await this.client.call({ method: 'GET', path: this.path(code, 'employees', employeeId) });
      return answer.status === 0 ? answer.result : { unreadable: `${answer.status} ${answer.message}` };
    } catch (error) {
      return { unreadable: (error as Error).message };
    }
  }

  /** A change sent to the directory, audited whatever happens, and followed by a sync when made. */
  private async change(spec: {
    action: string;
    employeeId: string | null;
    before: unknown;
    request: DirectoryRequest;
    details: Details;
    after?: (answer: Envelope) => Promise<unknown>;
    onSuccess?: (answer: Envelope) => Promise<Details>;
    targetOf?: (result: unknown) => string | null;
  }): Promise<Envelope> {
    let answer: Envelope;
    try {
      answer = await this.client.call(spec.request);
    } catch (error) {
      await this.record(spec.action, 'failure', spec.employeeId, {
        ...spec.details,
        before: withoutPasswords(spec.before),
        ...describeError(error),
        ...(error instanceof DirectoryError && error.kind !== 'unreachable' ? { note: 'the directory may have made the change; check before retrying' } : {}),
      });
      throw error;
    }
    const ok = answer.status === 0;
    const extra = ok && spec.onSuccess ? await spec.onSuccess(answer) : {};
    const after = ok ? (spec.after ? await spec.after(answer) : answer.result) : null;
    const target = ok && spec.targetOf ? (spec.targetOf(answer.result) ?? spec.employeeId) : spec.employeeId;
    await this.record(spec.action, ok ? 'success' : 'failure', target, {
      ...spec.details,
      ...extra,
      before: withoutPasswords(spec.before),
      after: withoutPasswords(after),
      upstream: { status: answer.status, message: answer.message, ...(ok ? {} : { result: answer.result }) },
    });
    if (!ok) throw new UpstreamRefusal(answer);
    this.syncTrigger.changed();
    return answer;
  }

  /** A request refused by the bridge's validation: audited, answered 400, the directory untouched. */
  private async refuse(action: string, employeeId: string | null, fields: FieldProblem[]): Promise<never> {
    await this.record(action, 'failure', employeeId, { stage: 'validation', fields });
    throw validationFailed(fields);
  }

  private failureDetails(error: unknown): Details {
    return error instanceof UpstreamRefusal ? { upstream: { status: error.envelope.status, message: error.envelope.message } } : describeError(error);
  }

  /** Employees by username (list call, exact match), in chunks; a username with a comma cannot be looked up so. */
  private async lookup(code: string, usernames: string[]): Promise<Map<string, WorkPlusEmployee>> {
    const found = new Map<string, WorkPlusEmployee>();
    const names = [...new Set(usernames.filter((u) => !u.includes(',')))];
    for (let i = 0; i < names.length; i += LOOKUP_CHUNK) {
      const chunk = names.slice(i, i + LOOKUP_CHUNK);
      const answer = await this.client.call({
        method: 'GET',
        path: this.path(code, 'employees'),
        query: { matching: 'true', type: 'username', query: chunk.join(',') },
      });
      if (answer.status !== 0) throw new UpstreamRefusal(answer);
      if (!Array.isArray(answer.result)) throw new DirectoryError('garbage', 'the employee list is not an array');
      const byLower = new Map(chunk.map((u) => [u.toLowerCase(), u]));
      for (const employee of answer.result as WorkPlusEmployee[]) {
        const asked = typeof employee?.username === 'string' ? byLower.get(employee.username.toLowerCase()) : undefined;
        if (asked) found.set(asked, employee);
      }
    }
    return found;
  }

  /** Hashes a created user's password into the credential store when the `local` verifier is used. Never logs it. */
  private async storePassword(username: string, password: string | undefined, clientId: string): Promise<'stored' | 'failed' | 'none' | 'not-local'> {
    if (password === undefined) return 'none';
    if (this.config.auth.verifier !== 'local') return 'not-local';
    try {
      await this.passwords.setPassword(username, password, { setBy: clientId });
      return 'stored';
    } catch (error) {
      // The employee exists in the directory now; the caller's answer stays the directory's, the audit says what failed.
      this.logger.error(`Could not store the password of the new user ${username} in the credential store: ${(error as Error).message}`);
      return 'failed';
    }
  }

  /** Records an audit event; a change that cannot be audited fails the request (503), with the event in the log. */
  private async record(action: string, outcome: AuditOutcome, employeeId: string | null, details: Details): Promise<void> {
    try {
      await this.audit.record({ action, outcome, target: { type: TARGET, id: employeeId }, details });
    } catch (error) {
      this.logger.error({ err: error, audit: { action, outcome, employeeId } }, `Could not audit ${action} (${outcome}) of employee ${employeeId ?? '-'}`);
      throw new AppError(
        ErrorCode.Unavailable,
        `the audit trail is unavailable, so the call is refused${outcome === 'success' ? ' (the directory did make the change; it is in the bridge log)' : ''}.`,
      );
    }
  }
}
