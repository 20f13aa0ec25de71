import { hash, parseOptions } from '@node-rs/argon2';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Argon2Hasher, AuthenticateModule, LockoutService, unknownUserKey } from '#app/omflow';
import { testDatabases } from '../support/databases.js';
import type { TestPerson } from '../support/organisation.js';
import { admin, OMFLOW, startAuthBridge, TEST_ARGON2, type AuthBridge } from './helpers.js';

const FAILED = { status: 'fail', message: 'Invalid username or password.' };
const LOCKED = /Too many failed login attempts/;
const HOUR = 3_600_000;

const PERSONS: TestPerson[] = [
  { userId: 'p1', username: 'alice', departments: ['rd'] },
  { userId: 'p2', username: 'bob', departments: ['rd-web'] },
  { userId: 'p3', username: 'carol', departments: ['sales'] },
  { userId: 'p4', username: 'dave', departments: ['sales'] },
  { userId: 'p5', username: 'erin', departments: ['rd'] },
  { userId: 'p6', username: 'frank', departments: ['rd'] },
  { userId: 'p7', username: 'grace', departments: ['rd'] },
  // Resigned: locked employees are left out of every snapshot by the mapping.
  { userId: 'p8', username: 'mallory', departments: ['rd'], locked: true },
];

describe.each(testDatabases())('POST /authenticate with local passwords ($kind)', (db) => {
  let bridge: AuthBridge;

  beforeAll(async () => {
    bridge = await startAuthBridge(await db.create(), PERSONS, {
      AUTH_LOCKOUT_THRESHOLD: '3',
      AUTH_LOCKOUT_WINDOW_SECONDS: '60',
      AUTH_LOCKOUT_SECONDS: '120',
      AUTH_IP_LOCKOUT_THRESHOLD: '8',
      AUTH_RATE_LIMIT_PER_MINUTE: '40',
    });
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'grace', 'mallory']) {
      expect((await bridge.setPassword(name, `${name}-pass-1`)).status).toBe(200);
    }
  });
  afterAll(async () => {
    await bridge?.stop();
    await db.dropAll();
  });
  // Every test starts in a fresh hour: counting windows, lockouts and rate limits of earlier tests are over.
  beforeEach(() => bridge.advance(HOUR));

  it('accepts the right password and records last_login', async () => {
    const res = await bridge.login('alice', 'alice-pass-1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'success' });
    const [person] = await bridge.db.query<{ last_login: unknown }[]>("SELECT last_login FROM person WHERE username = 'alice'");
    expect(person?.last_login).not.toBeNull();
    const [event] = (await bridge.events('auth.login.succeeded')).slice(-1);
    expect(event).toMatchObject({ outcome: 'success', target_id: 'alice' });
    expect(event?.source_ip).toMatch(/127\.0\.0\.1/);
  });

  it('compares usernames case-insensitively', async () => {
    expect((await bridge.login('ALICE', 'alice-pass-1')).body).toEqual({ status: 'success' });
  });

  it('refuses a wrong password, an unknown user and a resigned employee with the same answer', async () => {
    const wrong = await bridge.login('bob', 'not-it');
    const unknown = await bridge.login('nobody', 'bob-pass-1');
    const resigned = await bridge.login('mallory', 'mallory-pass-1');
    for (const res of [wrong, unknown, resigned]) {
      expect(res.status).toBe(200);
      expect(res.body).toEqual(FAILED);
    }
    const reasons = (await bridge.events('auth.login.failed')).slice(-3).map((e) => JSON.parse(e.details).reason);
    expect(reasons).toEqual(['wrong_password', 'unknown_user', 'unknown_user']);
  });

  it('refuses an active user who has no password', async () => {
    expect((await bridge.login('frank', 'anything')).body).toEqual(FAILED);
    const [event] = (await bridge.events('auth.login.failed')).slice(-1);
    expect(JSON.parse(event.details).reason).toBe('no_password');
  });

  it('never stores or logs a password in the audit trail', async () => {
    const rows = await bridge.db.query<{ details: string }[]>('SELECT details FROM audit_event');
    const all = rows.map((r) => r.details).join('\n');
    for (const secret of ['alice-pass-1', 'bob-pass-1', 'mallory-pass-1', 'not-it']) expect(all).not.toContain(secret);
  });

  it('does the same work for an unknown user as for a wrong password: one verify against a hash of the same parameters', async () => {
    const hasher = bridge.app.get(Argon2Hasher, { strict: false });
    const verify = vi.spyOn(hasher, 'verify');
    try {
      await bridge.login('carol', 'wrong-one');
      await bridge.login('carol-who-does-not-exist', 'wrong-one');
      await bridge.login('mallory', 'mallory-pass-1');
      expect(verify).toHaveBeenCalledTimes(3);
      const [known, unknown, resigned] = verify.mock.calls.map(([stored]) => stored);
      const params = (h: string) => parseOptions(h);
      expect(params(unknown)).toEqual(params(known));
      expect(params(resigned)).toEqual(params(known));
      expect(params(known)).toMatchObject({ algorithm: 2, memoryCost: Number(TEST_ARGON2.AUTH_ARGON2_MEMORY_KIB), timeCost: 2, parallelism: 1 });
      expect(unknown).toBe(await hasher.dummyHash());
      // Every path also counted a failure (same database writes) and audited once.
      const failed = (await bridge.events('auth.login.failed')).slice(-3).map((e) => JSON.parse(e.details).reason);
      expect(failed).toEqual(['wrong_password', 'unknown_user', 'unknown_user']);
    } finally {
      verify.mockRestore();
    }
  });

  it('locks a username after the threshold, refuses even the right password, and lets it in once the lock expires', async () => {
    for (let i = 0; i < 3; i++) expect((await bridge.login('dave', `guess-${i}`)).body).toEqual(FAILED);
    const locked = await bridge.login('dave', 'dave-pass-1');
    expect(locked.body.status).toBe('fail');
    expect(locked.body.message).toMatch(LOCKED);
    const [event] = (await bridge.events('auth.login.locked')).slice(-1);
    expect(event).toMatchObject({ outcome: 'denied', target_id: 'dave' });
    expect(JSON.parse(event.details)).toMatchObject({ lock: 'user' });
    const [third] = (await bridge.events('auth.login.failed')).slice(-1);
    expect(JSON.parse(third.details).lockedNow).toEqual([{ lock: 'user', lockedUntil: expect.any(String) }]);

    bridge.advance(119_000);
    expect((await bridge.login('DAVE', 'dave-pass-1')).body.message).toMatch(LOCKED);
    bridge.advance(2_000);
    expect((await bridge.login('dave', 'dave-pass-1')).body).toEqual({ status: 'success' });
  });

  it('checks the hash while the reservation commits, but an attempt on a username it saw locked costs no hash', async () => {
    const hasher = bridge.app.get(Argon2Hasher, { strict: false });
    const lockout = bridge.app.get(LockoutService, { strict: false });
    const order: string[] = [];
    const verify = hasher.verify.bind(hasher);
    const reserve = lockout.reserve.bind(lockout);
    const verifySpy = vi.spyOn(hasher, 'verify').mockImplementation((stored, password) => {
      order.push('verify');
      return verify(stored, password);
    });
    const reserveSpy = vi.spyOn(lockout, 'reserve').mockImplementation(async (who) => {
      order.push('reserve');
      const answer = await reserve(who);
      order.push('reserved');
      return answer;
    });
    try {
      expect((await bridge.login('erin', 'erin-pass-1')).body).toEqual({ status: 'success' });
      expect(order).toEqual(['verify', 'reserve', 'reserved']);
      for (let i = 0; i < 3; i++) expect((await bridge.login('erin', `guess-${i}`)).body).toEqual(FAILED);
      expect(verifySpy).toHaveBeenCalledTimes(4);
      // The third failure locked it: the right password is refused, and checked no more, whatever its case.
      order.length = 0;
      expect((await bridge.login('erin', 'erin-pass-1')).body.message).toMatch(LOCKED);
      expect((await bridge.login('ERIN', 'erin-pass-1')).body.message).toMatch(LOCKED);
      expect(order).toEqual(['reserve', 'reserved', 'reserve', 'reserved']);
      expect(verifySpy).toHaveBeenCalledTimes(4);
      // The lock over, the password is checked alongside the reservation again.
      bridge.advance(121_000);
      order.length = 0;
      expect((await bridge.login('erin', 'erin-pass-1')).body).toEqual({ status: 'success' });
      expect(order).toEqual(['verify', 'reserve', 'reserved']);
    } finally {
      verifySpy.mockRestore();
      reserveSpy.mockRestore();
    }
  });

  it('counts failures within the window only', async () => {
    await bridge.login('erin', 'x1');
    await bridge.login('erin', 'x2');
    bridge.advance(61_000); // the window is over: the count starts again
    await bridge.login('erin', 'x3');
    await bridge.login('erin', 'x4');
    expect((await bridge.login('erin', 'erin-pass-1')).body).toEqual({ status: 'success' });
  });

  it('locks unknown usernames like known ones, so a lockout tells nothing', async () => {
    for (let i = 0; i < 3; i++) await bridge.login('ghost', `guess-${i}`);
    expect((await bridge.login('ghost', 'whatever')).body.message).toMatch(LOCKED);
  });

  it('never keeps the text of a username nobody holds (often a password in the wrong field) in the audit trail or the counters', async () => {
    const typed = 'Tr0ub4dor&3-In-The-Wrong-Field';
    expect((await bridge.login(typed, 'whatever')).body).toEqual(FAILED);
    const [failed] = (await bridge.events('auth.login.failed')).slice(-1);
    expect(failed.target_id).toBeNull();
    expect(JSON.parse(failed.details)).toMatchObject({ reason: 'unknown_user', knownUser: false });
    for (let i = 0; i < 2; i++) await bridge.login(typed, `guess-${i}`);
    // Locked like a real username, with the same answer.
    expect((await bridge.login(typed, 'again')).body.message).toMatch(LOCKED);
    const [locked] = (await bridge.events('auth.login.locked')).slice(-1);
    expect(locked.target_id).toBeNull();
    expect(JSON.parse(locked.details)).toMatchObject({ lock: 'user', knownUser: false });
    const malformed = await request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({ username: typed });
    expect(malformed.body.message).toMatch(/^Invalid login request/);
    expect((await bridge.events('auth.login.failed')).slice(-1)[0].target_id).toBeNull();

    const audit = JSON.stringify(await bridge.db.query('SELECT target_id, details FROM audit_event')).toLowerCase();
    expect(audit).not.toContain(typed.toLowerCase());
    const subjects = (await bridge.db.query<{ subject: string }[]>('SELECT subject FROM auth_lockout')).map((r) => r.subject.toLowerCase());
    expect(subjects.filter((s) => s.includes(typed.toLowerCase()))).toEqual([]);
    expect(subjects).toContain(unknownUserKey(typed));

    // Known usernames stay audit targets: a person published, or a password stored for someone not synchronised yet.
    await bridge.login('Bob', 'not-it');
    expect((await bridge.events('auth.login.failed')).slice(-1)[0].target_id).toBe('Bob');
    expect((await bridge.setPassword('not-synced-yet', 'not-synced-pass')).status).toBe(200);
    await bridge.login('not-synced-yet', 'wrong');
    const [unsynced] = (await bridge.events('auth.login.failed')).slice(-1);
    expect(unsynced.target_id).toBe('not-synced-yet');
    expect(JSON.parse(unsynced.details)).toMatchObject({ reason: 'unknown_user' });
    expect(JSON.parse(unsynced.details).knownUser).toBeUndefined();

    // An admin unlocks it by the name typed.
    const cleared = await request(bridge.url)
      .delete(`/api/v1/auth/lockouts/users/${encodeURIComponent(typed)}`)
      .set(admin);
    expect(cleared.body.cleared).toBe(true);
    expect((await bridge.login(typed, 'once more')).body).toEqual(FAILED);
  });

  it('counts concurrent failures exactly (single-statement counters, shared through the database)', async () => {
    const before = (await bridge.events('auth.login.failed')).length;
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => bridge.login('zed', `guess-${i}`)));
    for (const res of answers) expect(res.body.status).toBe('fail');
    const counted = (await bridge.events('auth.login.failed')).length - before;
    // 'zed' is held by nobody: its counter is kept under a digest.
    const [row] = await bridge.db.query<{ failures: unknown; locked_until: unknown }[]>(
      "SELECT failures, locked_until FROM auth_lockout WHERE kind = 'user' AND subject = ?",
      [unknownUserKey('zed')],
    );
    // The third counted failure locked it and restarted the count; answers after that were refused as locked.
    expect(Number(row?.locked_until)).toBeGreaterThan(0);
    expect(counted).toBeGreaterThanOrEqual(3);
    expect(Number(row?.failures)).toBe(counted - 3);
    expect(answers.filter((r) => LOCKED.test(String(r.body.message))).length).toBe(6 - counted);
    expect((await bridge.login('zed', 'x')).body.message).toMatch(LOCKED);
  });

  it('lets an admin list and clear a lockout', async () => {
    for (let i = 0; i < 3; i++) await bridge.login('carol', `guess-${i}`);
    expect((await bridge.login('carol', 'carol-pass-1')).body.message).toMatch(LOCKED);
    const list = await request(bridge.url).get('/api/v1/auth/lockouts').set(admin);
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(expect.objectContaining({ kind: 'user', subject: 'carol' }));
    const cleared = await request(bridge.url).delete('/api/v1/auth/lockouts/users/Carol').set(admin);
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ kind: 'user', subject: 'carol', cleared: true });
    expect((await bridge.login('carol', 'carol-pass-1')).body).toEqual({ status: 'success' });
    const again = await request(bridge.url).delete('/api/v1/auth/lockouts/users/carol').set(admin);
    expect(again.body.cleared).toBe(false);
    expect((await bridge.events('auth.lockout.cleared')).length).toBeGreaterThanOrEqual(2);
    expect((await request(bridge.url).delete('/api/v1/auth/lockouts/users/carol').auth(OMFLOW.id, OMFLOW.secret)).status).toBe(401);
  });

  it('locks a source IP spraying many usernames, more loosely, and an admin can clear it', async () => {
    for (let i = 0; i < 8; i++) expect((await bridge.login(`spray-${i}`, 'Password1')).body).toEqual(FAILED);
    expect((await bridge.login('alice', 'alice-pass-1')).body.message).toMatch(LOCKED);
    const list = await request(bridge.url).get('/api/v1/auth/lockouts').set(admin);
    const ip = list.body.items.find((l: { kind: string }) => l.kind === 'ip');
    expect(ip.subject).toMatch(/127\.0\.0\.1/);
    const cleared = await request(bridge.url)
      .delete(`/api/v1/auth/lockouts/ips/${encodeURIComponent(ip.subject)}`)
      .set(admin);
    expect(cleared.body.cleared).toBe(true);
    expect((await bridge.login('alice', 'alice-pass-1')).body).toEqual({ status: 'success' });
  });

  it('re-hashes a password with the current parameters at the next good login', async () => {
    const old = await hash('grace-pass-2', { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    await bridge.db.query('UPDATE credential SET hash = ? WHERE username = ?', [old, 'grace']);
    expect((await bridge.login('grace', 'wrong')).body).toEqual(FAILED);
    let [row] = await bridge.db.query<{ hash: string }[]>("SELECT hash FROM credential WHERE username = 'grace'");
    expect(row?.hash).toBe(old); // a wrong password changes nothing
    expect((await bridge.login('grace', 'grace-pass-2')).body).toEqual({ status: 'success' });
    [row] = await bridge.db.query<{ hash: string }[]>("SELECT hash FROM credential WHERE username = 'grace'");
    expect(row?.hash).not.toBe(old);
    expect(parseOptions(row.hash)).toMatchObject({ memoryCost: 4096, timeCost: 2, parallelism: 1 });
    expect((await bridge.login('grace', 'grace-pass-2')).body).toEqual({ status: 'success' });
  });

  it('refuses a must-change password, saying so only to someone who knows it', async () => {
    expect((await bridge.setPassword('bob', 'bob-temporary', true)).body).toEqual({ username: 'bob', created: false, mustChange: true });
    expect((await bridge.login('bob', 'bob-wrong')).body).toEqual(FAILED);
    const res = await bridge.login('bob', 'bob-temporary');
    expect(res.body.status).toBe('fail');
    expect(res.body.message).toMatch(/must be changed/);
    expect((await bridge.setPassword('bob', 'bob-pass-2', false)).status).toBe(200);
    expect((await bridge.login('bob', 'bob-pass-2')).body).toEqual({ status: 'success' });
  });

  it('answers a missing or malformed body in OMFLOW format', async () => {
    const post = () => request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret);
    const cases = [
      await post(),
      await post().send({}),
      await post().send({ username: 'alice' }),
      await post().send({ username: 'alice', password: 42 }),
      await post().send({ username: ['alice'], password: 'alice-pass-1' }),
      await post().send({ username: '', password: '' }),
      await post().send([{ username: 'alice', password: 'alice-pass-1' }]),
      await post().send({ username: 'alice', password: 'x'.repeat(2000) }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('fail');
      expect(res.body.message).toMatch(/^Invalid login request: /);
    }
    // Fields OMFLOW might add some day are ignored.
    expect((await post().send({ username: 'alice', password: 'alice-pass-1', remember: true })).body).toEqual({ status: 'success' });
  });

  it('answers 401 with a challenge for missing or wrong Basic credentials', async () => {
    const none = await request(bridge.url).post('/authenticate').send({ username: 'alice', password: 'alice-pass-1' });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
    const wrong = await request(bridge.url).post('/authenticate').auth(OMFLOW.id, 'wrong-secret-000000').send({ username: 'alice', password: 'alice-pass-1' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic /);
    const bearer = await request(bridge.url).post('/authenticate').set(admin).send({ username: 'alice', password: 'alice-pass-1' });
    expect(bearer.status).toBe(401);
  });

  it('rate-limits the endpoint per source IP inside the OMFLOW contract', async () => {
    const answers = [];
    for (let i = 0; i < 41; i++) answers.push(await request(bridge.url).post('/authenticate').auth(OMFLOW.id, OMFLOW.secret).send({}));
    expect(answers[39].body.message).toMatch(/^Invalid login request/);
    const last = answers[40];
    expect(last.status).toBe(200);
    expect(last.body).toEqual({ status: 'fail', message: expect.stringMatching(/Too many login requests/) });
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    bridge.advance(60_000);
    expect((await bridge.login('alice', 'alice-pass-1')).body).toEqual({ status: 'success' });
  });

  it('sets, imports and removes passwords over the admin API without echoing them', async () => {
    const set = await bridge.setPassword('newhire', 'Welcome-2026!', true);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ username: 'newhire', created: true, mustChange: true });
    expect(JSON.stringify(set.body)).not.toContain('Welcome');
    expect((await request(bridge.url).put('/api/v1/auth/passwords/newhire').set(admin).send({})).status).toBe(400);
    expect((await request(bridge.url).put('/api/v1/auth/passwords/newhire').send({ password: 'x' })).status).toBe(401);

    const imported = await request(bridge.url)
      .post('/api/v1/auth/passwords/import')
      .set(admin)
      .send({
        items: [
          { username: 'erin', password: 'erin-pass-2' },
          { username: 'import-1', password: 'import-pass-1', mustChange: true },
          { username: 'import-2' },
          'not a row',
          { username: 'IMPORT-1', password: 'dup' },
          { username: 'import-3', password: 'p', extra: 1 },
          { username: 'import-4', password: 'p', mustChange: 'yes' },
        ],
      });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ total: 7, created: 1, updated: 1, skipped: 0, invalid: 5 });
    expect(imported.body.results.map((r: { status: string }) => r.status)).toEqual([
      'updated',
      'created',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(imported.body.results[2].problems).toEqual(['password (or passwordHash) must be a non-empty string']);
    expect(JSON.stringify(imported.body)).not.toContain('pass-');
    expect((await bridge.login('erin', 'erin-pass-2')).body).toEqual({ status: 'success' });

    const skip = await request(bridge.url)
      .post('/api/v1/auth/passwords/import')
      .set(admin)
      .send({ items: [{ username: 'erin', password: 'erin-pass-3' }], onExisting: 'skip' });
    expect(skip.body.results[0].status).toBe('skipped');
    expect((await bridge.login('erin', 'erin-pass-2')).body).toEqual({ status: 'success' });

    const removed = await request(bridge.url).delete('/api/v1/auth/passwords/erin').set(admin);
    expect(removed.body).toEqual({ username: 'erin', removed: true });
    expect((await bridge.login('erin', 'erin-pass-2')).body).toEqual(FAILED);

    const audited = await bridge.db.query<{ details: string }[]>("SELECT details FROM audit_event WHERE action LIKE 'auth.password.%'");
    expect(audited.length).toBeGreaterThanOrEqual(4);
    expect(audited.map((r) => r.details).join('\n')).not.toMatch(/pass-|Welcome/);
  });

  it('documents /authenticate in Swagger with both answers and the 401', () => {
    // This module's routes only, so that another module's documentation cannot hide ours.
    const doc = JSON.parse(JSON.stringify(SwaggerModule.createDocument(bridge.app, new DocumentBuilder().build(), { include: [AuthenticateModule] })));
    const op = doc.paths['/authenticate'].post;
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401']));
    expect(op.responses['200'].content['application/json'].schema.oneOf).toEqual([
      { $ref: '#/components/schemas/AuthenticateSuccessDto' },
      { $ref: '#/components/schemas/OmflowFailDto' },
    ]);
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AuthenticateRequestDto' });
    expect(op.security).toEqual([{ basic: [] }]);
    expect(Object.keys(doc.components.schemas.AuthenticateRequestDto.properties)).toEqual(['username', 'password']);
    for (const path of [
      '/api/v1/auth/passwords/{username}',
      '/api/v1/auth/passwords/import',
      '/api/v1/auth/lockouts',
      '/api/v1/auth/lockouts/users/{username}',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
  });

  it('refuses a user removed by a later sync', async () => {
    expect((await bridge.login('alice', 'alice-pass-1')).body).toEqual({ status: 'success' });
    await bridge.publish(PERSONS.filter((p) => p.username !== 'alice'));
    const [person] = await bridge.db.query<{ state: string }[]>("SELECT state FROM person WHERE username = 'alice'");
    expect(person?.state).toBe('deleted');
    expect((await bridge.login('alice', 'alice-pass-1')).body).toEqual(FAILED);
    const [event] = (await bridge.events('auth.login.failed')).slice(-1);
    expect(JSON.parse(event.details).reason).toBe('inactive_user');
  });
});
