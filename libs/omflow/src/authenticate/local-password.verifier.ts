import { Injectable } from '@nestjs/common';
import { DEMO_PASSWORD } from '#app/config';
import { PasswordHasher } from './password-hasher.js';
import { type KnownCredential, PasswordVerifier, type VerifyResult } from './password-verifier.js';
import { PasswordStore } from './password-store.js';

/**
 * AUTH_VERIFIER=local: the bridge's argon2id hashes, and Django hashes imported from OMFLOW
 * (PasswordHasher dispatches on the prefix). A user without a stored password is verified
 * against the dummy argon2id hash (same parameters, same cost), then refused; in the embedded
 * demo (`demo`: see demoLogins) against the hash of DEMO_PASSWORD instead, and let in with it. A
 * good password under old parameters, or under an imported Django hash, is re-hashed to the
 * current argon2id.
 */
@Injectable()
export class LocalPasswordVerifier extends PasswordVerifier {
  readonly kind = 'local' as const;

  private demoHash: Promise<string> | null = null;

  constructor(
    private readonly store: PasswordStore,
    private readonly hasher: PasswordHasher,
    private readonly demo = false,
  ) {
    super();
  }

  async verify(username: string, password: string, stored?: KnownCredential | null): Promise<VerifyResult> {
    const credential = stored === undefined ? await this.store.find(username) : stored;
    if (!credential && this.demo) {
      this.demoHash ??= this.hasher.argon2.hash(DEMO_PASSWORD);
      return (await this.hasher.verify(await this.demoHash, password)) ? { ok: true, mustChange: false } : { ok: false, reason: 'wrong_password' };
    }
    const ok = await this.hasher.verify(credential?.hash ?? (await this.hasher.argon2.dummyHash()), password);
    if (!credential) return { ok: false, reason: 'no_credential' };
    if (!ok) return { ok: false, reason: 'wrong_password' };
    if (this.hasher.needsRehash(credential.hash)) await this.store.rehash(username, credential.hash, password);
    return { ok: true, mustChange: credential.mustChange };
  }
}
