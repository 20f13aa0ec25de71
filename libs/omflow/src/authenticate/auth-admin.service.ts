import { Injectable } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { AppError, ErrorCode, requestContext } from '#app/common';
import type { ImportPasswordsResponseDto, ImportRowResultDto, PasswordRemovedResponseDto, PasswordSetResponseDto } from './auth-admin.dto.js';
import { LockoutService, type LockoutKind } from './lockout.service.js';
import { importFormat, readImportRows, type ImportFormat } from './password-import.js';
import { credentialProblems, PasswordStore } from './password-store.js';

/** Rows hashed at once during an import: about the size of libuv's thread pool, where argon2 runs. */
const IMPORT_PARALLELISM = 4;

/** Operators' side of logins: set, import and remove passwords; list and clear lockouts. Everything audited. */
@Injectable()
export class AuthAdminService {
  constructor(
    private readonly store: PasswordStore,
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
  ) {}

  async setPassword(username: string, password: string, mustChange: boolean): Promise<PasswordSetResponseDto> {
    const problems = credentialProblems(username, password);
    if (problems.length) throw new AppError(ErrorCode.ValidationFailed, `Invalid request: ${problems.join('; ')}.`);
    const { created } = await this.store.setPassword(username, password, { mustChange, setBy: actorId() });
    await this.audit.record({
      action: 'auth.password.set',
      outcome: 'success',
      target: { type: 'omflow_user', id: username.trim() },
      details: { created, mustChange, via: 'admin' },
    });
    return { username: username.trim(), created, mustChange };
  }

  async removePassword(username: string): Promise<PasswordRemovedResponseDto> {
    const existing = await this.store.find(username);
    if (existing) await this.store.remove(username);
    await this.audit.record({
      action: 'auth.password.removed',
      outcome: 'success',
      target: { type: 'omflow_user', id: username },
      details: { removed: Boolean(existing) },
    });
    return { username, removed: Boolean(existing) };
  }

  /**
   * Validates each row on its own; valid rows are stored even when others are not. A row brings
   * a plain password (hashed here) or a Django hash from OMFLOW (stored as it is). The answer and
   * the audit count rows per format, and never carry a password or a hash.
   */
  async importPasswords(items: unknown[], onExisting: 'replace' | 'skip'): Promise<ImportPasswordsResponseDto> {
    const { rows, refused } = readImportRows(items);
    const results: ImportRowResultDto[] = new Array<ImportRowResultDto>(items.length);
    for (const r of refused) results[r.index] = r;
    const formats: Partial<Record<ImportFormat, number>> = {};

    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const row = rows[next++];
        if (!row) break;
        if (onExisting === 'skip' && (await this.store.find(row.username))) {
          results[row.index] = { index: row.index, username: row.username, status: 'skipped' };
          continue;
        }
        const options = { mustChange: row.mustChange, setBy: actorId() };
        const { created } =
          row.secret.kind === 'plain'
            ? await this.store.setPassword(row.username, row.secret.password, options)
            : await this.store.importHash(row.username, row.secret.hash.encoded, options);
        const format = importFormat(row.secret);
        formats[format] = (formats[format] ?? 0) + 1;
        results[row.index] = { index: row.index, username: row.username, status: created ? 'created' : 'updated' };
      }
    };
    await Promise.all(Array.from({ length: IMPORT_PARALLELISM }, worker));

    const count = (status: ImportRowResultDto['status']) => results.filter((r) => r.status === status).length;
    const summary = {
      total: items.length,
      created: count('created'),
      updated: count('updated'),
      skipped: count('skipped'),
      invalid: count('invalid'),
      formats,
    };
    await this.audit.record({
      action: 'auth.password.imported',
      outcome: summary.invalid ? 'failure' : 'success',
      target: { type: 'credential_import', id: null },
      details: { ...summary, onExisting, changed: results.filter((r) => r.status === 'created' || r.status === 'updated').map((r) => r.username) },
    });
    return { ...summary, results };
  }

  listLockouts(limit: number, offset: number) {
    return this.lockout.list(limit, offset);
  }

  async clearLockout(kind: LockoutKind, subject: string): Promise<{ kind: LockoutKind; subject: string; cleared: boolean }> {
    if (!subject.trim() || subject.length > 191)
      throw new AppError(ErrorCode.ValidationFailed, `Invalid request: the ${kind === 'user' ? 'username' : 'IP'} must be 1 to 191 characters.`);
    const cleared = await this.lockout.clear(kind, subject);
    await this.audit.record({
      action: 'auth.lockout.cleared',
      outcome: 'success',
      target: { type: kind === 'user' ? 'omflow_user' : 'source_ip', id: subject.trim() },
      details: { cleared },
    });
    return { kind, subject: kind === 'user' ? subject.trim().toLowerCase() : subject.trim(), cleared };
  }
}

function actorId(): string | null {
  return requestContext.get()?.actor?.id ?? null;
}
