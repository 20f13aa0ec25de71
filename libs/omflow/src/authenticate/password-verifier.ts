/**
 * Why a check did not accept a password. `wrong_password` and `no_credential` are the user's
 * business; the `upstream_*` reasons mean the password could not be checked at all. A directory
 * (AUTH_VERIFIER=ldap, Active Directory's sub-codes) can say more: the account is disabled,
 * locked, expired or not permitted now (`not_permitted`: logon hours or workstation), or the
 * password was right but has expired (`password_expired`: answered as a password that must change).
 */
export type VerifyFailure =
  | 'wrong_password'
  | 'no_credential'
  | 'account_disabled'
  | 'account_locked'
  | 'account_expired'
  | 'not_permitted'
  | 'password_expired'
  | 'upstream_rejected'
  | 'upstream_timeout'
  | 'upstream_error'
  | 'upstream_garbage';

export type VerifyResult = { ok: true; mustChange: boolean } | { ok: false; reason: VerifyFailure };

/** True for the reasons that say nothing about the password (the check itself failed). */
export function isUnavailable(reason: VerifyFailure): reason is 'upstream_timeout' | 'upstream_error' | 'upstream_garbage' {
  return reason === 'upstream_timeout' || reason === 'upstream_error' || reason === 'upstream_garbage';
}

/** The bridge's own record of a password, read before the check (undefined: not read yet; null: there is none). */
export interface KnownCredential {
  hash: string;
  mustChange: boolean;
}

/**
 * Checks a username and password. Implementations do the same work whether or not the user
 * exists (a verify against a dummy hash, a call upstream), so that time says nothing.
 * Chosen by AUTH_VERIFIER: LocalPasswordVerifier (`local`), HttpPasswordVerifier (`http`) or
 * LdapPasswordVerifier (`ldap`). `stored` is the bridge's stored password of `username` when the
 * caller has already read it (a login reads it to know whether anyone holds the username), so
 * that it is not read twice.
 */
export abstract class PasswordVerifier {
  abstract readonly kind: 'local' | 'http' | 'ldap';
  abstract verify(username: string, password: string, stored?: KnownCredential | null): Promise<VerifyResult>;

  /**
   * For /health: whether the server the last check asked could be reached (null when the
   * verifier asks nobody, or has not asked yet). Passive: it reports what logins saw.
   */
  lastContact(): UpstreamContact | null {
    return null;
  }
}

/** The outcome of a verifier's last call to its upstream: reached (whatever it said), or not and why. */
export interface UpstreamContact {
  ok: boolean;
  at: Date;
  reason?: 'upstream_timeout' | 'upstream_error';
}
