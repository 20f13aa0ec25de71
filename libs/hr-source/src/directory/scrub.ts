/** What a secret becomes in upstream text. */
export const REDACTED = '[redacted]';

/** A secret shorter than this is not searched for in text: it would rewrite ordinary data. */
const MIN_SECRET_LENGTH = 8;

/** `access_token=<value>` in a query string, whatever the value (a token of another call too). */
const ACCESS_TOKEN_PARAMETER = /(access_token=)[^&#\s"'<>]+/gi;

/**
 * The text without the directory's secrets: any `access_token=` value, and each secret (raw or
 * URL-encoded) wherever it appears. The directory echoes its request URL, the bridge's token in
 * the query string, in some answers (a 404 says `Cannot GET /…?access_token=…`).
 */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text.replace(ACCESS_TOKEN_PARAMETER, `$1${REDACTED}`);
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  return out;
}

/**
 * Whether raw JSON text may hold a secret or an `access_token=` value, also JSON-escaped (`\/`,
 * `\u00XX`): answers without any are passed on without a walk (a page of employees is large).
 */
export function mayHoldSecrets(text: string, secrets: readonly string[]): boolean {
  if (/access_token|\\u00[0-7]|\\\//i.test(text)) return true;
  return secrets.some(
    (secret) =>
      secret.length >= MIN_SECRET_LENGTH && [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)].some((form) => text.includes(form)),
  );
}

/** A parsed answer with scrubText applied to every string and key, at any depth. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).map(([key, inner]) => [scrubText(key, secrets), walk(inner)]));
  };
  return walk(value) as T;
}
