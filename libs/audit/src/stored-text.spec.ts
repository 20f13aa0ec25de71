import { describe, expect, it } from 'vitest';
import { clipText, storableText } from './stored-text.js';

const EMOJI = '\u{1F600}';

describe('storableText', () => {
  it('replaces lone surrogates, high or low, at any position, with U+FFFD', () => {
    expect(storableText('\ud800ghost')).toBe('\uFFFDghost');
    expect(storableText('ghost\udc00')).toBe('ghost\uFFFD');
    expect(storableText('a\udc00\ud800b')).toBe('a\uFFFD\uFFFDb');
    expect(storableText(`${EMOJI.slice(0, 1)}${EMOJI}`)).toBe(`\uFFFD${EMOJI}`);
  });

  it('keeps everything else, which both databases store unchanged', () => {
    for (const text of ['', 'plain', `${EMOJI}x${EMOJI}`, 'nul\u0000', 'spaces  ', '\uFFFE\uFFFF', '\uFEFF', 'e\u0301']) expect(storableText(text)).toBe(text);
  });
});

describe('clipText', () => {
  it('cuts to at most max UTF-16 units, never between the halves of a pair', () => {
    expect(clipText('abcdef', 4)).toBe('abcd');
    expect(clipText('abc', 4)).toBe('abc');
    expect(clipText(`ab${EMOJI}`, 3)).toBe('ab');
    expect(clipText(`ab${EMOJI}`, 4)).toBe(`ab${EMOJI}`);
    expect(clipText(`a${EMOJI.repeat(80)}`, 150)).toBe(`a${EMOJI.repeat(74)}`);
  });
});
