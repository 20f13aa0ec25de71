import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.js';
import { isBodyError } from './body-error-renderers.js';
import { assertJsonDepth, jsonDepthExceeds, parseJsonBody } from './json-depth.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('jsonDepthExceeds', () => {
  it('counts arrays and objects, the body being level 1', () => {
    expect(jsonDepthExceeds('{}', 1)).toBe(false);
    expect(jsonDepthExceeds('{"a":[]}', 1)).toBe(true);
    expect(jsonDepthExceeds('{"a":[1,{"b":2}],"c":{}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(jsonDepthExceeds(nested(64), 64)).toBe(false);
    expect(jsonDepthExceeds(nested(65), 64)).toBe(true);
    expect(jsonDepthExceeds('1', 0)).toBe(false);
  });

  it('measures depth, not the number of containers', () => {
    expect(jsonDepthExceeds(`[${Array.from({ length: 10_000 }, () => '[[]]').join(',')}]`, 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and backslashes included', () => {
    expect(jsonDepthExceeds(JSON.stringify({ a: nested(500) }), 2)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ a: `\\"${nested(500)}` }), 2)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ a: 'x\\', b: [[[]]] }), 3)).toBe(true);
    expect(jsonDepthExceeds(JSON.stringify(['\u4e2d\u6587[', '"']), 1)).toBe(false);
  });

  it('reads UTF-8 bytes as they are', () => {
    expect(jsonDepthExceeds(Buffer.from(JSON.stringify({ 名字: '[[[["张三"]]]]', a: [[]] })), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(JSON.stringify({ 名字: '张三', a: [[[]]] })), 3)).toBe(true);
  });

  it('stops at the first level too deep, however long the body', () => {
    const huge = '['.repeat(5_000_000);
    const started = process.hrtime.bigint();
    expect(jsonDepthExceeds(huge, 64)).toBe(true);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
  });
});

describe('assertJsonDepth and parseJsonBody', () => {
  it('throw a bad request that names the limit, marked as a body error', () => {
    expect(() => assertJsonDepth(nested(3), 2)).toThrow(AppError);
    expect(() => assertJsonDepth(nested(3), 2)).toThrow(/more than 2 levels deep/);
    expect(() => assertJsonDepth(nested(2), 2)).not.toThrow();
    let thrown: unknown;
    try {
      parseJsonBody(Buffer.from(nested(3)), 'utf-8', 2);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'REQUEST.INVALID' });
    expect(isBodyError(thrown)).toBe(true);
    expect(parseJsonBody(Buffer.from(nested(2)), undefined, 2)).toEqual(JSON.parse(nested(2)));
  });

  it('decode other charsets before counting', () => {
    // U+225B and U+5B5B hold the bytes of '"' and '[' in UTF-16: only the decoded text tells.
    const body = Buffer.from(JSON.stringify({ a: '\u225b\u5b5b\u5b5b' }), 'utf16le');
    expect(parseJsonBody(body, 'utf-16le', 2)).toEqual({ a: '\u225b\u5b5b\u5b5b' });
    expect(() => parseJsonBody(Buffer.from(nested(3), 'utf16le'), 'utf-16le', 2)).toThrow(/2 levels/);
  });

  it('accept an object or an array at the top only, and read an empty body as {}', () => {
    expect(parseJsonBody(Buffer.from('  '), undefined)).toEqual({});
    expect(parseJsonBody(Buffer.from(' [1]'), undefined)).toEqual([1]);
    expect(() => parseJsonBody(Buffer.from('"text"'), undefined)).toThrow(/not valid JSON: Unexpected token/);
    expect(() => parseJsonBody(Buffer.from('{"a":'), undefined)).toThrow(/not valid JSON/);
    expect(() => parseJsonBody(Buffer.from('{}'), 'latin1')).toThrow(/charset "latin1"/);
  });
});
