import { Injectable } from '@nestjs/common';
import { DEMO_PASSWORD } from '#app/config';
import { Argon2Hasher } from './argon2-hasher.js';
import { type KnownCredential, PasswordVerifier, type VerifyResult } from './password-verifier.js';
import { PasswordStore } from './password-store.js';

/**
 * AUTH_VERIFIER=local: the bridge's argon2id hashes. A user without a stored password is
 * verified against the dummy hash (same parameters, same cost), then refused; in the embedded
 * demo (`demo`: see demoLogins) against the hash of DEMO_PASSWORD instead, and let in with it. A
 * good password under old parameters is re-hashed with the current ones.
 */
@Injectable()
export class LocalPasswordVerifier extends PasswordVerifier {
  readonly kind = 'local' as const;

  private demoHash: Promise<string> | null = null;

  constructor(
    private readonly store: PasswordStore,
    private readonly hasher: Argon2Hasher,
    private readonly demo = false,
  ) {
    super();
  }

  async verify(username: string, password: string, stored?: KnownCredential | null): Promise<VerifyResult> {
    const credential = stored === undefined ? await this.store.find(username) : stored;
    if (!credential && this.demo) {
      this.demoHash ??= this.hasher.hash(DEMO_PASSWORD);
      return (await this.hasher.verify(await this.demoHash, password)) ? { ok: true, mustChange: false } : { ok: false, reason: 'wrong_password' };
    }
    const ok = await this.hasher.verify(credential?.hash ?? (await this.hasher.dummyHash()), password);
    if (!credential) return { ok: false, reason: 'no_credential' };
    if (!ok) return { ok: false, reason: 'wrong_password' };
    if (this.hasher.needsRehash(credential.hash)) await this.store.rehash(username, credential.hash, password);
    return { ok: true, mustChange: credential.mustChange };
  }
}
