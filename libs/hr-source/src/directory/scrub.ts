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
 * `\u00XX` with XX below 80): answers without any are passed on without a walk (a page of
 * employees is large). Every answer of a sync's read (256 MB at 100,000 people) goes through
 * here, so each form is searched for once, with plain string searches rather than one regular
 * expression of alternatives (a quarter of the time).
 */
export function mayHoldSecrets(text: string, secrets: readonly string[]): boolean {
  if (/access_token/i.test(text) || text.includes('\\/')) return true;
  for (let at = text.indexOf('\\u00'); at >= 0; at = text.indexOf('\\u00', at + 1)) {
    const digit = text.charCodeAt(at + 4);
    if (digit >= 0x30 && digit <= 0x37) return true; // 0-7
  }
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret).add(encodeURIComponent(secret)).add(JSON.stringify(secret).slice(1, -1));
  }
  for (const form of forms) if (text.includes(form)) return true;
  return false;
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
