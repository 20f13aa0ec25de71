import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.js';
import type { TestPerson } from '../support/organisation.js';
import { startAuthBridge, type AuthBridge } from './helpers.js';
import { startUpstream } from './upstream.js';

const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const UNAVAILABLE = { status: 'fail', message: 'The password cannot be checked right now. Try again in a moment.' };

const PERSONS: TestPerson[] = ['alice', 'slow', 'garbage', 'boom', 'odd', 'bob'].map((username, i) => ({ userId: `p${i + 1}`, username, departments: ['rd'] }));
PERSONS.push({ userId: 'p9', username: 'mallory', departments: ['rd'], locked: true });

describe.each(testDatabases())('POST /authenticate delegated to an upstream (AUTH_VERIFIER=http, $kind)', (db) => {
  let bridge: AuthBridge;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;

  beforeAll(async () => {
    upstream = await startUpstream();
    bridge = await startAuthBridge(await db.create(), PERSONS, {
      AUTH_VERIFIER: 'http',
      AUTH_HTTP_URL: upstream.url,
      AUTH_HTTP_SEND: 'json',
      AUTH_HTTP_USERNAME_FIELD: 'login',
      AUTH_HTTP_PASSWORD_FIELD: 'secret',
      AUTH_HTTP_SUCCESS_STATUS: '200',
      AUTH_HTTP_SUCCESS_FIELD: 'valid',
      AUTH_HTTP_SUCCESS_VALUE: 'true',
      AUTH_HTTP_TIMEOUT_MS: '300',
      AUTH_LOCKOUT_THRESHOLD: '3',
    });
  });
  afterAll(async () => {
    await bridge?.stop();
    await upstream?.close();
    await db.dropAll();
  });
  beforeEach(() => {
    bridge.advance(3_600_000);
    upstream.calls.length = 0;
  });

  const lastReason = async () => JSON.parse((await bridge.events('auth.login.failed')).slice(-1)[0].details).reason as string;

  it('accepts what the upstream accepts, sending the configured fields', async () => {
    expect((await bridge.login('alice', 'right')).body).toEqual({ status: 'success' });
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(JSON.parse(upstream.calls[0].body)).toEqual({ login: 'alice', secret: 'right' });
    const [person] = await bridge.db.query<{ last_login: unknown }[]>("SELECT last_login FROM person WHERE username = 'alice'");
    expect(person?.last_login).not.toBeNull();
    const [event] = (await bridge.events('auth.login.succeeded')).slice(-1);
    expect(JSON.parse(event.details)).toEqual({ verifier: 'http' });
  });

  it('refuses what the upstream refuses, and counts it towards the lockout', async () => {
    expect((await bridge.login('bob', 'wrong')).body).toEqual(FAILED);
    expect(await lastReason()).toBe('upstream_rejected');
    await bridge.login('bob', 'wrong');
    await bridge.login('bob', 'wrong');
    expect((await bridge.login('bob', 'right')).body.message).toMatch(/Too many failed login attempts/);
  });

  it('asks the upstream for unknown and resigned users too (same work), and refuses them whatever it says', async () => {
    expect((await bridge.login('nobody-here', 'right')).body).toEqual(FAILED);
    expect(await lastReason()).toBe('unknown_user');
    expect((await bridge.login('mallory', 'right')).body).toEqual(FAILED);
    expect(await lastReason()).toBe('unknown_user');
    expect(upstream.calls).toHaveLength(2);
  });

  it('treats a timeout as a failed login with its own reason', async () => {
    const started = Date.now();
    expect((await bridge.login('slow', 'right')).body).toEqual(UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await lastReason()).toBe('upstream_timeout');
  });

  it('treats a garbage answer, a missing field and a 5xx as failed logins with their own reasons', async () => {
    expect((await bridge.login('garbage', 'right')).body).toEqual(UNAVAILABLE);
    expect(await lastReason()).toBe('upstream_garbage');
    expect((await bridge.login('odd', 'right')).body).toEqual(UNAVAILABLE);
    expect(await lastReason()).toBe('upstream_garbage');
    expect((await bridge.login('boom', 'right')).body).toEqual(UNAVAILABLE);
    expect(await lastReason()).toBe('upstream_error');
    // The upstream's own words never reach the audit trail.
    const rows = await bridge.db.query<{ details: string }[]>("SELECT details FROM audit_event WHERE action LIKE 'auth.%'");
    expect(rows.map((r) => r.details).join('\n')).not.toMatch(/database down|right/);
  });

  it('does not lock a user out for the upstream being down', async () => {
    for (let i = 0; i < 4; i++) expect((await bridge.login('boom', 'right')).body).toEqual(UNAVAILABLE);
    expect((await bridge.login('boom', 'right')).body).toEqual(UNAVAILABLE);
  });
});
