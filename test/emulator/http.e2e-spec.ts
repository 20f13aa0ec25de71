import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, startEmulator, type RunningEmulator } from './support.js';

/**
 * The emulator's HTTP layer on Fastify answers as it did on Express (body-parser's JSON): the
 * same envelopes, statuses and headers for every kind of bad body, Express's weak ETag and
 * freshness, the same keep-alive.
 */
describe('emulator: request bodies and headers on the wire', () => {
  let em: RunningEmulator;

  beforeAll(async () => {
    em = await startEmulator({ employees: 10, departments: 2 });
  });
  afterAll(() => em?.close());

  /** node:http, for what fetch does not send: a GET body, `If-None-Match` without `Cache-Control: no-cache`. */
  const raw = (path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${em.url}${path}`, { method: 'GET', headers }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${em.url}/v1/token`, { method: 'POST', headers, body });

  it('answers a malformed body with the envelope, status, ETag and keep-alive of before', async () => {
    const res = await post('{"grant_type":');
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('{"status":400,"message":"the request body is not valid JSON: Unexpected end of JSON input","result":null}');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('etag')).toBe('W/"69-nCjUnPaDkQ1qifuoNXt4btZpzWg"');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('connection')).toBe('keep-alive');
    expect(res.headers.get('keep-alive')).toBe('timeout=5');
  });

  it('takes only an object or an array at the top, with body-parser words', async () => {
    expect(await (await post('42')).json()).toEqual({
      status: 400,
      message: `the request body is not valid JSON: Unexpected token '4', "42" is not valid JSON`,
      result: null,
    });
    expect(((await (await post('  null')).json()) as { message: string }).message).toBe(
      `the request body is not valid JSON: Unexpected token 'n', "  null" is not valid JSON`,
    );
    expect(((await (await post('   ')).json()) as { message: string }).message).toBe('the request body is not valid JSON: Unexpected end of JSON input');
  });

  it('reads an empty JSON body, and a body of any other type, as no fields (validation answers, not 415)', async () => {
    for (const res of [
      await post(''),
      await post('grant_type=x', { 'content-type': 'text/plain' }),
      await post('<a/>', { 'content-type': 'application/xml' }),
    ]) {
      expect(res.status).toBe(400);
      expect((await res.json()) as { message: string }).toMatchObject({
        status: 400,
        message: expect.stringMatching(/^invalid request: grant_type: grant_type should not be null or undefined/),
      });
    }
  });

  it('answers a body over 50 MB after reading it, keeping the connection', async () => {
    const res = await post(`{"a":"${'x'.repeat(50 * 1024 * 1024)}"}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('{"status":400,"message":"request entity too large","result":null}');
    expect(res.headers.get('connection')).toBe('keep-alive');
  });

  it('inflates gzip bodies and refuses unknown encodings and charsets', async () => {
    const zipped = await post(gzipSync(JSON.stringify(CREDENTIALS)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(((await zipped.json()) as { status: number }).status).toBe(0);
    const notGzip = await post('{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(await notGzip.json()).toEqual({ status: 400, message: 'incorrect header check', result: null });
    expect(await (await post('{}', { 'content-type': 'application/json', 'content-encoding': 'foo' })).json()).toEqual({
      status: 400,
      message: 'unsupported content encoding "foo"',
      result: null,
    });
    expect(await (await post('{}', { 'content-type': 'application/json; charset=latin1' })).json()).toEqual({
      status: 400,
      message: 'unsupported charset "LATIN1"',
      result: null,
    });
  });

  it('does not parse the body of a GET', async () => {
    const token = await em.token();
    const answer = await raw(
      `/v1/admin/organizations/omflow-demo/employees/nobody?access_token=${token}`,
      { 'content-type': 'application/json', 'content-length': '4' },
      '{bad',
    );
    expect(answer).toEqual({ status: 200, body: '{"status":202012,"message":"employee not found.","result":null}' });
  });

  it("keeps Express's weak ETag and answers 304 to a GET that names it", async () => {
    const first = await fetch(`${em.url}/_emulator/faults`);
    const etag = first.headers.get('etag');
    // Weak, length in hex (182 bytes: the ten fault settings, empty_department_size included), then a base64 digest.
    expect(etag).toMatch(/^W\/"b6-[A-Za-z0-9+/]{27}"$/);
    expect(await raw('/_emulator/faults', { 'if-none-match': etag! })).toEqual({ status: 304, body: '' });
    // fetch adds `Cache-Control: no-cache` to a conditional request: Express answered it in full, and so does the emulator.
    expect((await fetch(`${em.url}/_emulator/faults`, { headers: { 'if-none-match': etag! } })).status).toBe(200);
  });

  it('answers an unknown route with the 404 envelope naming the URL', async () => {
    const res = await fetch(`${em.url}/nowhere?x=1`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"status":404,"message":"Cannot GET /nowhere?x=1","result":null}');
  });
});
