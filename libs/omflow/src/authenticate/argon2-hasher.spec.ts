import { hash, parseOptions } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#app/config';
import { Argon2Hasher } from './argon2-hasher.js';

describe('Argon2Hasher', () => {
  const hasher = new Argon2Hasher(loadBridgeConfig({ AUTH_ARGON2_MEMORY_KIB: '2048', AUTH_ARGON2_TIME_COST: '2', AUTH_ARGON2_PARALLELISM: '1' }));

  it('writes argon2id PHC strings carrying the configured parameters', async () => {
    const stored = await hasher.hash('secret');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=2048,t=2,p=1\$/);
    expect(await hasher.verify(stored, 'secret')).toBe(true);
    expect(await hasher.verify(stored, 'Secret')).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(false);
  });

  it('asks for a rehash when the stored parameters or algorithm differ, or the hash cannot be read', async () => {
    expect(hasher.needsRehash(await hash('secret', { memoryCost: 1024, timeCost: 2, parallelism: 1 }))).toBe(true);
    expect(hasher.needsRehash(await hash('secret', { memoryCost: 2048, timeCost: 3, parallelism: 1 }))).toBe(true);
    expect(hasher.needsRehash(await hash('secret', { memoryCost: 2048, timeCost: 2, parallelism: 1, algorithm: 1 as never }))).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });

  it('never throws on a hash it cannot read', async () => {
    expect(await hasher.verify('garbage', 'secret')).toBe(false);
  });

  it('keeps one dummy hash, made with the configured parameters, for unknown users', async () => {
    const dummy = await hasher.dummyHash();
    expect(await hasher.dummyHash()).toBe(dummy);
    expect(parseOptions(dummy)).toEqual(parseOptions(await hasher.hash('anything')));
  });
});
