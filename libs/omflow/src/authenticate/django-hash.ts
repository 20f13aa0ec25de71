import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { parseOptions, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/**
 * Django's password hashes (django/contrib/auth/hashers.py), as OMFLOW (a Django application)
 * stores them in its user table: imported as they are, verified exactly as Django verifies them,
 * and replaced by the bridge's argon2id at the next good login.
 *
 *   pbkdf2_sha256$<iterations>$<salt>$<base64 of PBKDF2-HMAC-SHA256, 32 bytes>   (Django's default)
 *   pbkdf2_sha1$<iterations>$<salt>$<base64 of PBKDF2-HMAC-SHA1, 20 bytes>
 *   argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>   (a PHC string after "argon2"; argon2i in older Djangos)
 *   bcrypt_sha256$$2b$12$…   (bcrypt over the hex SHA-256 of the password)
 *   bcrypt$$2b$12$…          (bcrypt over the password, first 72 bytes)
 *
 * The costs are capped: a hash asks for its own work, so an absurd one would burn CPU or memory
 * at every login attempt until it is replaced.
 */
export const DJANGO_FORMATS = ['pbkdf2_sha256', 'pbkdf2_sha1', 'argon2', 'bcrypt_sha256', 'bcrypt'] as const;
export type DjangoFormat = (typeof DJANGO_FORMATS)[number];

/** Django's password column (AbstractBaseUser.password) is 128 characters: nothing longer came from Django. */
export const MAX_DJANGO_HASH_LENGTH = 128;
/** PBKDF2 iterations accepted (Django 5.2 writes 1,000,000; 6.0 1,200,000). */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** argon2 memory cost accepted, in KiB: 256 MiB, 2.5 times Django's default (102400). */
export const MAX_ARGON2_MEMORY_KIB = 262_144;
/** argon2 passes accepted (Django's default is 2). */
export const MAX_ARGON2_TIME_COST = 16;
/** argon2 lanes accepted (Django's default is 8). */
export const MAX_ARGON2_PARALLELISM = 64;
/** bcrypt cost accepted, a power of two (Django's default is 12). */
export const MAX_BCRYPT_ROUNDS = 14;

export type DjangoHash =
  | { format: 'pbkdf2_sha256' | 'pbkdf2_sha1'; encoded: string; iterations: number; salt: string; digest: string }
  | { format: 'argon2'; encoded: string; phc: string }
  | { format: 'bcrypt_sha256' | 'bcrypt'; encoded: string; bcrypt: string };

export type DjangoHashParse = { ok: true; hash: DjangoHash } | { ok: false; problem: string };

/** Django's hashers the bridge does not carry over: named in the refusal (their name only, never the hash). */
const UNSUPPORTED = new Set(['scrypt', 'md5', 'sha1', 'unsalted_md5', 'unsalted_sha1', 'crypt', 'bcrypt_sha512']);

const PBKDF2 = /^(pbkdf2_sha256|pbkdf2_sha1)\$([1-9][0-9]{0,9})\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/;
const ARGON2 = /^argon2(\$argon2(?:id|i|d)\$(?:v=(?:16|19)\$)?m=[1-9][0-9]{0,9},t=[1-9][0-9]{0,9},p=[1-9][0-9]{0,9}\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)$/;
const BCRYPT = /^(bcrypt_sha256|bcrypt)\$(\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53})$/;
const DIGEST_BYTES = { pbkdf2_sha256: 32, pbkdf2_sha1: 20 } as const;
const DIGEST_NAME = { pbkdf2_sha256: 'sha256', pbkdf2_sha1: 'sha1' } as const;

/**
 * Reads a Django hash, or says why it cannot be imported. A refusal never quotes the hash (a
 * plain password pasted into the wrong field would otherwise come back in the answer).
 */
export function parseDjangoHash(encoded: string): DjangoHashParse {
  const fail = (problem: string): DjangoHashParse => ({ ok: false, problem });
  if (encoded.startsWith('!')) return fail('passwordHash is an unusable Django password (it starts with "!"): nothing to import');
  if (encoded.length > MAX_DJANGO_HASH_LENGTH) return fail(`passwordHash is longer than Django's ${MAX_DJANGO_HASH_LENGTH}-character password column`);
  const algorithm = encoded.includes('$') ? encoded.slice(0, encoded.indexOf('$')) : '';
  if (UNSUPPORTED.has(algorithm))
    return fail(`passwordHash uses Django's ${algorithm} hasher, which the bridge does not import (supported: ${DJANGO_FORMATS.join(', ')})`);
  if (!(DJANGO_FORMATS as readonly string[]).includes(algorithm))
    return fail(`passwordHash is not a Django hash the bridge reads (supported: ${DJANGO_FORMATS.join(', ')})`);
  const format = algorithm as DjangoFormat;
  switch (format) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1':
      return parsePbkdf2(encoded, format);
    case 'argon2':
      return parseArgon2(encoded);
    case 'bcrypt_sha256':
    case 'bcrypt':
      return parseBcrypt(encoded, format);
  }
}

function parsePbkdf2(encoded: string, format: 'pbkdf2_sha256' | 'pbkdf2_sha1'): DjangoHashParse {
  const m = PBKDF2.exec(encoded);
  if (!m) return { ok: false, problem: `passwordHash is not a well-formed ${format} hash (${format}$<iterations>$<salt>$<base64>)` };
  const iterations = Number(m[2]);
  if (iterations > MAX_PBKDF2_ITERATIONS) return { ok: false, problem: `passwordHash asks for more than ${MAX_PBKDF2_ITERATIONS} PBKDF2 iterations` };
  const digest = m[4];
  // Django compares the whole re-encoded string: only the canonical base64 of a full-length key can ever match.
  if (Buffer.from(digest, 'base64').toString('base64') !== digest || Buffer.from(digest, 'base64').length !== DIGEST_BYTES[format])
    return { ok: false, problem: `passwordHash is not a well-formed ${format} hash (its last part is not the base64 of ${DIGEST_BYTES[format]} bytes)` };
  return { ok: true, hash: { format, encoded, iterations, salt: m[3], digest } };
}

function parseArgon2(encoded: string): DjangoHashParse {
  const m = ARGON2.exec(encoded);
  if (!m) return { ok: false, problem: 'passwordHash is not a well-formed argon2 hash (argon2$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>)' };
  const phc = m[1];
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(phc);
  } catch {
    return { ok: false, problem: 'passwordHash is not a well-formed argon2 hash (its parameters, salt or hash cannot be read)' };
  }
  if ((options.memoryCost ?? 0) > MAX_ARGON2_MEMORY_KIB)
    return { ok: false, problem: `passwordHash asks for more than ${MAX_ARGON2_MEMORY_KIB} KiB of argon2 memory` };
  if ((options.timeCost ?? 0) > MAX_ARGON2_TIME_COST) return { ok: false, problem: `passwordHash asks for more than ${MAX_ARGON2_TIME_COST} argon2 passes` };
  if ((options.parallelism ?? 0) > MAX_ARGON2_PARALLELISM)
    return { ok: false, problem: `passwordHash asks for more than ${MAX_ARGON2_PARALLELISM} argon2 lanes` };
  return { ok: true, hash: { format: 'argon2', encoded, phc } };
}

function parseBcrypt(encoded: string, format: 'bcrypt_sha256' | 'bcrypt'): DjangoHashParse {
  const m = BCRYPT.exec(encoded);
  if (!m) return { ok: false, problem: `passwordHash is not a well-formed ${format} hash (${format}$$2b$<cost>$<53 characters>)` };
  const rounds = Number(m[3]);
  if (rounds < 4 || rounds > MAX_BCRYPT_ROUNDS) return { ok: false, problem: `passwordHash's bcrypt cost must be 4 to ${MAX_BCRYPT_ROUNDS}` };
  return { ok: true, hash: { format, encoded, bcrypt: m[2] } };
}

const pbkdf2Async = promisify(pbkdf2);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether `password` matches, computed as Django computes it: the password as UTF-8, PBKDF2's
 * salt as the UTF-8 of its text, the whole re-encoded hash compared in constant time. False (never
 * a throw) for anything Django could not verify either, such as a password that is not valid UTF-16.
 */
export async function verifyDjangoHash(hash: DjangoHash, password: string): Promise<boolean> {
  // Python's str.encode() refuses lone surrogates: Django would fail the check with an error.
  if (LONE_SURROGATE.test(password)) return false;
  try {
    switch (hash.format) {
      case 'pbkdf2_sha256':
      case 'pbkdf2_sha1': {
        const key = await pbkdf2Async(
          Buffer.from(password, 'utf8'),
          Buffer.from(hash.salt, 'utf8'),
          hash.iterations,
          DIGEST_BYTES[hash.format],
          DIGEST_NAME[hash.format],
        );
        return constantTimeEqual(key.toString('base64'), hash.digest);
      }
      case 'argon2':
        return await argon2Verify(hash.phc, password);
      case 'bcrypt_sha256':
        return await bcrypt.compare(createHash('sha256').update(password, 'utf8').digest('hex'), hash.bcrypt);
      case 'bcrypt':
        // pyca/bcrypt refuses a NUL byte; bcryptjs would hash it.
        return !password.includes('\0') && (await bcrypt.compare(password, hash.bcrypt));
    }
  } catch {
    return false;
  }
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
