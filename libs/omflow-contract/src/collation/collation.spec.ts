import { describe, expect, it } from 'vitest';
import { omflowCollation } from './collation.js';

/**
 * What MariaDB answers for these (test/query/collation-weights.e2e-spec.ts compares with the
 * server itself), kept here so that the keys are checked without a server too.
 */
describe('OmflowCollation', () => {
  const unicode = omflowCollation('utf8mb4_unicode_ci');
  const general = omflowCollation('utf8mb4_general_ci');
  const uca900 = omflowCollation('utf8mb4_0900_ai_ci');
  const same = (c: typeof unicode, a: string, b: string) => c.key(a) === c.key(b);
  const before = (c: typeof unicode, a: string, b: string) => c.key(a) < c.key(b);

  it('utf8mb4_unicode_ci: case and accents ignored, ß = ss, trailing spaces padded, a tab below a space', () => {
    expect(same(unicode, 'Иван Петров', 'иван петров')).toBe(true);
    expect(same(unicode, 'Élodie', 'elodie')).toBe(true);
    expect(same(unicode, 'E\u0301lodie', 'Elodie')).toBe(true);
    expect(same(unicode, 'Straße', 'STRASSE')).toBe(true);
    expect(same(unicode, 'Straße', 'Strase')).toBe(false);
    expect(same(unicode, 'pengbin', 'PENGBIN  ')).toBe(true);
    expect(same(unicode, 'ıstanbul', 'istanbul')).toBe(false);
    expect(same(unicode, '😀', '😁')).toBe(true);
    expect(before(unicode, 'a\t', 'a')).toBe(true);
    expect(before(unicode, 'alice.harris@example.com', 'alice.harris2@example.com')).toBe(true);
    expect(before(unicode, 'Zoë', 'Иван')).toBe(true);
  });

  it('utf8mb4_general_ci: one weight a character, ß = s, digits before @', () => {
    expect(same(general, 'Straße', 'Strase')).toBe(true);
    expect(same(general, 'Straße', 'strasse')).toBe(false);
    expect(same(general, 'pengbin ', 'pengbin')).toBe(true);
    expect(before(general, 'alice.harris2@example.com', 'alice.harris@example.com')).toBe(true);
  });

  it('utf8mb4_0900_ai_ci: NO PAD, canonical equivalents equal, emoji told apart', () => {
    expect(same(uca900, 'pengbin ', 'pengbin')).toBe(false);
    expect(before(uca900, 'pengbin', 'pengbin ')).toBe(true);
    expect(same(uca900, 'E\u0301lodie', 'élodie')).toBe(true);
    expect(same(uca900, '😀', '😁')).toBe(false);
  });

  it("matches LIKE '%…%' character by character", () => {
    expect(unicode.contains('Иван Петров', 'иван')).toBe(true);
    expect(unicode.contains('Élodie', 'LOD')).toBe(true);
    expect(unicode.contains('Straße', 'ss')).toBe(false);
    expect(unicode.contains('😁 smile', '😀')).toBe(false);
    expect(general.contains('😁 smile', '😀')).toBe(true);
    expect(unicode.contains('pengbin', 'pengbin ')).toBe(false);
    expect(unicode.contains('anything', '')).toBe(true);
  });

  it('keys are made of code points above U+FFFF only (bytewise order is code point order in UTF-8)', () => {
    for (const ch of unicode.key('Ab 1\u0000\uFFFF😀')) expect(ch.codePointAt(0)).toBeGreaterThan(0xffff);
    expect(unicode.fold('a\u0000')).not.toContain('\u0000');
  });
});
