import { describe, expect, it } from 'vitest';
import { basicCredentials, pathOf } from './http.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('basicCredentials', () => {
  it('splits at the first colon, in any case of the scheme, an empty user kept', () => {
    expect(basicCredentials(basic('omflow:se:cret'))).toEqual({ user: 'omflow', password: 'se:cret' });
    expect(basicCredentials(basic('omflow:').replace('Basic', 'bAsIc'))).toEqual({ user: 'omflow', password: '' });
    expect(basicCredentials(basic(':secret'))).toEqual({ user: '', password: 'secret' });
  });

  it('answers null for no header, another scheme, no colon or a value that is not base64', () => {
    expect(basicCredentials(undefined)).toBeNull();
    expect(basicCredentials('Bearer abc')).toBeNull();
    expect(basicCredentials(basic('no-colon'))).toBeNull();
    expect(basicCredentials('Basic !!!')).toBeNull();
  });
});

describe('pathOf', () => {
  it('drops the query string', () => {
    expect(pathOf({ url: '/sync?x=1' })).toBe('/sync');
    expect(pathOf({ url: '/sync' })).toBe('/sync');
  });
});
