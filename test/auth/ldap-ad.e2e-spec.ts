import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PasswordVerifier } from '#app/omflow';
import { startAdEmulator } from '../support/ad-emulator.js';
import { testDatabases } from '../support/databases.js';
import type { TestPerson } from '../support/organisation.js';
import { startAuthBridge, type AuthBridge } from './helpers.js';

const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const MUST_CHANGE = { status: 'fail', message: 'The password must be changed before it can be used to log in. Ask an administrator for a new password.' };
const LOCKED = /Too many failed login attempts/;
const HOUR = 3_600_000;

const ACCOUNTS = {
  'zhang.wei@corp.example': { password: 'Zw-pass-1' },
  'li.na@corp.example': { password: 'Ln-pass-1', state: 'expired' },
  'wang.fang@corp.example': { password: 'Wf-pass-1', state: 'mustReset' },
  'chen.jie@corp.example': { password: 'Cj-pass-1', state: 'disabled' },
  'liu.yang@corp.example': { password: 'Ly-pass-1', state: 'locked' },
  'zhao.lei@corp.example': { password: 'Zl-pass-1', state: 'accountExpired' },
  'sun.li@corp.example': { password: 'Sl-pass-1', state: 'outsideHours' },
} as const;
const PERSONS: TestPerson[] = ['zhang.wei', 'li.na', 'wang.fang', 'chen.jie', 'liu.yang', 'zhao.lei', 'sun.li', 'zhou.xin'].map((username, i) => ({
  userId: `p${i + 1}`,
  username,
  departments: ['rd'],
}));

/**
 * Active Directory's answers (its `data XXX` sub-codes) through the whole login: a tiny LDAP server
 * answering binds as AD does (OpenLDAP cannot), the bridge binding `{username}@corp.example`.
 */
describe.each(testDatabases())("POST /authenticate against Active Directory's answers (AUTH_VERIFIER=ldap, $kind)", (db) => {
  let ad: Awaited<ReturnType<typeof startAdEmulator>>;
  let bridge: AuthBridge;

  beforeAll(async () => {
    ad = await startAdEmulator(ACCOUNTS);
    bridge = await startAuthBridge(await db.create(), PERSONS, {
      AUTH_VERIFIER: 'ldap',
      AUTH_LDAP_URL: ad.url,
      AUTH_LDAP_BIND_DN_TEMPLATE: '{username}@corp.example',
      AUTH_LOCKOUT_THRESHOLD: '3',
    });
  });
  afterAll(async () => {
    await bridge?.stop();
    await ad?.close();
    await db.dropAll();
  });
  beforeEach(() => {
    bridge.advance(HOUR);
    ad.binds.length = 0;
  });

  const reasons = (n: number) => bridge.failureReasons(n);

  it('logs in with the right password; a wrong one (52e) and a name AD does not hold (525) are refused alike', async () => {
    expect((await bridge.login('zhang.wei', 'Zw-pass-1')).body).toEqual({ status: 'success' });
    expect((await bridge.login('zhang.wei', 'nope')).body).toEqual(FAILED);
    expect((await bridge.login('zhou.xin', 'nope')).body).toEqual(FAILED);
    expect(await reasons(2)).toEqual(['wrong_password', 'no_password']);
    expect(ad.binds).toEqual(['zhang.wei@corp.example', 'zhang.wei@corp.example', 'zhou.xin@corp.example']);
  });

  it('says "must change" for an expired password (532) or one AD wants reset (773), only after the right password, without counting it', async () => {
    for (let i = 0; i < 4; i++) expect((await bridge.login('li.na', 'Ln-pass-1')).body).toEqual(MUST_CHANGE);
    expect((await bridge.login('wang.fang', 'Wf-pass-1')).body).toEqual(MUST_CHANGE);
    expect(await reasons(5)).toEqual(['password_expired', 'password_expired', 'password_expired', 'password_expired', 'must_change']);
    // A wrong password says nothing of the state.
    expect((await bridge.login('li.na', 'guess')).body).toEqual(FAILED);
    expect(await reasons(1)).toEqual(['wrong_password']);
  });

  it('refuses a disabled (533), locked (775), expired (701) or out-of-hours (530) account like a wrong password, audits why, and counts it', async () => {
    expect((await bridge.login('chen.jie', 'Cj-pass-1')).body).toEqual(FAILED);
    expect((await bridge.login('zhao.lei', 'Zl-pass-1')).body).toEqual(FAILED);
    expect((await bridge.login('sun.li', 'Sl-pass-1')).body).toEqual(FAILED);
    expect(await reasons(3)).toEqual(['account_disabled', 'account_expired', 'not_permitted']);
    for (let i = 0; i < 3; i++) expect((await bridge.login('liu.yang', i ? 'guess' : 'Ly-pass-1')).body).toEqual(FAILED);
    expect(await reasons(3)).toEqual(['account_locked', 'account_locked', 'account_locked']);
    expect((await bridge.login('liu.yang', 'Ly-pass-1')).body.message).toMatch(LOCKED);
  });

  it('never sends an empty password, which AD would take as an unauthenticated bind', async () => {
    expect(await bridge.app.get(PasswordVerifier).verify('zhang.wei', '')).toEqual({ ok: false, reason: 'wrong_password' });
    expect(ad.binds).toEqual(['omflow-bridge-no-such-user@corp.example']);
  });
});
