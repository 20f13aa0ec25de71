/** A UTF-16 surrogate that is not half of a pair: no database can store it as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The text as both databases give it back: lone surrogates become U+FFFD, which is what MySQL
 * stores for them, while SQLite would keep bytes that are not UTF-8 and read them back as
 * several U+FFFD. Everything else (NUL, trailing spaces, noncharacters, 4-byte characters)
 * survives both unchanged. An event is hashed as it will be stored, so every text field goes
 * through here before the hash is computed.
 */
export function storableText(text: string): string {
  return ANY_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\uFFFD') : text;
}

/**
 * At most `max` UTF-16 units, never cutting a surrogate pair in two (a half would be a lone
 * surrogate). UTF-16 units bound the code points MySQL counts in a VARCHAR from above.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}
