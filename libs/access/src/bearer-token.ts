/**
 * RFC 6750 §2.1: `Bearer` (the scheme in any case), exactly one space, then a b64token. A tab,
 * two spaces, a second word or a character outside the token alphabet make it no bearer
 * credential at all, rather than a token some other parser would read differently.
 */
const BEARER_HEADER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token of an `Authorization: Bearer <token>` header in its exact form; null for anything else. */
export function bearerTokenOf(authorization: string | undefined): string | null {
  const m = BEARER_HEADER.exec(authorization ?? '');
  return m ? m[1] : null;
}
