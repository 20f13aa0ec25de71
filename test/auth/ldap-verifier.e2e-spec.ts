import { Writable } from 'node:stream';
import { Client } from 'ldapts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PasswordVerifier } from '#app/omflow';
import { testDatabases, type TestDatabase } from '../support/databases.js';
import { LDAP_PEOPLE, LDAP_SERVICE, startTestLdap, type TestLdap } from '../support/ldap.js';
import type { TestPerson } from '../support/organisation.js';
import { startAuthBridge, type AuthBridge } from './helpers.js';

const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const UNAVAILABLE = { status: 'fail', message: 'The password cannot be checked right now. Try again in a moment.' };
const LOCKED = /Too many failed login attempts/;
const HOUR = 3_600_000;

const dn = (uid: string) => `uid=${uid},${LDAP_PEOPLE}`;
/** The bind name nobody holds, under which unknown users and empty passwords are bound (search-then-bind). */
const NOBODY = `cn=omflow-bridge-no-such-user,${LDAP_PEOPLE}`;

/** In the directory: alice, bob and carol with passwords; dora without one (nobody can bind as her: a disabled account). */
const DIRECTORY = [
  { uid: 'alice', password: 'alice-Dir-pass-1' },
  { uid: 'bob', password: 'bob-Dir-pass-1' },
  { uid: 'carol', password: 'carol-Dir-pass-1' },
  { uid: 'dora' },
];
/** Published: the directory's people, erin (not in the directory), mallory (resigned). */
const PERSONS: TestPerson[] = ['alice', 'bob', 'carol', 'dora', 'erin'].map((username, i) => ({ userId: `p${i + 1}`, username, departments: ['rd'] }));
PERSONS.push({ userId: 'p9', username: 'mallory', departments: ['rd'], locked: true });

let ldap: TestLdap;
beforeAll(async () => {
  ldap = await startTestLdap(DIRECTORY);
});
afterAll(() => ldap?.close());

/** A sink for the bridge's JSON log. */
function logSink(): { sink: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    sink: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

const searchEnv = (): NodeJS.ProcessEnv => ({
  AUTH_VERIFIER: 'ldap',
  AUTH_LDAP_URL: ldap.url,
  AUTH_LDAP_BIND_DN: LDAP_SERVICE.dn,
  AUTH_LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
  AUTH_LDAP_SEARCH_BASE: LDAP_PEOPLE,
  AUTH_LDAP_SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(uid={username}))',
  AUTH_LDAP_POOL_SIZE: '2',
  AUTH_LOCKOUT_THRESHOLD: '3',
  LOG_LEVEL: 'debug',
});

/**
 * For the enclosing describe: a bridge on a fresh database of `db` (handed to `use`), stopped
 * after it; each test starts in a fresh hour (earlier lockouts are over) with no binds recorded.
 */
function withBridge(db: TestDatabase, env: () => NodeJS.ProcessEnv, use: (bridge: AuthBridge) => void, options: { logDestination?: Writable } = {}): void {
  let bridge: AuthBridge | undefined;
  beforeAll(async () => {
    bridge = await startAuthBridge(await db.create(), PERSONS, env(), options);
    use(bridge);
  });
  afterAll(async () => {
    await bridge?.stop();
    await db.dropAll();
  });
  beforeEach(async () => {
    bridge?.advance(HOUR);
    await ldap.takeBinds();
  });
}

describe.each(testDatabases())('POST /authenticate against OpenLDAP, search-then-bind (AUTH_VERIFIER=ldap, $kind)', (db) => {
  let bridge: AuthBridge;
  const log = logSink();
  withBridge(db, searchEnv, (b) => (bridge = b), { logDestination: log.sink });

  const lastReasons = (n: number) => bridge.failureReasons(n);
  /** The user binds the directory saw (the pool's service-account binds left out). */
  const userBinds = async () => (await ldap.takeBinds()).filter((b) => b !== LDAP_SERVICE.dn);

  it("accepts the directory's password: the service account finds the entry, the user binds as it", async () => {
    expect((await bridge.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
    expect(await userBinds()).toEqual([dn('alice')]);
    const [event] = (await bridge.events('auth.login.succeeded')).slice(-1);
    expect(event.target_id).toBe('alice');
    expect(JSON.parse(event.details)).toEqual({ verifier: 'ldap' });
    const [person] = await bridge.db.query<{ last_login: unknown }[]>("SELECT last_login FROM person WHERE username = 'alice'");
    expect(person?.last_login).not.toBeNull();
    // OMFLOW's usernames are case-insensitive, and so is the directory's uid.
    expect((await bridge.login('ALICE', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
  });

  it('refuses a wrong password and counts it towards the lockout', async () => {
    for (let i = 0; i < 3; i++) expect((await bridge.login('bob', 'not-bobs')).body).toEqual(FAILED);
    expect(await lastReasons(3)).toEqual(['wrong_password', 'wrong_password', 'wrong_password']);
    expect((await bridge.login('bob', 'bob-Dir-pass-1')).body.message).toMatch(LOCKED);
  });

  it('answers an unknown user, a user missing from the directory and a disabled entry like a wrong password, each after one bind', async () => {
    expect((await bridge.login('nobody', 'alice-Dir-pass-1')).body).toEqual(FAILED);
    expect((await bridge.login('erin', 'erin-pass')).body).toEqual(FAILED);
    expect((await bridge.login('dora', 'dora-pass')).body).toEqual(FAILED);
    expect((await bridge.login('mallory', 'x')).body).toEqual(FAILED);
    expect(await lastReasons(4)).toEqual(['unknown_user', 'no_password', 'wrong_password', 'unknown_user']);
    // The same work for each: one search, one bind (under a name nobody holds when there is no entry).
    expect(await userBinds()).toEqual([NOBODY, NOBODY, dn('dora'), NOBODY]);
  });

  it('never sends an empty password: this directory would take it as an unauthenticated bind and answer success', async () => {
    // What the guard is for: the server accepts alice's DN with no password.
    const raw = new Client({ url: ldap.url });
    await expect(raw.bind(dn('alice'), '')).resolves.toBeUndefined();
    await raw.unbind();
    await ldap.takeBinds();

    // OMFLOW's request is refused before any check...
    expect((await bridge.login('alice', '')).body).toMatchObject({ status: 'fail', message: expect.stringMatching(/^Invalid login request/) });
    // ...and the bridge's verifier itself refuses it, after the same work (a search and a bind under another name).
    const verifier = bridge.app.get(PasswordVerifier);
    expect(verifier.kind).toBe('ldap');
    expect(await verifier.verify('alice', '')).toEqual({ ok: false, reason: 'wrong_password' });
    expect(await userBinds()).toEqual([NOBODY]);
  });

  it('escapes the username in the search filter: an injected filter finds nobody', async () => {
    for (const username of ['*)(uid=*', 'al*', '*', 'alice)(uid=bob', 'x)(|(uid=*']) {
      expect((await bridge.login(username, 'alice-Dir-pass-1')).body, username).toEqual(FAILED);
    }
    // Unescaped, `al*` would have found alice and bound as her.
    expect(await userBinds()).toEqual([NOBODY, NOBODY, NOBODY, NOBODY, NOBODY]);
    expect(await lastReasons(5)).toEqual(Array(5).fill('unknown_user'));
  });

  it("keeps the passwords, the service account's first, out of the log and the audit trail", async () => {
    await bridge.login('carol', 'carol-Dir-pass-1');
    await bridge.login('carol', 'carol-wrong-guess');
    const audit = JSON.stringify(await bridge.db.query('SELECT * FROM audit_event'));
    const logged = log.text();
    expect(logged).toMatch(/LdapPasswordVerifier|authenticate/); // the log did receive the bridge's lines
    for (const secret of [LDAP_SERVICE.password, 'carol-Dir-pass-1', 'carol-wrong-guess', 'alice-Dir-pass-1']) {
      expect(logged).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
  });

  it('reports a service account the directory refuses as an upstream failure, never counted, naming the variables and not the password', async () => {
    const wrong = logSink();
    const misconfigured = await startAuthBridge(
      await db.create(),
      PERSONS,
      { ...searchEnv(), AUTH_LDAP_BIND_PASSWORD: 'wrong-Svc-pass-42' },
      { logDestination: wrong.sink },
    );
    try {
      for (let i = 0; i < 4; i++) expect((await misconfigured.login('alice', 'alice-Dir-pass-1')).body).toEqual(UNAVAILABLE);
      expect(await misconfigured.failureReasons(4)).toEqual(Array(4).fill('upstream_error'));
      expect(wrong.text()).toContain('The directory refused the service account (AUTH_LDAP_BIND_DN / AUTH_LDAP_BIND_PASSWORD)');
      expect(wrong.text()).not.toContain('wrong-Svc-pass-42');
    } finally {
      await misconfigured.stop();
    }
  });
});

describe.each(testDatabases())('POST /authenticate against OpenLDAP, direct bind-DN template (AUTH_VERIFIER=ldap, $kind)', (db) => {
  let bridge: AuthBridge;
  withBridge(
    db,
    () => ({ AUTH_VERIFIER: 'ldap', AUTH_LDAP_URL: ldap.url, AUTH_LDAP_BIND_DN_TEMPLATE: `uid={username},${LDAP_PEOPLE}`, AUTH_LOCKOUT_THRESHOLD: '3' }),
    (b) => (bridge = b),
  );

  const lastReasons = (n: number) => bridge.failureReasons(n);

  it('binds as the DN the template makes, with no service account', async () => {
    expect((await bridge.login('alice', 'alice-Dir-pass-1')).body).toEqual({ status: 'success' });
    expect(await ldap.takeBinds()).toEqual([dn('alice')]);
  });

  it('refuses a wrong password (counted), an unknown user and a disabled entry with one answer', async () => {
    expect((await bridge.login('nobody', 'alice-Dir-pass-1')).body).toEqual(FAILED);
    expect((await bridge.login('dora', 'dora-pass')).body).toEqual(FAILED);
    for (let i = 0; i < 3; i++) expect((await bridge.login('carol', 'not-carols')).body).toEqual(FAILED);
    expect(await lastReasons(5)).toEqual(['unknown_user', 'wrong_password', 'wrong_password', 'wrong_password', 'wrong_password']);
    expect((await bridge.login('carol', 'carol-Dir-pass-1')).body.message).toMatch(LOCKED);
  });

  it('never sends an empty password, and escapes the username in the DN', async () => {
    const verifier = bridge.app.get(PasswordVerifier);
    expect(await verifier.verify('alice', '')).toEqual({ ok: false, reason: 'wrong_password' });
    expect(await ldap.takeBinds()).toEqual([dn('omflow-bridge-no-such-user')]);
    expect((await bridge.login('bob,ou=people', 'bob-Dir-pass-1')).body).toEqual(FAILED);
    // One RDN value holding `bob,ou=people` (slapd logs it normalised, `,` and `=` as hex), not a DN two levels down.
    expect(await ldap.takeBinds()).toEqual([`uid=bob\\2Cou\\3Dpeople,${LDAP_PEOPLE}`]);
  });
});
