import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, env, type EnvVar } from './env-spec.js';
import { loadDotEnv } from './load-env-file.js';

/** The message a variable's parser throws for `raw` (fails the test when it does not throw). */
function errorOf(v: EnvVar<unknown>, raw: string | undefined): ConfigError {
  try {
    v.parse(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`${v.name}=${String(raw)} was accepted`);
}

const dir = mkdtempSync(join(tmpdir(), 'env-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('env builders: values, defaults and one-line errors that name the variable and what is expected', () => {
  it('int: parses, applies the default, checks the range', () => {
    const port = env.int('PORT', 8080, { doc: 'd', min: 0, max: 65535 });
    expect(port.parse(undefined)).toBe(8080);
    expect(port.parse('  ')).toBe(8080);
    expect(port.parse(' 9000 ')).toBe(9000);
    expect(errorOf(port, 'abc').message).toBe('PORT must be an integer between 0 and 65535 (got "abc")');
    expect(errorOf(port, '70000').message).toBe('PORT must be an integer between 0 and 65535 (got "70000")');
    expect(errorOf(port, '1.5').message).toBe('PORT must be an integer between 0 and 65535 (got "1.5")');
    expect(errorOf(env.int('N', 1, { doc: 'd', min: 1 }), '0').message).toBe('N must be an integer >= 1 (got "0")');
    expect(errorOf(port, 'abc').variable).toBe('PORT');
  });

  it('intOrOff: an integer, or off (the default) as null', () => {
    const limit = env.intOrOff('GUARD_FOUR_EYES_USER_REMOVALS', { doc: 'd' });
    expect(limit.defaultText).toBe('off');
    expect(limit.parse(undefined)).toBeNull();
    expect(limit.parse('OFF')).toBeNull();
    expect(limit.parse('0')).toBe(0);
    expect(limit.parse(' 50 ')).toBe(50);
    expect(errorOf(limit, '-1').message).toBe('GUARD_FOUR_EYES_USER_REMOVALS must be an integer >= 0, or off (got "-1")');
    expect(errorOf(limit, 'none').message).toBe('GUARD_FOUR_EYES_USER_REMOVALS must be an integer >= 0, or off (got "none")');
  });

  it('bool: accepts the usual spellings', () => {
    const flag = env.bool('FLAG', false, { doc: 'd' });
    expect(flag.parse(undefined)).toBe(false);
    for (const yes of ['true', 'TRUE', '1', 'yes', 'on']) expect(flag.parse(yes)).toBe(true);
    for (const no of ['false', '0', 'no', 'off']) expect(flag.parse(no)).toBe(false);
    expect(errorOf(flag, 'maybe').message).toBe('FLAG must be true or false (got "maybe")');
  });

  it('oneOf: lists the allowed values', () => {
    const level = env.oneOf('LOG_LEVEL', ['info', 'debug'] as const, 'info', { doc: 'd' });
    expect(level.parse(undefined)).toBe('info');
    expect(level.parse('debug')).toBe('debug');
    expect(errorOf(level, 'loud').message).toBe('LOG_LEVEL must be one of info, debug (got "loud")');
  });

  it('string: required when it has no default; pattern with a human description', () => {
    const required = env.string('NAME', undefined, { doc: 'd', what: 'a name' });
    expect(errorOf(required, undefined).message).toBe('NAME is required: a name');
    expect(errorOf(required, '').message).toBe('NAME is required: a name');
    const code = env.string('CODE', 'abc', { doc: 'd', pattern: /^[a-z]+$/, what: 'lower-case letters' });
    expect(code.parse(undefined)).toBe('abc');
    expect(errorOf(code, 'ABC').message).toBe('CODE must be lower-case letters (got "ABC")');
  });

  it('optionalString: undefined when empty, minimum length and pattern', () => {
    const id = env.optionalString('CLIENT_ID', { doc: 'd', pattern: /^[a-z]{3,}$/, what: 'at least 3 letters' });
    expect(id.parse(undefined)).toBeUndefined();
    expect(id.parse('')).toBeUndefined();
    expect(id.parse('abc')).toBe('abc');
    expect(errorOf(id, 'a b').message).toBe('CLIENT_ID must be at least 3 letters (got "a b")');
    const long = env.optionalString('LONG', { doc: 'd', minLength: 5 });
    expect(errorOf(long, 'abc').message).toBe('LONG must be at least 5 characters long (got "abc")');
  });

  it('url: checks the syntax and the protocol, strips trailing slashes', () => {
    const url = env.url('UPSTREAM_URL', { doc: 'd', protocols: ['http:', 'https:'] });
    expect(url.parse(undefined)).toBeUndefined();
    expect(url.parse('https://example.com/api//')).toBe('https://example.com/api');
    expect(errorOf(url, 'not a url').message).toBe('UPSTREAM_URL must be a URL (http://… or https://…) (got "not a url")');
    expect(errorOf(url, 'ftp://x').message).toBe('UPSTREAM_URL must be a URL starting with http:// or https:// (got "ftp://x")');
    expect(env.url('U', { doc: 'd', protocols: ['http:'], def: 'http://localhost' }).parse(undefined)).toBe('http://localhost');
  });

  it('file: must exist', () => {
    const file = join(dir, 'cert.pem');
    writeFileSync(file, 'x');
    const v = env.file('CERT', { doc: 'd' });
    expect(v.parse(undefined)).toBeUndefined();
    expect(v.parse(file)).toBe(file);
    expect(errorOf(v, join(dir, 'missing.pem')).message).toBe(`CERT must name a file that exists (got ${JSON.stringify(join(dir, 'missing.pem'))})`);
  });

  it('size: units and the default', () => {
    const size = env.size('BODY_LIMIT', '10mb', { doc: 'd' });
    expect(size.parse(undefined)).toBe(10 * 1024 * 1024);
    expect(size.parse('512kb')).toBe(512 * 1024);
    expect(size.parse('2GB')).toBe(2 * 1024 ** 3);
    expect(size.parse('100')).toBe(100);
    expect(errorOf(size, 'big').message).toBe('BODY_LIMIT must be a size such as 512kb, 10mb or a number of bytes (got "big")');
  });

  it('cron: 5 or 6 fields, or off', () => {
    const cron = env.cron('SCHEDULE', '0 * * * *', { doc: 'd' });
    expect(cron.parse(undefined)).toBe('0 * * * *');
    expect(cron.parse('off')).toBeUndefined();
    expect(cron.parse('*/5 * * * * *')).toBe('*/5 * * * * *');
    expect(errorOf(cron, 'every hour').message).toBe('SCHEDULE must be a cron expression of 5 or 6 fields, or off (got "every hour")');
    // Five fields of the right characters, but out of range: refused here, not when the schedule starts.
    expect(errorOf(cron, '99 * * * *').message).toBe('SCHEDULE must be a valid cron expression, or off: Field value (99) is out of range (got "99 * * * *")');
    expect(errorOf(cron, '0 0 * 13 *').message).toMatch(/^SCHEDULE must be a valid cron expression, or off: .*out of range/);
  });

  it('never echoes the value of a sensitive variable', () => {
    const secret = 'sup3r-s3cret';
    const token = env.optionalString('TOKEN', { doc: 'd', sensitive: true, minLength: 32 });
    const message = errorOf(token, secret).message;
    expect(message).toBe('TOKEN must be at least 32 characters long');
    expect(message).not.toContain(secret);
    const url = env.url('DB_URL', { doc: 'd', protocols: ['mysql:'], sensitive: true });
    expect(errorOf(url, `postgres://u:${secret}@h/db`).message).toBe('DB_URL must be a URL starting with mysql://');
    expect(errorOf(url, `::${secret}`).message).not.toContain(secret);
    expect(token.sensitive).toBe(true);
  });

  it('keeps the declared default text for the documentation', () => {
    expect(env.int('A', 5, { doc: 'd' }).defaultText).toBe('5');
    expect(env.bool('B', true, { doc: 'd' }).defaultText).toBe('true');
    expect(env.size('C', '1mb', { doc: 'd' }).defaultText).toBe('1mb');
    expect(env.optionalString('D', { doc: 'd' }).defaultText).toBe('');
  });
});

describe('loadDotEnv', () => {
  it('reads .env when present, and real environment variables win', () => {
    const file = join(dir, '.env');
    writeFileSync(file, 'BRIDGE_SPEC_FROM_FILE=file\nBRIDGE_SPEC_BOTH=file\n');
    process.env.BRIDGE_SPEC_BOTH = 'real';
    try {
      loadDotEnv(file);
      expect(process.env.BRIDGE_SPEC_FROM_FILE).toBe('file');
      expect(process.env.BRIDGE_SPEC_BOTH).toBe('real');
      expect(() => loadDotEnv(join(dir, 'absent.env'))).not.toThrow();
    } finally {
      delete process.env.BRIDGE_SPEC_FROM_FILE;
      delete process.env.BRIDGE_SPEC_BOTH;
    }
  });
});
