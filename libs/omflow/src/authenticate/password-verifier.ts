/**
 * Why a check did not accept a password. `wrong_password` and `no_credential` are the user's
 * business; the `upstream_*` reasons mean the password could not be checked at all.
 */
export type VerifyFailure = 'wrong_password' | 'no_credential' | 'upstream_rejected' | 'upstream_timeout' | 'upstream_error' | 'upstream_garbage';

export type VerifyResult = { ok: true; mustChange: boolean } | { ok: false; reason: VerifyFailure };

/** True for the reasons that say nothing about the password (the check itself failed). */
export function isUnavailable(reason: VerifyFailure): reason is 'upstream_timeout' | 'upstream_error' | 'upstream_garbage' {
  return reason === 'upstream_timeout' || reason === 'upstream_error' || reason === 'upstream_garbage';
}

/**
 * Checks a username and password. Implementations do the same work whether or not the user
 * exists (a verify against a dummy hash, a call upstream), so that time says nothing.
 * Chosen by AUTH_VERIFIER: LocalPasswordVerifier (`local`) or HttpPasswordVerifier (`http`).
 */
export abstract class PasswordVerifier {
  abstract readonly kind: 'local' | 'http';
  abstract verify(username: string, password: string): Promise<VerifyResult>;
}
