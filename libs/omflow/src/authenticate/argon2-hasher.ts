import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';

/** argon2id, the only algorithm the bridge writes (`Algorithm.Argon2id`; a const enum, so spelled out). */
const ARGON2ID = 2 as Algorithm;

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/**
 * argon2id hashing with the configured parameters. Hashes are PHC strings
 * (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) that carry their own parameters, so raising the
 * configuration later leaves old hashes verifiable; `needsRehash` tells which to upgrade.
 */
@Injectable()
export class Argon2Hasher {
  readonly parameters: Argon2Parameters;
  private dummy: Promise<string> | undefined;

  constructor(@Inject(BRIDGE_CONFIG) config: BridgeConfig) {
    this.parameters = { memoryCost: config.auth.argon2MemoryKib, timeCost: config.auth.argon2TimeCost, parallelism: config.auth.argon2Parallelism };
  }

  hash(password: string): Promise<string> {
    return hash(password, { ...this.parameters, algorithm: ARGON2ID });
  }

  /** False for a wrong password and for a hash that cannot be read (never throws on bad input). */
  async verify(stored: string, password: string): Promise<boolean> {
    try {
      return await verify(stored, password);
    } catch {
      return false;
    }
  }

  /** True when `stored` was made with other parameters (or another algorithm) than the configured ones. */
  needsRehash(stored: string): boolean {
    try {
      const p = parseOptions(stored);
      return (
        p.algorithm !== ARGON2ID ||
        p.memoryCost !== this.parameters.memoryCost ||
        p.timeCost !== this.parameters.timeCost ||
        p.parallelism !== this.parameters.parallelism
      );
    } catch {
      return true;
    }
  }

  /**
   * A hash of a random password made with the configured parameters. Unknown and inactive users
   * are verified against it, so that they cost exactly what a wrong password costs.
   */
  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(24).toString('base64url'));
    return this.dummy;
  }
}
