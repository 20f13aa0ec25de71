import { Injectable } from '@nestjs/common';
import { Argon2Hasher } from './argon2-hasher.js';
import { parseDjangoHash, verifyDjangoHash } from './django-hash.js';

/**
 * Verifies whatever the password store holds, dispatching on the hash's prefix: `$argon2…` is
 * the bridge's own (Argon2Hasher), `pbkdf2_sha256$…`, `argon2$…`, `bcrypt_sha256$…` and the
 * other Django formats were imported from OMFLOW. Anything not written by the bridge with the
 * current parameters needs a rehash, which LocalPasswordVerifier does at the next good login.
 */
@Injectable()
export class PasswordHasher {
  constructor(readonly argon2: Argon2Hasher) {}

  /** False for a wrong password and for a hash that cannot be read (never throws). */
  verify(stored: string, password: string): Promise<boolean> {
    if (stored.startsWith('$')) return this.argon2.verify(stored, password);
    const parsed = parseDjangoHash(stored);
    return parsed.ok ? verifyDjangoHash(parsed.hash, password) : Promise.resolve(false);
  }

  needsRehash(stored: string): boolean {
    return !stored.startsWith('$') || this.argon2.needsRehash(stored);
  }
}
