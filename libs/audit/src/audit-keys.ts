import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';
import { AUDIT_KEY_PATTERN, type BridgeConfig } from '#app/config';

/** A key the chain is sealed with: its id is stored with every event it seals, the secret never leaves the process. */
export interface AuditKey {
  id: string;
  secret: Buffer;
}

/** Where the keys came from, for the start-up log line. */
export type KeySource = 'AUDIT_HMAC_KEY' | 'AUDIT_HMAC_KEY_FILE' | 'generated file' | 'in memory' | 'none';

const ID_SECRET = /^([A-Za-z0-9._-]{1,32}):(.+)$/;

/** The name of the key file generated beside an SQLite database that has no configured key. */
export const GENERATED_KEY_FILE = 'audit-hmac.keys';

/**
 * One configured key: `id:secret`, or a bare secret whose id is derived from it (a fingerprint,
 * so that the same secret always gets the same id, and a different one a different id).
 * `where` names the source in the error message; the secret itself never appears in it.
 */
export function parseAuditKey(spec: string, where: string): AuditKey {
  const text = spec.trim();
  if (!AUDIT_KEY_PATTERN.test(text)) {
    throw new Error(`${where} is not an audit key: expected id:secret (or a bare secret) with a secret of at least 32 characters without spaces or commas`);
  }
  const m = ID_SECRET.exec(text);
  if (m) return { id: m[1], secret: Buffer.from(m[2], 'utf8') };
  const fingerprint = createHash('sha256').update(`audit-key-id\0${text}`, 'utf8').digest('hex').slice(0, 12);
  return { id: `h-${fingerprint}`, secret: Buffer.from(text, 'utf8') };
}

/** The keys of a key file, oldest first: one per line, blank lines and `#` comments ignored. */
export function parseAuditKeyFile(text: string, file: string): AuditKey[] {
  const keys: AuditKey[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trim().startsWith('#')) return;
    keys.push(parseAuditKey(line, `line ${i + 1} of ${file}`));
  });
  if (!keys.length) throw new Error(`${file} holds no audit key (one id:secret per line)`);
  return keys;
}

/**
 * The keys of the audit chain: the current one seals new events and checkpoints, every one
 * (current and retired) verifies what it sealed. Null `current` means the trail is written
 * unkeyed (chain format audit-v1).
 */
export class AuditKeyring {
  private readonly byId = new Map<string, AuditKey>();

  constructor(
    readonly current: AuditKey | null,
    retired: AuditKey[] = [],
    readonly source: KeySource = current ? 'AUDIT_HMAC_KEY' : 'none',
  ) {
    for (const key of current ? [...retired, current] : retired) {
      const known = this.byId.get(key.id);
      if (known && !known.secret.equals(key.secret)) throw new Error(`Two different audit keys have the id "${key.id}"`);
      this.byId.set(key.id, key);
    }
  }

  get(id: string): AuditKey | undefined {
    return this.byId.get(id);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

/**
 * The keyring the configuration asks for. Without any configured key, the embedded SQLite
 * database gets a key file generated beside it (created once, mode 0600, then reused): a
 * single-instance install is keyed without any setup, and the key is at least not inside the
 * database. An in-memory database gets a key that lives as long as it does. MySQL gets no
 * key: several instances share the database, and a key each invented on its own would not
 * verify the others' events; the caller warns about it at every start.
 */
export function loadAuditKeyring(config: BridgeConfig, logger = new Logger('AuditKeyring')): AuditKeyring {
  const { audit, database } = config;
  if (audit.hmacKeyFile) {
    const keys = parseAuditKeyFile(readFileSync(audit.hmacKeyFile, 'utf8'), audit.hmacKeyFile);
    return new AuditKeyring(keys[keys.length - 1], keys.slice(0, -1), 'AUDIT_HMAC_KEY_FILE');
  }
  if (audit.hmacKey) {
    const retired = (audit.hmacKeysRetired ?? '')
      .split(',')
      .filter((k) => k.trim())
      .map((k, i) => parseAuditKey(k, `entry ${i + 1} of AUDIT_HMAC_KEYS_RETIRED`));
    return new AuditKeyring(parseAuditKey(audit.hmacKey, 'AUDIT_HMAC_KEY'), retired, 'AUDIT_HMAC_KEY');
  }
  if (database.url) return new AuditKeyring(null);
  if (database.sqlitePath === ':memory:') return new AuditKeyring({ id: `mem-${randomBytes(4).toString('hex')}`, secret: randomBytes(32) }, [], 'in memory');

  const file = join(dirname(database.sqlitePath), GENERATED_KEY_FILE);
  // Before the database opens on a first start, its directory may not exist yet.
  mkdirSync(dirname(file), { recursive: true });
  const generated = `auto-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64url')}`;
  try {
    // 'wx': never overwrite; a second process starting at the same moment reads the first one's file.
    writeFileSync(
      file,
      `# Audit HMAC keys (see README, Security). Keep a copy apart from the database; without it the trail cannot be verified.\n${generated}\n`,
      {
        mode: 0o600,
        flag: 'wx',
      },
    );
    logger.warn(
      `No AUDIT_HMAC_KEY configured: generated the audit key file ${file}. Back it up apart from the database (without it the trail cannot be verified).`,
    );
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
  const keys = parseAuditKeyFile(readFileSync(file, 'utf8'), file);
  return new AuditKeyring(keys[keys.length - 1], keys.slice(0, -1), 'generated file');
}
