import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.js';
import { LDAP_PEOPLE, LDAP_SERVICE, startTestLdap, type TestLdap } from '../support/ldap.js';
import type { TestPerson } from '../support/organisation.js';
import { startAuthBridge, type AuthBridge } from './helpers.js';

const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const UNAVAILABLE = { status: 'fail', message: 'The password cannot be checked right now. Try again in a moment.' };
const LOCKED = /Too many failed login attempts/;
const HOUR = 3_600_000;

const PERSONS: TestPerson[] = ['alice', 'bob'].map((username, i) => ({ userId: `p${i + 1}`, username, departments: ['rd'] }));

let ldap: TestLdap;
beforeAll(async () => {
  ldap = await startTestLdap([
    { uid: 'alice', password: 'alice-Dir-pass-1' },
    { uid: 'bob', password: 'bob-Dir-pass-1' },
  ]);
});
afterAll(() => ldap?.close());

const search = () => ({
  AUTH_VERIFIER: 'ldap',
  AUTH_LDAP_BIND_DN: LDAP_SERVICE.dn,
  AUTH_LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
  AUTH_LDAP_SEARCH_BASE: LDAP_PEOPLE,
  AUTH_LDAP_SEARCH_FILTER: '(uid={username})',
});
const direct = { AUTH_VERIFIER: 'ldap', AUTH_LDAP_BIND_DN_TEMPLATE: `uid={username},${LDAP_PEOPLE}` };
const fast = { AUTH_LDAP_CONNECT_TIMEOUT_MS: '600', AUTH_LDAP_TIMEOUT_MS: '600', AUTH_LOCKOUT_THRESHOLD: '3' };

describe.each(testDatabases())('POST /authenticate against OpenLDAP over TLS, and a directory that is down ($kind)', (db) => {
  let ldaps: AuthBridge;
  let startTls: AuthBridge;
  let untrusted: AuthBridge;

  beforeAll(async () => {
    // Three bridges on one database would share the lockouts: a database each.
    ldaps = await startAuthBridge(await db.create(), PERSONS, { ...search(), ...fast, AUTH_LDAP_URL: ldap.ldapsUrl, AUTH_LDAP_CA_FILE: ldap.caFile });
    startTls = await startAuthBridge(await db.create(), PERSONS, {
      ...direct,
      ...fast,
      AUTH_LDAP_URL: ldap.url,
      AUTH_LDAP_STARTTLS: 'true',
      AUTH_LDAP_CA_FILE: ldap.caFile,
    });
    // LDAPS with the certificate checked (the default) against the system's CAs only.
    untrusted = await startAuthBridge(await db.create(), PERSONS, { ...direct, ...fast, AUTH_LDAP_URL: ldap.ldapsUrl });
  });
  afterAll(async () => {
    await Promise.all([ldaps?.stop(), startTls?.stop(), untrusted?.stop()]);
    await db.dropAll();
  });
  beforeEach(() => {
    for (const bridge of [ldaps, startTls, untrusted]) bridge.advance(HOUR);
  });

  const lastReasons = (bridge: AuthBridge, n: number) => bridge.failureReasons(n);

  it('logs in over LDAPS with the CA file (search-then-bind on pooled TLS connections)', async () => {
    expect((await ldaps.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
    expect((await ldaps.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
    expect((await ldaps.login('bob', 'wrong')).body).toEqual(FAILED);
    expect(await lastReasons(ldaps, 1)).toEqual(['wrong_password']);
  });

  it('logs in over StartTLS with the CA file (direct bind)', async () => {
    expect((await startTls.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
    expect((await startTls.login('bob', 'wrong')).body).toEqual(FAILED);
    expect(await lastReasons(startTls, 1)).toEqual(['wrong_password']);
  });

  it('treats a certificate it cannot verify as an upstream failure, never counted towards a lockout', async () => {
    for (let i = 0; i < 5; i++) expect((await untrusted.login('alice', 'alice-Dir-pass-1')).body).toEqual(UNAVAILABLE);
    expect(await lastReasons(untrusted, 5)).toEqual(Array(5).fill('upstream_error'));
    // Five failures over a threshold of three, and no lock: a wrong password is still just wrong.
    expect((await untrusted.login('alice', 'wrong')).body).toEqual(UNAVAILABLE);
  });

  it('treats a directory that does not answer as a timeout, and recovers when it answers again', async () => {
    expect((await ldaps.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
    await ldap.freeze();
    try {
      const started = Date.now();
      expect((await ldaps.login('alice', 'alice-Dir-pass-1')).body).toEqual(UNAVAILABLE);
      expect((await startTls.login('alice', 'alice-Dir-pass-1')).body).toEqual(UNAVAILABLE);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await ldap.resume();
    }
    expect(await lastReasons(ldaps, 1)).toEqual(['upstream_timeout']);
    expect(await lastReasons(startTls, 1)).toEqual(['upstream_timeout']);
    // The pooled connection that timed out was dropped; a new one serves.
    expect((await ldaps.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
  });

  it('answers LOGIN_UNAVAILABLE while the directory is stopped, locks nobody out, and logs in again once it is back', async () => {
    await ldap.stop();
    try {
      for (let i = 0; i < 6; i++) {
        expect((await ldaps.login('bob', 'bob-Dir-pass-1')).body).toEqual(UNAVAILABLE);
        expect((await startTls.login('bob', 'some-guess')).body).toEqual(UNAVAILABLE);
      }
      expect(await lastReasons(ldaps, 6)).toEqual(Array(6).fill('upstream_error'));
      expect(await lastReasons(startTls, 6)).toEqual(Array(6).fill('upstream_error'));
      // /health says so (without failing readiness).
      const health = await request(ldaps.url).get('/health');
      expect(health.body.status).toBe('degraded');
      expect(health.body.warnings).toContainEqual(
        expect.stringMatching(/^The server checking passwords \(AUTH_VERIFIER=ldap\) could not be reached at the last login \(.*, upstream_error\)/),
      );
      expect((await request(ldaps.url).get('/health/ready')).status).toBe(200);
    } finally {
      await ldap.start();
    }
    expect((await ldaps.login('bob', 'bob-Dir-pass-1')).body).toEqual({ status: 'success' });
    expect((await request(ldaps.url).get('/health')).body.warnings).not.toContainEqual(expect.stringMatching(/checking passwords/));
    expect((await startTls.login('bob', 'bob-Dir-pass-1')).body).toEqual({ status: 'success' });
    // Whereas wrong passwords do lock.
    for (let i = 0; i < 3; i++) expect((await startTls.login('bob', 'wrong')).body).toEqual(FAILED);
    expect((await startTls.login('bob', 'bob-Dir-pass-1')).body.message).toMatch(LOCKED);
  });
});
