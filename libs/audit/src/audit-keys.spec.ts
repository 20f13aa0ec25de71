import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '#app/config';
import { AuditKeyring, GENERATED_KEY_FILE, loadAuditKeyring, parseAuditKey, parseAuditKeyFile } from './audit-keys.js';

const SECRET = 'x'.repeat(40);
const silent = { warn: () => undefined } as never;
const dir = mkdtempSync(join(tmpdir(), 'audit-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseAuditKey', () => {
  it('reads id:secret, and derives a stable id for a bare secret', () => {
    expect(parseAuditKey(`k-2026.01_a:${SECRET}`, 'AUDIT_HMAC_KEY')).toEqual({ id: 'k-2026.01_a', secret: Buffer.from(SECRET) });
    const bare = parseAuditKey(SECRET, 'AUDIT_HMAC_KEY');
    expect(bare.id).toMatch(/^h-[0-9a-f]{12}$/);
    expect(parseAuditKey(SECRET, 'x').id).toBe(bare.id);
    expect(parseAuditKey('y'.repeat(40), 'x').id).not.toBe(bare.id);
  });

  it('refuses short secrets and malformed keys without echoing them', () => {
    for (const bad of ['k1:short-secret', 'short', `k1:${'a'.repeat(20)} ${'b'.repeat(20)}`, `bad id:${SECRET}`, `a:b:${'c'.repeat(10)}`]) {
      expect(() => parseAuditKey(bad, 'line 3 of keys')).toThrow(/^line 3 of keys is not an audit key/);
      try {
        parseAuditKey(bad, 'line 3 of keys');
      } catch (error) {
        expect((error as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('parseAuditKeyFile', () => {
  it('reads one key a line, oldest first, skipping blanks and comments', () => {
    const keys = parseAuditKeyFile(`# keys\n\nk1:${SECRET}\r\n  # old\nk2:${'z'.repeat(32)}\n`, 'keys');
    expect(keys.map((k) => k.id)).toEqual(['k1', 'k2']);
  });

  it('names the line that is not a key, and refuses a file without keys', () => {
    expect(() => parseAuditKeyFile(`k1:${SECRET}\nnot a key\n`, 'f.keys')).toThrow(/line 2 of f\.keys/);
    expect(() => parseAuditKeyFile('# nothing\n', 'f.keys')).toThrow(/holds no audit key/);
  });
});

describe('AuditKeyring', () => {
  it('finds current and retired keys by id, and refuses one id for two secrets', () => {
    const ring = new AuditKeyring({ id: 'k2', secret: Buffer.from('b') }, [{ id: 'k1', secret: Buffer.from('a') }]);
    expect(ring.get('k1')?.secret.toString()).toBe('a');
    expect(ring.current?.id).toBe('k2');
    expect(ring.get('k3')).toBeUndefined();
    expect(() => new AuditKeyring({ id: 'k1', secret: Buffer.from('b') }, [{ id: 'k1', secret: Buffer.from('a') }])).toThrow(/Two different audit keys/);
  });
});

describe('loadAuditKeyring', () => {
  it('uses AUDIT_HMAC_KEY with its retired keys', () => {
    const ring = loadAuditKeyring(
      loadBridgeConfig({ AUDIT_HMAC_KEY: `k2:${SECRET}`, AUDIT_HMAC_KEYS_RETIRED: `k0:${'a'.repeat(32)}, k1:${'b'.repeat(32)}` }),
      silent,
    );
    expect(ring.current?.id).toBe('k2');
    expect(ring.ids.sort()).toEqual(['k0', 'k1', 'k2']);
  });

  it('has no key on MySQL without one (the bridge warns), and generates one file beside an SQLite database', () => {
    expect(
      loadAuditKeyring(
        loadBridgeConfig({
          DATABASE_URL: 'mysql://u@h/db',
          HR_SOURCE: 'directory',
          DIRECTORY_URL: 'http://127.0.0.1:1',
          DIRECTORY_ORG_CODE: 'acme',
          DIRECTORY_TOKEN: 'directory-token',
        }),
        silent,
      ).current,
    ).toBeNull();
    const config = loadBridgeConfig({ SQLITE_PATH: join(dir, 'bridge.sqlite') });
    const first = loadAuditKeyring(config, silent);
    const file = join(dir, GENERATED_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.current?.id).toMatch(/^auto-[0-9a-f]{8}$/);
    expect(first.source).toBe('generated file');
    const again = loadAuditKeyring(config, silent);
    expect(again.current).toEqual(first.current);
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('auto-')),
    ).toHaveLength(1);
  });

  it('creates the directory of a database that does not exist yet (the first start)', () => {
    const ring = loadAuditKeyring(loadBridgeConfig({ SQLITE_PATH: join(dir, 'fresh', 'data', 'bridge.sqlite') }), silent);
    expect(ring.current?.id).toMatch(/^auto-/);
    expect(statSync(join(dir, 'fresh', 'data', GENERATED_KEY_FILE)).isFile()).toBe(true);
  });
});
