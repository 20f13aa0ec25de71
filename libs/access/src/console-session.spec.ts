import { describe, expect, it } from 'vitest';
import { cookieValue, csrfMatches } from './console-session.service.js';

describe('cookieValue', () => {
  it('finds the named cookie among others, trimmed', () => {
    expect(cookieValue('a=1; omflow_console=abc_-9 ; b=2', 'omflow_console')).toBe('abc_-9');
    expect(cookieValue('omflow_console=x', 'omflow_console')).toBe('x');
  });
  it('answers null when absent, empty or only a prefix of another name', () => {
    expect(cookieValue(undefined, 'omflow_console')).toBeNull();
    expect(cookieValue('', 'omflow_console')).toBeNull();
    expect(cookieValue('omflow_console=', 'omflow_console')).toBeNull();
    expect(cookieValue('xomflow_console=1; omflow_console_old=2', 'omflow_console')).toBeNull();
    expect(cookieValue('garbage', 'omflow_console')).toBeNull();
  });
});

describe('csrfMatches', () => {
  it('accepts the exact token only', () => {
    expect(csrfMatches('token-1', 'token-1')).toBe(true);
    expect(csrfMatches('token-2', 'token-1')).toBe(false);
    expect(csrfMatches('token-11', 'token-1')).toBe(false);
    expect(csrfMatches('', 'token-1')).toBe(false);
    expect(csrfMatches(undefined, 'token-1')).toBe(false);
  });
});
