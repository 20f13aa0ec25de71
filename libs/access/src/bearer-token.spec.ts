import { describe, expect, it } from 'vitest';
import { bearerTokenOf } from './bearer-token.js';

describe('the bearer token of an Authorization header', () => {
  it.each([
    ['Bearer hrb_abc-DEF.1~2+3/4', 'hrb_abc-DEF.1~2+3/4'],
    ['bearer abc', 'abc'],
    ['BEARER abc==', 'abc=='],
  ])('reads %j', (header, token) => {
    expect(bearerTokenOf(header)).toBe(token);
  });

  it.each([
    undefined,
    '',
    'Bearer',
    'Bearer ',
    'Bearer\tabc',
    'Bearer  abc',
    'Bearerabc',
    'Bearer abc def',
    'Bearer abc!',
    'Bearer a=b',
    'Basic abc',
    ' Bearer abc',
  ])('refuses %j', (header) => {
    expect(bearerTokenOf(header)).toBeNull();
  });
});
