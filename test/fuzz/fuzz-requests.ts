import fc from 'fast-check';
import { OMFLOW, TEST_ADMIN_TOKEN } from '../support/credentials.js';
import type { Operation } from './answer-contract.js';
import { DEEP, deepArrayJson, hostileRawBody, hostileSegment, hostileValue, URL_STRINGS } from './hostile.js';
import { invalidValue, validValue, type Schema } from './schema-arbitraries.js';

export const PROXY_PREFIX = '/v1/admin/organizations';

/**
 * How a request authenticates: `valid` (the right secret where the operation's security scheme
 * reads it), `limited` (a client without the scope), `wrong` (an unknown secret), `none`,
 * `garbled` (a malformed Authorization header or token), or `elsewhere` (a valid secret, but
 * only where the scheme does not read it: `?access_token=` or a body field for HTTP auth, an
 * Authorization header for the query API's body code). Only `valid` and `limited` may succeed.
 */
export type Credential = 'valid' | 'none' | 'wrong' | 'limited' | 'elsewhere' | 'garbled';

const b64 = (text: string) => Buffer.from(text).toString('base64');
/** Authorization headers (and tokens) no client should send. */
const GARBLED = [
  'Basic',
  'Basic ',
  'Basic !!!not-base64!!!',
  `Basic ${b64('admin')}`,
  `Basic ${b64(':')}`,
  `Basic ${b64('\u0000:\u0000')}`,
  `Basic ${b64(`admin:${'x'.repeat(3000)}`)}`,
  `Basic ${b64(`admin:${TEST_ADMIN_TOKEN}\u0000`)}`,
  'Bearer',
  'Bearer ',
  'Bearer a b',
  `Bearer ${'x'.repeat(4000)}`,
  `Bearer ${TEST_ADMIN_TOKEN.toUpperCase()}`,
  `Bearer ${TEST_ADMIN_TOKEN} extra`,
  'Digest username="admin", response="x"',
  'bearer\tx',
];

export interface FuzzRequest {
  /** What kind of request this is, for the report. */
  label: string;
  method: string;
  /** The documented path, e.g. `/api/v1/clients/{id}`. */
  template: string;
  path: string;
  credential: Credential;
  headers: Record<string, string>;
  body?: Buffer;
}

export interface Secrets {
  admin: string;
  query: { id: string; secret: string };
  limited: { id: string; secret: string };
  code: string;
}

/** Known-good values by parameter or property name: without them almost every request would be a 404. */
export type Pools = Record<string, readonly unknown[]>;

/** Requests for one operation: valid and broken parameters, bodies and credentials. */
export function requestOf(template: string, method: string, op: Operation, pools: Pools, resolve: (ref: string) => Schema): fc.Arbitrary<FuzzRequest> {
  const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
  const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query' && p.name !== 'access_token');

  const segment = (name: string, schema: Schema | undefined): fc.Arbitrary<{ value: string; kind: string }> => {
    const known = pools[name] ?? [];
    // An empty segment would not reach this operation at all (`/a//b` matches no `/a/{x}/b`).
    return fc
      .oneof(
        ...(known.length ? [{ weight: 4, arbitrary: fc.constantFrom(...known).map((v) => ({ value: encodeURIComponent(String(v)), kind: 'known' })) }] : []),
        { weight: 2, arbitrary: validValue(schema ?? { type: 'string' }, resolve).map((v) => ({ value: encodeURIComponent(String(v)), kind: 'valid' })) },
        { weight: 2, arbitrary: hostileSegment.map((value) => ({ value, kind: 'hostile' })) },
      )
      .filter((s) => s.value.length > 0);
  };
  const path = fc.tuple(...pathParams.map((p) => segment(p.name, p.schema).map((s) => [p.name, s] as const))).map((pairs) => ({
    path: pairs.reduce((out, [name, s]) => out.replace(`{${name}}`, s.value), template),
    hostile: pairs.some(([, s]) => s.kind === 'hostile'),
  }));

  const queryValue = (name: string, schema: Schema | undefined): fc.Arbitrary<string> => {
    const known = pools[name] ?? [];
    return fc.oneof(
      ...(known.length ? [{ weight: 3, arbitrary: fc.constantFrom(...known).map(String) }] : []),
      { weight: 3, arbitrary: validValue(schema ?? { type: 'string' }, resolve).map(String) },
      { weight: 1, arbitrary: fc.constantFrom(...URL_STRINGS) },
    );
  };
  const query = fc
    .tuple(
      fc.tuple(
        ...queryParams.map((p) =>
          fc.option(
            queryValue(p.name, p.schema).map((v) => [p.name, v] as const),
            { nil: undefined, freq: 2 },
          ),
        ),
      ),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.constantFrom<[string, string]>(['unexpected', '1'], ['__proto__', 'x'], ['limit', '1'], ['limit', '-5'], ['a[b]', 'c'], ['', '']),
        },
      ),
    )
    .map(([pairs, extra]) => {
      const entries = [...pairs.filter((p): p is readonly [string, string] => p !== undefined), ...(extra ? [extra] : [])];
      return entries.length ? `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '';
    });

  const bodySchema = op.requestBody?.content['application/json']?.schema;
  type Body = { kind: string; bytes?: Buffer; contentType?: string };
  const asJson =
    (kind: string) =>
    (value: unknown): Body => ({ kind, bytes: Buffer.from(JSON.stringify(value) ?? 'null'), contentType: 'application/json' });
  // The document's own request examples: often the only bodies that get past a route's deeper checks.
  const examples = Object.values(op.requestBody?.content['application/json']?.examples ?? {}).map((e) => e.value);
  // A valid body with one property nested thousands of levels deep: JSON.stringify cannot build it, so it is spliced in as text.
  const deepProperty =
    (depth: number) =>
    (value: unknown): Body => {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.keys(value).length) return asJson('valid body')(value);
      const [name] = Object.keys(value);
      const text = JSON.stringify({ ...(value as Record<string, unknown>), [name]: '\u0000deep\u0000' }).replace('"\\u0000deep\\u0000"', deepArrayJson(depth));
      return { kind: `property "${name}" nested ${depth} deep`, bytes: Buffer.from(text), contentType: 'application/json' };
    };
  const body: fc.Arbitrary<Body> = bodySchema
    ? fc.oneof(
        { weight: 5, arbitrary: validValue(bodySchema, resolve, pools).map(asJson('valid body')) },
        { weight: 1, arbitrary: fc.tuple(validValue(bodySchema, resolve, pools), fc.constantFrom(...DEEP)).map(([v, depth]) => deepProperty(depth)(v)) },
        ...(examples.length ? [{ weight: 2, arbitrary: fc.constantFrom(...examples).map(asJson('documented example')) }] : []),
        { weight: 4, arbitrary: invalidValue(bodySchema, resolve, pools).map(asJson('invalid body')) },
        { weight: 2, arbitrary: hostileRawBody.map((b) => ({ kind: `raw body: ${b.label}`, bytes: b.bytes, contentType: b.contentType })) },
        { weight: 1, arbitrary: fc.constant<Body>({ kind: 'no body' }) },
      )
    : fc.oneof(
        { weight: 6, arbitrary: fc.constant<Body>({ kind: 'no body' }) },
        { weight: 1, arbitrary: hostileValue.map(asJson('unexpected body')) },
        { weight: 1, arbitrary: hostileRawBody.map((b) => ({ kind: `unexpected raw body: ${b.label}`, bytes: b.bytes, contentType: b.contentType })) },
      );

  const credential = op.security?.length
    ? fc.constantFrom<Credential>('valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'none', 'wrong', 'limited', 'elsewhere', 'garbled')
    : fc.constant<Credential>('valid');

  return fc.record({ path, query, body, credential }).map(({ path: p, query: q, body: b, credential: c }): FuzzRequest => ({
    label: [p.hostile ? 'hostile path' : '', q ? 'query' : '', b.kind].filter(Boolean).join(', '),
    method: method.toUpperCase(),
    template,
    path: p.path + q,
    credential: c,
    headers: b.contentType ? { 'content-type': b.contentType } : {},
    body: b.bytes,
  }));
}

/** Puts the credential the request calls for where the operation's security scheme reads it. */
export function authorise(req: FuzzRequest, op: Operation, secrets: Secrets): FuzzRequest {
  const schemes = new Set((op.security ?? []).flatMap((s) => Object.keys(s)));
  const headers = { ...req.headers };
  let { path, body } = req;
  const wrong = 'not-a-secret-0123456789abcdef';
  const principal = (() => {
    switch (req.credential) {
      case 'valid':
        if (req.template === '/sync' || req.template === '/authenticate') return OMFLOW;
        if (req.template.startsWith('/accounts/api/security')) return secrets.query;
        return { id: 'admin', secret: secrets.admin };
      case 'limited':
        return secrets.limited;
      case 'wrong':
        return { id: 'admin', secret: wrong };
      case 'none':
      case 'elsewhere':
      case 'garbled':
        return null;
    }
  })();
  const misplaced = req.credential === 'elsewhere' ? secrets.admin : null;
  const garbled = req.credential === 'garbled' ? GARBLED[req.path.length % GARBLED.length] : null;
  if (garbled) headers.authorization = garbled;

  const withQuery = (name: string, value: string) => `${path}${path.includes('?') ? '&' : '?'}${name}=${encodeURIComponent(value)}`;
  const withBodyField = (name: string, value: string | undefined): Buffer | undefined => {
    if (!body || headers['content-type'] !== 'application/json') return body;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return body;
      const record = { ...(parsed as Record<string, unknown>) };
      if (value === undefined) delete record[name];
      else record[name] = value;
      return Buffer.from(JSON.stringify(record));
    } catch {
      return body; // a raw hostile body stays as it is
    }
  };

  if (req.template.startsWith(PROXY_PREFIX)) {
    // The proxy reads the caller's secret from ?access_token= (WorkPlus's way) or a bearer header: both documented.
    if (principal) path = withQuery('access_token', principal.secret);
    if (misplaced) body = withBodyField('access_token', misplaced);
    if (garbled) path = withQuery('access_token', garbled.replace(/^\w+\s*/, ''));
  } else if (schemes.has('omflow-security-code')) {
    const code =
      req.credential === 'valid'
        ? secrets.code
        : req.credential === 'none' || req.credential === 'elsewhere'
          ? undefined
          : (garbled ?? '0f8fad5b-d9cb-469f-a165-70867728950e');
    body = withBodyField('security', code);
    if (misplaced) {
      headers.authorization = `Bearer ${misplaced}`;
      path = withQuery('security', secrets.code);
    }
  } else {
    if (principal) headers.authorization = schemes.has('bearer') ? `Bearer ${principal.secret}` : basic(principal.id, principal.secret);
    if (misplaced) {
      path = withQuery('access_token', misplaced);
      body = withBodyField('access_token', misplaced);
    }
  }
  return { ...req, path, headers, body };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}
