/**
 * Text comparison as OMFLOW's MySQL database makes it (its `utf8mb4_*_ci` collations): case- and
 * accent-insensitive, trailing spaces ignored (PAD SPACE) for equality, ordering and unique
 * keys; `LIKE` (`contains`) is case- and accent-insensitive but keeps trailing spaces. Ordering
 * compares the folded text by code points, as `utf8mb4_general_ci` (MariaDB's default for
 * utf8mb4) weighs it; `utf8mb4_unicode_ci` and `utf8mb4_0900_ai_ci` put punctuation before
 * digits instead ("alice.white@" before "alice.white2@").
 */

/** Letters without their accents, lower-cased (what the `_ci` collations compare). */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The key equality and unique constraints compare: folded, trailing spaces dropped. */
export function collationKey(text: string): string {
  return fold(text).replace(/ +$/, '');
}

/** Whether `text` contains `needle` as MySQL's `LIKE '%needle%'` finds it under a `_ci` collation. */
export function collationContains(text: string, needle: string): boolean {
  return fold(text).includes(fold(needle));
}

/** -1, 0 or 1, as the collation orders `a` and `b`. */
export function collationCompare(a: string, b: string): number {
  const x = collationKey(a);
  const y = collationKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Characters as MySQL counts them for a VARCHAR(n) (code points, not UTF-16 units). */
export function characterCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
