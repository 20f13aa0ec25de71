import { describe, expect, it } from 'vitest';
import { characterCount, collationCompare, collationContains, collationKey } from './collation.js';

describe('the emulated MySQL collation', () => {
  it('compares case- and accent-insensitively, ignoring trailing spaces', () => {
    expect(collationKey('José.García ')).toBe(collationKey('jose.garcia'));
    expect(collationKey('Иван')).toBe(collationKey('иван'));
    expect(collationKey('Élodie')).toBe('elodie');
    expect(collationKey(' a')).not.toBe(collationKey('a'));
  });

  it('finds substrings as LIKE does under a _ci collation (trailing spaces kept)', () => {
    expect(collationContains('Иван Петров', 'иван')).toBe(true);
    expect(collationContains('Élodie Martin', 'elodie')).toBe(true);
    expect(collationContains('abc', 'c ')).toBe(false);
  });

  it('orders by the folded text', () => {
    expect(['b', 'Á', 'a_b', 'aab'].sort(collationCompare)).toEqual(['Á', 'a_b', 'aab', 'b']);
    expect(collationCompare('Bob', 'bob  ')).toBe(0);
  });

  it('counts characters as a VARCHAR does', () => {
    expect(characterCount('😀😀')).toBe(2);
    expect(characterCount('研发中心')).toBe(4);
  });
});
