import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BridgeConfig, ConfigError, loadBridgeConfig } from '#app/config';
import { startUpstream } from '../../../../test/auth/upstream.js';
import { HttpPasswordVerifier } from './http-password.verifier.js';

describe('HttpPasswordVerifier', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const config = (env: NodeJS.ProcessEnv): BridgeConfig => loadBridgeConfig({ AUTH_VERIFIER: 'http', AUTH_HTTP_URL: upstream.url, ...env });

  beforeAll(async () => {
    upstream = await startUpstream();
  });
  afterAll(() => upstream.close());

  it('refuses to start without AUTH_HTTP_URL', () => {
    expect(() => new HttpPasswordVerifier(loadBridgeConfig({ AUTH_VERIFIER: 'http' }))).toThrow(ConfigError);
  });

  it('sends a form body and decides on the status code alone', async () => {
    const verifier = new HttpPasswordVerifier(config({ AUTH_HTTP_SEND: 'form', AUTH_HTTP_METHOD: 'PUT' }));
    upstream.calls.length = 0;
    expect(await verifier.verify('alice', 'right')).toEqual({ ok: true, mustChange: false });
    expect(upstream.calls[0]).toMatchObject({ method: 'PUT', contentType: 'application/x-www-form-urlencoded', body: 'username=alice&password=right' });
    expect(await verifier.verify('alice', 'wrong')).toEqual({ ok: false, reason: 'upstream_rejected' });
    expect(await verifier.verify('boom', 'right')).toEqual({ ok: false, reason: 'upstream_error' });
  });

  it('sends HTTP Basic', async () => {
    const verifier = new HttpPasswordVerifier(config({ AUTH_HTTP_SEND: 'basic' }));
    upstream.calls.length = 0;
    expect(await verifier.verify('alice', 'right')).toEqual({ ok: true, mustChange: false });
    expect(upstream.calls[0]?.authorization).toBe(`Basic ${Buffer.from('alice:right').toString('base64')}`);
    expect(upstream.calls[0]?.body).toBe('');
  });

  it('sends its own Authorization header with a JSON body', async () => {
    const verifier = new HttpPasswordVerifier(config({ AUTH_HTTP_AUTHORIZATION: 'Bearer upstream-key' }));
    upstream.calls.length = 0;
    await verifier.verify('alice', 'right');
    expect(upstream.calls[0]?.authorization).toBe('Bearer upstream-key');
  });

  it('treats an unreachable upstream as an upstream error', async () => {
    const verifier = new HttpPasswordVerifier(loadBridgeConfig({ AUTH_VERIFIER: 'http', AUTH_HTTP_URL: 'http://127.0.0.1:1/check' }));
    expect(await verifier.verify('alice', 'right')).toEqual({ ok: false, reason: 'upstream_error' });
  });

  it('reads a nested success field', async () => {
    const verifier = new HttpPasswordVerifier(config({ AUTH_HTTP_SUCCESS_FIELD: 'valid', AUTH_HTTP_SUCCESS_VALUE: 'true' }));
    expect(await verifier.verify('alice', 'right')).toEqual({ ok: true, mustChange: false });
    const nested = new HttpPasswordVerifier(config({ AUTH_HTTP_SUCCESS_FIELD: 'result.valid' }));
    expect(await nested.verify('alice', 'right')).toEqual({ ok: false, reason: 'upstream_garbage' });
  });
});
