import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#app/config';
import { djangoVector, djangoVectors } from '../../../../test/fixtures/django-hashes/vectors.js';
import { Argon2Hasher } from './argon2-hasher.js';
import { MAX_ARGON2_MEMORY_KIB, MAX_BCRYPT_ROUNDS, MAX_PBKDF2_ITERATIONS, parseDjangoHash, verifyDjangoHash, type DjangoHash } from './django-hash.js';
import { PasswordHasher } from './password-hasher.js';

/** Made and checked by Django itself (test/fixtures/django-hashes/generate.py), plus published ones. */
const fixture = djangoVectors;

function parsed(encoded: string): DjangoHash {
  const result = parseDjangoHash(encoded);
  if (!result.ok) throw new Error(`${encoded}: ${result.problem}`);
  return result.hash;
}

function refusal(encoded: string): string {
  const result = parseDjangoHash(encoded);
  if (result.ok) throw new Error(`${encoded} was accepted`);
  return result.problem;
}

describe('Django password hashes', () => {
  it(`come from a real Django (${fixture.django}) and cover every format the import reads`, () => {
    expect(fixture.django).toMatch(/^\d+\.\d+/);
    expect(new Set(fixture.vectors.map((v) => v.format))).toEqual(new Set(['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt']));
    expect(fixture.vectors.some((v) => v.hash.startsWith('argon2$argon2i$'))).toBe(true);
    expect(fixture.vectors.some((v) => v.hash.startsWith('bcrypt$$2a$'))).toBe(true);
  });

  it.each(fixture.vectors)('verifies $name as Django does: the right password, not a wrong one', async (v) => {
    const hash = parsed(v.hash);
    expect(hash.format).toBe(v.format);
    expect(await verifyDjangoHash(hash, v.password)).toBe(true);
    expect(await verifyDjangoHash(hash, v.wrong)).toBe(false);
    for (const other of v.also ?? []) expect(await verifyDjangoHash(hash, other)).toBe(true);
  });

  it("hashes the whole password in bcrypt_sha256, only the first 72 bytes in plain bcrypt (Django's behaviour)", async () => {
    const sha = djangoVector('bcrypt_sha256 long');
    const plain = djangoVector('bcrypt long');
    expect(sha.password.length).toBeGreaterThan(72);
    expect(await verifyDjangoHash(parsed(sha.hash), sha.password.slice(0, 72))).toBe(false);
    expect(await verifyDjangoHash(parsed(plain.hash), plain.password.slice(0, 72))).toBe(true);
    expect(await verifyDjangoHash(parsed(plain.hash), plain.password.slice(0, 71))).toBe(false);
  });

  it('fails, never throws, on passwords Django could not check (a NUL byte for bcrypt, a lone surrogate)', async () => {
    const bcrypt = djangoVector('bcrypt cheap');
    const pbkdf2 = djangoVector('pbkdf2_sha256 cheap');
    expect(await verifyDjangoHash(parsed(bcrypt.hash), `${bcrypt.password}\0`)).toBe(false);
    expect(await verifyDjangoHash(parsed(pbkdf2.hash), `${pbkdf2.password}\uD800`)).toBe(false);
    expect(await verifyDjangoHash(parsed(pbkdf2.hash), '')).toBe(false);
  });

  it("refuses Django's unusable password", () => {
    expect(fixture.unusable).toMatch(/^!/);
    expect(refusal(fixture.unusable)).toMatch(/unusable Django password.*nothing to import/);
    expect(refusal('!')).toMatch(/unusable/);
  });

  it('refuses formats it does not read, naming only known hashers and never quoting the text', () => {
    expect(refusal('scrypt$16384$salt$8$1$aGFzaA==')).toMatch(/Django's scrypt hasher, which the bridge does not import/);
    expect(refusal('md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3')).toMatch(/md5 hasher/);
    expect(refusal('sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b')).toMatch(/sha1 hasher/);
    for (const text of ['MyPlainPassw0rd', 'secret$with$dollars', '$argon2id$v=19$m=4096,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g', '']) {
      const problem = refusal(text);
      expect(problem).toMatch(/not a Django hash the bridge reads/);
      if (text) expect(problem).not.toContain(text.split('$')[0] || text);
    }
  });

  it('refuses malformed hashes of a known format with the reason', () => {
    const sha256 = djangoVector('pbkdf2_sha256 cheap').hash;
    const [, iterations, salt, digest] = sha256.split('$');
    expect(refusal(`pbkdf2_sha256$${iterations}$${salt}`)).toMatch(/not a well-formed pbkdf2_sha256 hash/);
    expect(refusal(`pbkdf2_sha256$0${iterations}$${salt}$${digest}`)).toMatch(/well-formed/);
    expect(refusal(`pbkdf2_sha256$${iterations}$${salt}$${digest?.slice(4)}`)).toMatch(/base64 of 32 bytes/);
    expect(refusal(`pbkdf2_sha1$${iterations}$${salt}$${digest}`)).toMatch(/base64 of 20 bytes/);
    expect(refusal('argon2$argon2id$v=19$m=1024,t=1,p=1$$aGFzaA')).toMatch(/not a well-formed argon2 hash/);
    expect(refusal('argon2$argon2x$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo')).toMatch(/not a well-formed argon2 hash/);
    expect(refusal('bcrypt_sha256$2b$12$abc')).toMatch(/not a well-formed bcrypt_sha256 hash/);
    expect(refusal(`pbkdf2_sha256$1$${'s'.repeat(100)}$${digest}`)).toMatch(/longer than Django's 128-character/);
  });

  it('refuses hashes asking for absurd costs (they would burn CPU or memory at every login)', () => {
    const sha256 = djangoVector('pbkdf2_sha256 cheap').hash;
    const [, , salt, digest] = sha256.split('$');
    expect(parsed(`pbkdf2_sha256$${MAX_PBKDF2_ITERATIONS}$${salt}$${digest}`).format).toBe('pbkdf2_sha256');
    expect(refusal(`pbkdf2_sha256$${MAX_PBKDF2_ITERATIONS + 1}$${salt}$${digest}`)).toMatch(/more than 10000000 PBKDF2 iterations/);
    const argon = 'argon2$argon2id$v=19$m=%M,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw';
    expect(parsed(argon.replace('%M', String(MAX_ARGON2_MEMORY_KIB))).format).toBe('argon2');
    expect(refusal(argon.replace('%M', String(MAX_ARGON2_MEMORY_KIB + 1)))).toMatch(/KiB of argon2 memory/);
    expect(refusal('argon2$argon2id$v=19$m=102400,t=17,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw')).toMatch(/argon2 passes/);
    const bcrypt = djangoVector('bcrypt_sha256 cheap').hash;
    expect(refusal(bcrypt.replace('$04$', `$${MAX_BCRYPT_ROUNDS + 1}$`))).toMatch(/bcrypt cost must be 4 to 14/);
    expect(refusal(bcrypt.replace('$04$', '$03$'))).toMatch(/bcrypt cost/);
  });
});

describe('PasswordHasher (dispatch on the stored hash)', () => {
  const hasher = new PasswordHasher(
    new Argon2Hasher(loadBridgeConfig({ AUTH_ARGON2_MEMORY_KIB: '2048', AUTH_ARGON2_TIME_COST: '2', AUTH_ARGON2_PARALLELISM: '1' })),
  );

  it("verifies the bridge's argon2id and every imported Django format, and asks to rehash all but the current argon2id", async () => {
    const own = await hasher.argon2.hash('own-pass');
    expect(await hasher.verify(own, 'own-pass')).toBe(true);
    expect(hasher.needsRehash(own)).toBe(false);
    for (const v of fixture.vectors.filter((x) => x.name.endsWith('cheap'))) {
      expect(await hasher.verify(v.hash, v.password)).toBe(true);
      expect(await hasher.verify(v.hash, v.wrong)).toBe(false);
      expect(hasher.needsRehash(v.hash)).toBe(true);
    }
  });

  it('answers false for a stored text it cannot read', async () => {
    expect(await hasher.verify('garbage', 'garbage')).toBe(false);
    expect(await hasher.verify(fixture.unusable, fixture.unusable)).toBe(false);
    expect(await hasher.verify('$argon2id$broken', 'x')).toBe(false);
  });
});
