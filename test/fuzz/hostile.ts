import fc from 'fast-check';

/** Depth of the nesting sent in bodies: above the bridge's MAX_JSON_DEPTH, and far above it. */
export const DEEP = [70, 10_000] as const;

/** Strings a careless server mishandles: lone surrogates, NUL, control characters, huge ones, dot segments, injections. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uDBFF\uDBFF',
  '\r\n\t\u0007\u001b[31m',
  '\u202e\u200b\ufeff',
  '🙂'.repeat(50),
  '張三 Ω≈ç√ ﷽',
  'x'.repeat(1_001),
  'y'.repeat(60_000),
  '.',
  '..',
  '../..',
  '..%2f..%2f',
  '%2e%2e',
  '%00',
  '%',
  '%FF',
  '/',
  '\\',
  "' OR '1'='1",
  '"; DROP TABLE api_client; --',
  '%_!',
  '*',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '2026-02-31T25:61:61Z',
  'null',
  'true',
  '[]',
  '{}',
];

/** Nested arrays `depth` deep, built without recursion (JSON.stringify of them would overflow). */
export function deepArrayJson(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Any JSON value of a type a field may not expect (JSON-serialisable, not too deep). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0.5,
      1e308,
      -1e308,
      2 ** 53 + 2,
      [],
      {},
      [null],
      [''],
      { __proto__: { admin: true } },
      JSON.parse('{"__proto__": {"polluted": true}}'),
      { constructor: { prototype: { polluted: true } } },
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.json({ depthSize: 'small' }).map((text) => JSON.parse(text) as unknown) },
);

/** Bodies that are not a JSON document the route could read, as raw bytes. */
export const hostileRawBody: fc.Arbitrary<{ label: string; bytes: Buffer; contentType: string }> = fc.constantFrom(
  { label: 'truncated JSON', bytes: Buffer.from('{"a": '), contentType: 'application/json' },
  { label: 'bare word', bytes: Buffer.from('nul'), contentType: 'application/json' },
  { label: 'empty JSON body', bytes: Buffer.alloc(0), contentType: 'application/json' },
  { label: 'invalid UTF-8', bytes: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), contentType: 'application/json' },
  { label: 'byte order mark', bytes: Buffer.from('\ufeff{}'), contentType: 'application/json' },
  { label: 'unknown charset', bytes: Buffer.from('{}'), contentType: 'application/json; charset=klingon' },
  { label: 'latin1 charset', bytes: Buffer.from('{"name":"\xe9"}', 'latin1'), contentType: 'application/json; charset=iso-8859-1' },
  { label: 'UTF-16 charset', bytes: Buffer.from('{"a":1}', 'utf16le'), contentType: 'application/json; charset=utf-16le' },
  { label: 'duplicate keys', bytes: Buffer.from('{"a":1,"a":2,"__proto__":{"x":1}}'), contentType: 'application/json' },
  { label: 'nested 70 deep', bytes: Buffer.from(deepArrayJson(DEEP[0])), contentType: 'application/json' },
  { label: 'nested 10,000 deep', bytes: Buffer.from(deepArrayJson(DEEP[1])), contentType: 'application/json' },
  { label: 'objects nested 10,000 deep', bytes: Buffer.from('{"a":'.repeat(DEEP[1]) + '1' + '}'.repeat(DEEP[1])), contentType: 'application/json' },
  { label: 'over BODY_LIMIT', bytes: Buffer.from(JSON.stringify({ a: 'z'.repeat(300 * 1024) })), contentType: 'application/json' },
  { label: 'form encoded', bytes: Buffer.from('a=1&b=2'), contentType: 'application/x-www-form-urlencoded' },
  { label: 'plain text', bytes: Buffer.from('{"a":1}'), contentType: 'text/plain' },
  { label: 'top-level string', bytes: Buffer.from('"a string"'), contentType: 'application/json' },
  { label: 'top-level number', bytes: Buffer.from('12345678901234567890'), contentType: 'application/json' },
);

/**
 * The hostile strings that fit in a URL. Node's HTTP server answers 431 itself, before any
 * route, to a request line over 16 KB; lone surrogates cannot be percent-encoded (their bytes
 * are sent as `%ED%A0%80` by hostileSegment instead).
 */
export const URL_STRINGS: readonly string[] = HOSTILE_STRINGS.filter((s) => s.length < 2_000 && encodable(s)).concat('q'.repeat(5_000));

function encodable(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/** A path segment as sent on the wire: hostile values raw or percent-encoded. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('.', '..', '%2e%2e', '%2E', '..%2F..%2F..', '%2F', '%00', '%FF', '%ED%A0%80', '%', '%zz', '~', '-', '0', '-1', '1.5', '99999999999999999999'),
  fc.constantFrom(...URL_STRINGS).map(encodeURIComponent),
);
