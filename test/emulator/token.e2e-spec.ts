import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkPlusTokenResult } from '#app/workplus';
import { CREDENTIALS, startEmulator, type Envelope, type RunningEmulator } from './support.js';

describe('emulator: POST /v1/token and the one-token rule', () => {
  let em: RunningEmulator;
  let now = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    em = await startEmulator({ tokenTtlSeconds: 60, clock: () => now });
  });
  afterAll(() => em?.close());

  const requestToken = async (body: unknown) => {
    const res = await fetch(`${em.url}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Envelope<WorkPlusTokenResult | null> };
  };

  it('issues a token in the documented shape, times in ms, refresh_token equal to access_token', async () => {
    const { status, body } = await requestToken(CREDENTIALS);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 0,
      message: 'Everything is ok.',
      result: {
        access_token: expect.stringMatching(/^[0-9a-f]{32}$/),
        refresh_token: body.result!.access_token,
        issued_time: now,
        expire_time: now + 60_000,
        client_id: 'hr-bridge',
      },
    });
  });

  it('accepts a domain application (owner_id = domain id) instead of org_id', async () => {
    const { org_id: _o, ...rest } = CREDENTIALS;
    const { body } = await requestToken({ ...rest, owner_id: 'omflow' });
    expect(body.status).toBe(0);
  });

  it('answers 202102 for an unknown application and 202104 for a wrong secret', async () => {
    expect((await requestToken({ ...CREDENTIALS, client_id: 'nope' })).body).toMatchObject({ status: 202102, result: null });
    expect((await requestToken({ ...CREDENTIALS, domain_id: 'other' })).body.status).toBe(202102);
    expect((await requestToken({ ...CREDENTIALS, org_id: 'other-org' })).body.status).toBe(202102);
    expect((await requestToken({ ...CREDENTIALS, client_secret: 'wrong' })).body).toMatchObject({ status: 202104, message: 'app authentication failed.' });
  });

  it('validates the body: missing fields, wrong grant type, neither org_id nor owner_id', async () => {
    const { client_secret: _s, ...noSecret } = CREDENTIALS;
    const missing = await requestToken(noSecret);
    expect(missing.status).toBe(400);
    expect(missing.body.status).toBe(400);
    expect(missing.body.message).toContain('client_secret');
    expect((await requestToken({ ...CREDENTIALS, grant_type: 'password' })).body.message).toContain('grant_type');
    const { org_id: _o, ...neither } = CREDENTIALS;
    expect((await requestToken(neither)).body.message).toMatch(/org_id or owner_id/);
  });

  it('answers 400 with an envelope for a body that is not JSON', async () => {
    const res = await fetch(`${em.url}/v1/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, message: expect.stringContaining('not valid JSON') });
  });

  it('answers 10011 without a token or with an unknown one', async () => {
    const none = await fetch(`${em.url}/v1/admin/organizations/omflow-demo`);
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ status: 10011, message: 'token not found.', result: null });
    expect((await em.get('', {}, 'deadbeef')).body.status).toBe(10011);
  });

  it('a new token invalidates the previous one of the application', async () => {
    const first = await em.token();
    expect((await em.get('', {}, first)).body.status).toBe(0);
    const second = await em.token();
    expect(second).not.toBe(first);
    expect((await em.get('', {}, first)).body.status).toBe(10011);
    expect((await em.get('', {}, second)).body.status).toBe(0);
  });

  it('a token stops working when it expires', async () => {
    const token = await em.token();
    now += 59_000;
    expect((await em.get('', {}, token)).body.status).toBe(0);
    now += 1_000;
    expect((await em.get('', {}, token)).body).toMatchObject({ status: 10011, message: 'token not found.' });
  });

  it('the admin surface expires every live token on command', async () => {
    const token = await em.token();
    expect((await em.get('', {}, token)).body.status).toBe(0);
    const expired = await em.admin('POST', '/token/expire');
    expect(expired.body).toEqual({ expired: 1 });
    expect((await em.get('', {}, token)).body.status).toBe(10011);
    const fresh = await em.token();
    expect((await em.get('', {}, fresh)).body.status).toBe(0);
  });

  it('answers 208502 for an organisation code it does not serve', async () => {
    const token = await em.token();
    const res = await fetch(`${em.url}/v1/admin/organizations/other-org/employees?access_token=${token}`);
    expect(await res.json()).toMatchObject({ status: 208502 });
  });

  it('answers an unknown route with a 404 envelope', async () => {
    const res = await fetch(`${em.url}/v2/nothing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404 });
  });
});
