import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Argon2Hasher } from '#app/omflow';
import { djangoVector, djangoVectors } from '../fixtures/django-hashes/vectors.js';
import { testDatabases } from '../support/databases.js';
import type { TestPerson } from '../support/organisation.js';
import { admin, startAuthBridge, TEST_ARGON2, type AuthBridge } from './helpers.js';

const fixture = djangoVectors;
const vector = djangoVector;

/** One user per format, at cheap costs, plus OMFLOW's own sample admin (Django 2.2, 150000 iterations). */
const IMPORTED = [
  { username: 'django-pbkdf2', vector: vector('pbkdf2_sha256 cheap') },
  { username: 'django-pbkdf2-sha1', vector: vector('pbkdf2_sha1 cheap') },
  { username: 'django-argon2id', vector: vector('argon2id cheap') },
  { username: 'django-argon2i', vector: vector('argon2i cheap') },
  { username: 'django-bcrypt-sha256', vector: vector('bcrypt_sha256 cheap') },
  { username: 'django-bcrypt', vector: vector('bcrypt cheap') },
  { username: 'django-bcrypt-2a', vector: vector('bcrypt 2a') },
  { username: 'omflow-admin', vector: vector('omflow sample admin') },
];
const BRIDGE_ARGON2 = `$argon2id$v=19$m=${TEST_ARGON2.AUTH_ARGON2_MEMORY_KIB},t=${TEST_ARGON2.AUTH_ARGON2_TIME_COST},p=${TEST_ARGON2.AUTH_ARGON2_PARALLELISM}$`;
const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const HOUR = 3_600_000;

/** Every piece of an imported hash that must never come back: the whole hash, its salt and its digest (not the format's name). */
const secretsOf = (hash: string) => [
  hash,
  ...hash.split('$').filter((part) => part.length >= 8 && !/^(argon2(id|i|d)?|pbkdf2_sha(256|1)|bcrypt(_sha256)?|[mtpv]=.*|\d+)$/.test(part)),
];

const PERSONS: TestPerson[] = [
  ...IMPORTED.map(({ username }, i) => ({ userId: `d${i}`, username, departments: ['rd'] })),
  ...['plain-user', 'row-ok', 'row-unusable', 'row-scrypt', 'row-costly', 'row-broken', 'row-both', 'row-typo'].map((username, i) => ({
    userId: `r${i}`,
    username,
    departments: ['sales'],
  })),
];

describe.each(testDatabases())("importing OMFLOW's Django password hashes ($kind)", (db) => {
  let bridge: AuthBridge;
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const stored = async (username: string) =>
    (await bridge.db.query<{ hash: string }[]>('SELECT hash FROM credential WHERE username = ?', [username]))[0]?.hash ?? null;
  const importRows = (items: unknown[]) => request(bridge.url).post('/api/v1/auth/passwords/import').set(admin).send({ items });

  beforeAll(async () => {
    bridge = await startAuthBridge(await db.create(), PERSONS, { LOG_LEVEL: 'debug', AUTH_LOCKOUT_THRESHOLD: '5' }, { logDestination: sink });
  });
  afterAll(async () => {
    await bridge?.stop();
    await db.dropAll();
  });
  beforeEach(() => bridge.advance(HOUR));

  it('imports every Django format as is, beside plain passwords, and answers counts per format without echoing a hash', async () => {
    const res = await importRows([
      ...IMPORTED.map(({ username, vector: v }) => ({ username, passwordHash: v.hash })),
      { username: 'plain-user', password: 'plain-pass-1' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      total: 9,
      created: 9,
      updated: 0,
      invalid: 0,
      formats: { plain: 1, pbkdf2_sha256: 2, pbkdf2_sha1: 1, argon2: 2, bcrypt_sha256: 1, bcrypt: 2 },
    });
    const body = JSON.stringify(res.body);
    for (const { username, vector: v } of IMPORTED) {
      expect(await stored(username)).toBe(v.hash);
      for (const secret of secretsOf(v.hash)) expect(body).not.toContain(secret);
    }
    expect(await stored('plain-user')).toMatch(/^\$argon2id\$/);
  });

  it.each(IMPORTED)(
    'logs $username in with the Django password, then holds the bridge argon2id instead; a wrong password fails and counts',
    async ({ username, vector: v }) => {
      expect((await bridge.login(username, v.wrong)).body).toEqual(FAILED);
      expect(await stored(username)).toBe(v.hash); // a failure changes nothing
      const [failure] = (await bridge.events('auth.login.failed')).slice(-1);
      expect(failure?.target_id).toBe(username);
      expect(JSON.parse(failure.details)).toMatchObject({ reason: 'wrong_password' });
      const [counter] = await bridge.db.query<{ failures: unknown }[]>("SELECT failures FROM auth_lockout WHERE kind = 'user' AND subject = ?", [username]);
      expect(Number(counter?.failures)).toBe(1);

      expect((await bridge.login(username, v.password)).body).toEqual({ status: 'success' });
      const rehashed = await stored(username);
      expect(rehashed?.startsWith(BRIDGE_ARGON2)).toBe(true);
      // The new argon2id hash holds the same password, and only that.
      expect((await bridge.login(username, v.password)).body).toEqual({ status: 'success' });
      expect((await bridge.login(username, v.wrong)).body).toEqual(FAILED);
      expect(await stored(username)).toBe(rehashed);
    },
  );

  it('refuses each bad row with its reason, stores the good ones, and changes nothing for the refused', async () => {
    const ok = vector('pbkdf2_sha256 cheap');
    const [, , salt, digest] = ok.hash.split('$');
    const res = await importRows([
      { username: 'row-ok', passwordHash: ok.hash, mustChange: false },
      { username: 'row-unusable', passwordHash: fixture.unusable },
      { username: 'row-scrypt', passwordHash: `scrypt$16384$${salt}$8$1$${digest}` },
      { username: 'row-costly', passwordHash: `pbkdf2_sha256$2000000000$${salt}$${digest}` },
      { username: 'row-broken', passwordHash: ok.hash.slice(0, -6) },
      { username: 'row-both', password: 'p', passwordHash: ok.hash },
      { username: 'row-typo', passwordHash: 'SeasonPassword2026' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 7, created: 1, invalid: 6, formats: { pbkdf2_sha256: 1 } });
    const problems = Object.fromEntries((res.body.results as { username: string; problems?: string[] }[]).map((r) => [r.username, r.problems?.join('; ')]));
    expect(problems).toEqual({
      'row-ok': undefined,
      'row-unusable': 'passwordHash is an unusable Django password (it starts with "!"): nothing to import',
      'row-scrypt': expect.stringMatching(/Django's scrypt hasher, which the bridge does not import/),
      'row-costly': 'passwordHash asks for more than 10000000 PBKDF2 iterations',
      'row-broken': expect.stringMatching(/not a well-formed pbkdf2_sha256 hash/),
      'row-both': 'give either password or passwordHash, not both',
      'row-typo': expect.stringMatching(/not a Django hash the bridge reads/),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/SeasonPassword2026|seasalt/);
    for (const secret of secretsOf(ok.hash)) expect(JSON.stringify(res.body)).not.toContain(secret);
    expect(await stored('row-ok')).toBe(ok.hash);
    for (const refused of ['row-unusable', 'row-scrypt', 'row-costly', 'row-broken', 'row-both', 'row-typo']) expect(await stored(refused)).toBeNull();
    expect((await bridge.login('row-unusable', fixture.unusable)).body).toEqual(FAILED);
  });

  it('keeps an existing password when asked to skip, and replaces it otherwise', async () => {
    const other = vector('pbkdf2_sha1 cheap');
    const skip = await request(bridge.url)
      .post('/api/v1/auth/passwords/import')
      .set(admin)
      .send({ items: [{ username: 'plain-user', passwordHash: other.hash }], onExisting: 'skip' });
    expect(skip.body).toMatchObject({ skipped: 1, formats: {} });
    expect((await bridge.login('plain-user', 'plain-pass-1')).body).toEqual({ status: 'success' });
    const replace = await importRows([{ username: 'plain-user', passwordHash: other.hash }]);
    expect(replace.body).toMatchObject({ updated: 1, formats: { pbkdf2_sha1: 1 } });
    expect((await bridge.login('plain-user', 'plain-pass-1')).body).toEqual(FAILED);
    expect((await bridge.login('plain-user', other.password)).body).toEqual({ status: 'success' });
  });

  it('verifies an unknown user against the dummy argon2id, as before', async () => {
    const hasher = bridge.app.get(Argon2Hasher, { strict: false });
    const verify = vi.spyOn(hasher, 'verify');
    try {
      expect((await bridge.login('nobody-imported', 'whatever')).body).toEqual(FAILED);
      expect(verify).toHaveBeenCalledTimes(1);
      expect(verify.mock.calls[0]?.[0]).toBe(await hasher.dummyHash());
    } finally {
      verify.mockRestore();
    }
  });

  it('audits each import with counts per format, and no hash reaches the audit trail or the log', async () => {
    const imports = await bridge.events('auth.password.imported');
    expect(JSON.parse(imports[0].details)).toMatchObject({
      created: 9,
      formats: { plain: 1, pbkdf2_sha256: 2, pbkdf2_sha1: 1, argon2: 2, bcrypt_sha256: 1, bcrypt: 2 },
    });
    expect(JSON.parse(imports[1].details)).toMatchObject({ created: 1, invalid: 6, formats: { pbkdf2_sha256: 1 } });
    const trail = (await bridge.db.query<{ details: string }[]>('SELECT details FROM audit_event')).map((r) => r.details).join('\n');
    const log = logs.join('');
    expect(log).toContain('/api/v1/auth/passwords/import'); // the log was captured
    for (const { vector: v } of IMPORTED) {
      for (const secret of [...secretsOf(v.hash), ...(v.password.length >= 8 ? [v.password] : [])]) {
        expect(trail).not.toContain(secret);
        expect(log).not.toContain(secret);
      }
    }
    expect(trail).not.toContain(fixture.unusable);
  });
});
