import { ResultCodeError } from 'ldapts';
import type { VerifyFailure, VerifyResult } from './password-verifier.js';

/** Where `{username}` goes in AUTH_LDAP_SEARCH_FILTER and AUTH_LDAP_BIND_DN_TEMPLATE. */
const PLACEHOLDER = '{username}';

/**
 * A value inside an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL become `\2a`,
 * `\28`, `\29`, `\5c` and `\00`, so that a username such as `*)(uid=*` matches itself only.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A value inside a DN's attribute value (RFC 4514 §2.4): `"`, `+`, `,`, `;`, `<`, `=`, `>` and
 * `\` escaped with a backslash, NUL as `\00`, a leading `#` or space and a trailing space too, so
 * that a username cannot add RDNs (`bob,ou=admins`) or name another entry.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/["+,;<=>\\]/g, (c) => `\\${c}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** `template` with every `{username}` replaced by the escaped username. */
export function fillTemplate(template: string, username: string, escape: (value: string) => string): string {
  return template.split(PLACEHOLDER).join(escape(username));
}

/**
 * What Active Directory's sub-code (the `data XXX` of an invalidCredentials diagnostic message,
 * `80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data 775, v3839`)
 * says about a failed bind. AD sends 530, 531, 532, 533, 701 and 773 only when the password was
 * right, so `must change` (773) and `expired` (532) tell nothing to someone guessing.
 */
export function adBindOutcome(diagnostic: string): VerifyResult {
  const code = /\bdata ([0-9a-f]{3,8})\b/i.exec(diagnostic)?.[1]?.toLowerCase();
  switch (code) {
    case '525':
      return { ok: false, reason: 'no_credential' };
    case '530':
    case '531':
      return { ok: false, reason: 'not_permitted' };
    case '532':
      return { ok: false, reason: 'password_expired' };
    case '533':
      return { ok: false, reason: 'account_disabled' };
    case '701':
      return { ok: false, reason: 'account_expired' };
    case '773':
      return { ok: true, mustChange: true };
    case '775':
      return { ok: false, reason: 'account_locked' };
    default:
      // 52e, another directory's wording, or none at all.
      return { ok: false, reason: 'wrong_password' };
  }
}

/** LDAP result codes of a bind that say "not these credentials" rather than "the server failed". */
const REFUSALS = new Set([
  32, // noSuchObject: a server that says so for a DN it does not hold
  34, // invalidDNSyntax: a username that makes no valid DN
  48, // inappropriateAuthentication
  50, // insufficientAccessRights
  53, // unwillingToPerform: e.g. a policy refusing the account
]);

/**
 * What a failed user bind means: result code 49 by its AD sub-code; a refusal as
 * `upstream_rejected` (counted like a wrong password); a timeout or anything else (a refused
 * connection, a TLS failure, a busy or unavailable server) as an upstream failure, which never
 * counts towards a lockout.
 */
export function bindFailure(error: unknown): VerifyResult {
  if (error instanceof ResultCodeError) {
    if (error.code === 49) return adBindOutcome(error.message);
    if (REFUSALS.has(error.code)) return { ok: false, reason: 'upstream_rejected' };
    return { ok: false, reason: error.code === 3 ? 'upstream_timeout' : 'upstream_error' };
  }
  return { ok: false, reason: unavailability(error) };
}

/** A directory that could not be asked: timed out or failed. */
export function unavailability(error: unknown): Extract<VerifyFailure, 'upstream_timeout' | 'upstream_error'> {
  if (error instanceof ResultCodeError) return error.code === 3 ? 'upstream_timeout' : 'upstream_error';
  const message = error instanceof Error ? error.message : '';
  const name = error instanceof Error ? error.name : '';
  return name === 'TimeoutError' || /Connection timeout|Operation timed out/.test(message) ? 'upstream_timeout' : 'upstream_error';
}

/** Words for the log: the error's class, code and message, never a password (binds carry none in their errors). */
export function describeLdapError(error: unknown): string {
  if (error instanceof ResultCodeError) return `${error.name} (LDAP result ${error.code}): ${error.message}`;
  if (error instanceof Error)
    return `${error.name}: ${error.message}${(error as NodeJS.ErrnoException).code ? ` (${(error as NodeJS.ErrnoException).code})` : ''}`;
  return String(error);
}
