import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '#app/database';
import { testDatabases } from '../support/databases.js';
import type { TestPerson } from '../support/organisation.js';
import { startAuthBridge, type AuthBridge } from './helpers.js';
import { startUpstream } from './upstream.js';

// The lockout must hold against a burst of parallel guesses: each attempt takes its place in the
// database before its password is checked, so no more than the threshold are ever checked.

const THRESHOLD = 5;
const LOCKED = /Too many failed login attempts/;
const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const HOUR = 3_600_000;

const PERSONS: TestPerson[] = ['alice', 'bob', 'carol', 'dave', 'erin'].map((username, i) => ({ userId: `p${i + 1}`, username, departments: ['rd'] }));

const LOCKOUT = {
  AUTH_LOCKOUT_THRESHOLD: String(THRESHOLD),
  AUTH_LOCKOUT_WINDOW_SECONDS: '600',
  AUTH_LOCKOUT_SECONDS: '600',
  AUTH_IP_LOCKOUT_THRESHOLD: '20',
  AUTH_RATE_LIMIT_PER_MINUTE: '0',
};

/** Upstream answers are held this long, so that every checked attempt of a burst is in flight at once. */
const UPSTREAM_DELAY_MS = 400;

function httpVerifier(url: string): NodeJS.ProcessEnv {
  return {
    ...LOCKOUT,
    AUTH_VERIFIER: 'http',
    AUTH_HTTP_URL: url,
    AUTH_HTTP_SEND: 'json',
    AUTH_HTTP_USERNAME_FIELD: 'login',
    AUTH_HTTP_PASSWORD_FIELD: 'secret',
    AUTH_HTTP_SUCCESS_FIELD: 'valid',
    AUTH_HTTP_SUCCESS_VALUE: 'true',
    AUTH_HTTP_TIMEOUT_MS: '5000',
  };
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(testDatabases())('login lockout under parallel attempts ($kind)', (db) => {
  afterAll(() => db.dropAll());

  describe('counted at an upstream verifier (AUTH_VERIFIER=http)', () => {
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let bridge: AuthBridge;
    const checked = (username: string) =>
      upstream.calls.map((c) => JSON.parse(c.body) as { login: string; secret: string }).filter((c) => c.login === username);

    beforeAll(async () => {
      upstream = await startUpstream({ delayMs: UPSTREAM_DELAY_MS });
      bridge = await startAuthBridge(await db.create(), PERSONS, httpVerifier(upstream.url));
    });
    afterAll(async () => {
      await bridge?.stop();
      await upstream?.close();
    });
    beforeEach(() => bridge.advance(HOUR));

    it.each([
      ['alice', 30],
      ['bob', 60],
    ])('checks at most the threshold of a burst of wrong guesses at %s (%i), the right password among them', async (username, n) => {
      const passwords = Array.from({ length: n }, (_, i) => `guess-${i}`);
      const rightIndex = Math.floor(n / 2);
      passwords.splice(rightIndex, 0, 'right');
      const answers = await Promise.all(passwords.map((password) => bridge.login(username, password)));

      const calls = checked(username);
      const rightAt = calls.findIndex((c) => c.secret === 'right');
      if (rightAt === -1) {
        // Refused before its turn: no more than the threshold were checked, and the account is locked.
        expect(calls.length).toBeLessThanOrEqual(THRESHOLD);
        expect(answers[rightIndex].body.message).toMatch(LOCKED);
        expect((await bridge.login(username, 'right')).body.message).toMatch(LOCKED);
      } else {
        // Accepted only as one of the first guesses, as a serial attacker would have been.
        expect(rightAt).toBeLessThan(THRESHOLD);
        expect(answers[rightIndex].body).toEqual({ status: 'success' });
      }
      const refused = answers.filter((r) => LOCKED.test(String(r.body.message)));
      expect(refused.length).toBe(n + 1 - calls.length);
      for (const res of answers) expect(res.status).toBe(200);
      // Every reservation was settled: nothing is left in flight.
      const rows = await bridge.db.query<{ pending: unknown }[]>("SELECT pending FROM auth_lockout WHERE kind = 'user' AND subject = ?", [username]);
      for (const row of rows) expect(Number(row.pending)).toBe(0);
    });

    it('refuses the right password while the allowance is taken by guesses in flight, and once they locked the account', async () => {
      const burst = Promise.all(Array.from({ length: 20 }, (_, i) => bridge.login('carol', `guess-${i}`)));
      await until(() => checked('carol').length >= THRESHOLD);
      const whileInFlight = await bridge.login('carol', 'right');
      expect(whileInFlight.body.message).toMatch(LOCKED);
      const answers = await burst;
      expect(checked('carol')).toHaveLength(THRESHOLD);
      expect(answers.filter((r) => r.body.message === FAILED.message)).toHaveLength(THRESHOLD);
      expect(answers.filter((r) => LOCKED.test(String(r.body.message)))).toHaveLength(20 - THRESHOLD);
      expect((await bridge.login('carol', 'right')).body.message).toMatch(LOCKED);
      expect(checked('carol')).toHaveLength(THRESHOLD);
      // Every attempt was audited: the checked ones as failures, the refused ones as locked.
      const failed = (await bridge.events('auth.login.failed')).filter((e) => e.target_id === 'carol');
      expect(failed).toHaveLength(THRESHOLD);
      expect((await bridge.events('auth.login.locked')).filter((e) => e.target_id === 'carol')).toHaveLength(20 - THRESHOLD + 2);

      bridge.advance(600_001);
      expect((await bridge.login('carol', 'right')).body).toEqual({ status: 'success' });
    });

    it('checks at most the source IP threshold of a parallel spray over many usernames', async () => {
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => bridge.login(`spray-${i}`, 'Password1')));
      const calls = upstream.calls.filter((c) => (JSON.parse(c.body) as { login: string }).login.startsWith('spray-'));
      expect(calls.length).toBeLessThanOrEqual(20);
      expect(answers.filter((r) => LOCKED.test(String(r.body.message))).length).toBe(60 - calls.length);
      expect((await bridge.login('dave', 'right')).body.message).toMatch(LOCKED);
    });
  });

  describe('counted by the local password store (AUTH_VERIFIER=local)', () => {
    let bridge: AuthBridge;

    beforeAll(async () => {
      bridge = await startAuthBridge(await db.create(), PERSONS, LOCKOUT);
      for (const p of PERSONS) expect((await bridge.setPassword(p.username, `${p.username}-pass-1`)).status).toBe(200);
    });
    afterAll(() => bridge?.stop());
    beforeEach(() => bridge.advance(HOUR));

    it.each([
      ['alice', 30],
      ['bob', 60],
    ])('checks at most the threshold of a burst of wrong guesses at %s (%i), then refuses the right password', async (username, n) => {
      const answers = await Promise.all(Array.from({ length: n }, (_, i) => bridge.login(username, `guess-${i}`)));
      const checkedGuesses = (await bridge.events('auth.login.failed')).filter(
        (e) => e.target_id === username && JSON.parse(e.details).reason === 'wrong_password',
      );
      expect(checkedGuesses).toHaveLength(THRESHOLD);
      expect(answers.filter((r) => LOCKED.test(String(r.body.message)))).toHaveLength(n - THRESHOLD);
      expect((await bridge.login(username, `${username}-pass-1`)).body.message).toMatch(LOCKED);
    });
  });

  describe('two bridge instances on one database', () => {
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let bridges: AuthBridge[];
    let database: DatabaseConfig;

    beforeAll(async () => {
      upstream = await startUpstream({ delayMs: UPSTREAM_DELAY_MS });
      database = await db.create();
      bridges = [await startAuthBridge(database, PERSONS, httpVerifier(upstream.url))];
      bridges.push(await startAuthBridge(database, PERSONS, httpVerifier(upstream.url)));
    });
    afterAll(async () => {
      // passport's strategy registry is process-wide (the last app's strategies win): close both.
      for (const bridge of bridges ?? []) await bridge.stop();
      await upstream?.close();
    });

    it('shares the allowance: a burst spread over both instances checks at most the threshold', async () => {
      const n = 40;
      const passwords = Array.from({ length: n }, (_, i) => `guess-${i}`);
      passwords.splice(n / 2, 0, 'right');
      const answers = await Promise.all(passwords.map((password, i) => bridges[i % 2].login('erin', password)));
      const calls = upstream.calls.map((c) => JSON.parse(c.body) as { login: string; secret: string }).filter((c) => c.login === 'erin');
      const rightAt = calls.findIndex((c) => c.secret === 'right');
      if (rightAt === -1) {
        expect(calls.length).toBeLessThanOrEqual(THRESHOLD);
        for (const bridge of bridges) expect((await bridge.login('erin', 'right')).body.message).toMatch(LOCKED);
      } else {
        expect(rightAt).toBeLessThan(THRESHOLD);
      }
      expect(answers.filter((r) => LOCKED.test(String(r.body.message))).length).toBe(n + 1 - calls.length);
    });
  });
});
