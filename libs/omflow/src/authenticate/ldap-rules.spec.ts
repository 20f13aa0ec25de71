import { FilterParser, InvalidCredentialsError, InvalidDNSyntaxError, SizeLimitExceededError, UnavailableError, UnwillingToPerformError } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { adBindOutcome, bindFailure, escapeDnValue, escapeFilterValue, fillTemplate, unavailability } from './ldap-rules.js';

/** Active Directory's diagnostic message of a failed bind, as ldapts puts it in the error. */
const ad = (data: string) => new InvalidCredentialsError(`80090308: LdapErr: DSID-0C09042A, comment: AcceptSecurityContext error, data ${data}, v3839\0`);

describe('LDAP escaping', () => {
  it('escapes filter values per RFC 4515, so that an injected filter matches itself only', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\0c')).toBe('a\\5cb\\00c');
    expect(escapeFilterValue('zhang.wei')).toBe('zhang.wei');
    const filter = fillTemplate('(&(objectClass=user)(sAMAccountName={username}))', 'x)(|(cn=*', escapeFilterValue);
    expect(filter).toBe('(&(objectClass=user)(sAMAccountName=x\\29\\28|\\28cn=\\2a))');
    // Still one equality test on one value once parsed.
    const parsed = FilterParser.parseString(fillTemplate('(uid={username})', '*)(uid=*', escapeFilterValue)) as unknown as { attribute: string; value: string };
    expect(parsed.attribute).toBe('uid');
    expect(parsed.value).toBe('*)(uid=*');
  });

  it('escapes DN values per RFC 4514, so that a username cannot add RDNs', () => {
    expect(escapeDnValue('bob,ou=admins')).toBe('bob\\,ou\\=admins');
    expect(escapeDnValue('a+b"c;d<e>f\\g')).toBe('a\\+b\\"c\\;d\\<e\\>f\\\\g');
    expect(escapeDnValue('#x')).toBe('\\#x');
    expect(escapeDnValue(' x ')).toBe('\\ x\\ ');
    expect(escapeDnValue('nul\0')).toBe('nul\\00');
    expect(fillTemplate('uid={username},ou=people,dc=example,dc=org', 'bob,ou=admins', escapeDnValue)).toBe(
      'uid=bob\\,ou\\=admins,ou=people,dc=example,dc=org',
    );
    expect(fillTemplate('{username}@corp.example', 'zhang.wei', escapeDnValue)).toBe('zhang.wei@corp.example');
  });
});

describe("Active Directory's bind sub-codes", () => {
  it.each([
    ['52e', { ok: false, reason: 'wrong_password' }],
    ['525', { ok: false, reason: 'no_credential' }],
    ['530', { ok: false, reason: 'not_permitted' }],
    ['531', { ok: false, reason: 'not_permitted' }],
    ['532', { ok: false, reason: 'password_expired' }],
    ['533', { ok: false, reason: 'account_disabled' }],
    ['701', { ok: false, reason: 'account_expired' }],
    ['773', { ok: true, mustChange: true }],
    ['775', { ok: false, reason: 'account_locked' }],
    ['52E', { ok: false, reason: 'wrong_password' }],
  ])('data %s of a real ldapts InvalidCredentialsError', (data, expected) => {
    expect(bindFailure(ad(data))).toEqual(expected);
  });

  it('reads an OpenLDAP refusal (no sub-code) as a wrong password', () => {
    expect(bindFailure(new InvalidCredentialsError())).toEqual({ ok: false, reason: 'wrong_password' });
    expect(adBindOutcome('')).toEqual({ ok: false, reason: 'wrong_password' });
  });

  it('reads other refusals as rejected, a failing server as unavailable', () => {
    expect(bindFailure(new UnwillingToPerformError())).toEqual({ ok: false, reason: 'upstream_rejected' });
    expect(bindFailure(new InvalidDNSyntaxError())).toEqual({ ok: false, reason: 'upstream_rejected' });
    expect(bindFailure(new UnavailableError())).toEqual({ ok: false, reason: 'upstream_error' });
    expect(bindFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toEqual({
      ok: false,
      reason: 'upstream_error',
    });
    expect(bindFailure(new Error('Connection timeout'))).toEqual({ ok: false, reason: 'upstream_timeout' });
    expect(bindFailure(new Error('BindRequest: Operation timed out'))).toEqual({ ok: false, reason: 'upstream_timeout' });
    expect(unavailability(new SizeLimitExceededError())).toBe('upstream_error');
    expect(unavailability(Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toBe('upstream_error');
  });
});
