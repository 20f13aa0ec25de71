/**
 * The OMFLOW emulator's options, from OMFLOW_EMULATOR_* variables (`main.ts`) or given directly
 * (`createOmflowEmulatorApp`, tests). Every variable and its default is listed in
 * apps/omflow-emulator/README.md and in the root README ("The OMFLOW emulator").
 */
import { readFileSync } from 'node:fs';
import type { DeleteMode } from './model.js';

export interface OmflowEmulatorOptions {
  /** SQLite database file; `:memory:` keeps everything in memory. */
  db: string;
  /** Base URL of the Custom HR application (the bridge): `POST {hrUrl}/sync`, `/authenticate`. */
  hrUrl: string;
  /** HTTP Basic credentials OMFLOW presents to the Custom HR application. */
  hrUser: string;
  hrPassword: string;
  /** Timeout of one call to the Custom HR application (ms). */
  hrTimeoutMs: number;
  /** Seconds between scheduled pulls of `/sync`; 0: only on demand (POST /_omflow/pulls). */
  pullSeconds: number;
  /** Pull once at start-up (then every pullSeconds). */
  pullOnStart: boolean;
  /** The local OMFLOW account that gets query API security codes (HTTP Basic). */
  apiUser: string;
  apiPassword: string;
  /** Bearer token of the `/_omflow/...` admin calls; empty: no authentication (a local test tool). */
  adminToken: string;
  /** How a user missing from `/sync` is deleted: `soft` (OMFLOW's deleteUserAjax) or `hard` (row removed). */
  deleteMode: DeleteMode;
  /** Security codes expire after this many seconds without use (OMFLOW: 5 minutes). */
  securityTtlSeconds: number;
  docs: boolean;
  logger: boolean;
  /** The clock (ms since the epoch); tests replace it to expire security codes. */
  clock: () => number;
}

export const DEFAULT_OPTIONS: OmflowEmulatorOptions = {
  db: ':memory:',
  hrUrl: 'http://127.0.0.1:8080',
  hrUser: 'omflow',
  hrPassword: '',
  hrTimeoutMs: 30_000,
  pullSeconds: 60,
  pullOnStart: true,
  apiUser: 'admin',
  apiPassword: 'omflow-admin',
  adminToken: '',
  deleteMode: 'soft',
  securityTtlSeconds: 300,
  docs: true,
  logger: true,
  clock: () => Date.now(),
};

export interface ListenOptions {
  host: string;
  port: number;
}

/** A bad environment variable; `main.ts` prints the message on one line and exits. */
export class OmflowEmulatorConfigError extends Error {}

/** Every variable the emulator reads, in README order (a test checks both READMEs list them); each secret also as `<NAME>_FILE`. */
export const OMFLOW_EMULATOR_VARIABLES = [
  'OMFLOW_EMULATOR_PORT',
  'OMFLOW_EMULATOR_HOST',
  'OMFLOW_EMULATOR_DB',
  'OMFLOW_EMULATOR_HR_URL',
  'OMFLOW_EMULATOR_HR_USER',
  'OMFLOW_EMULATOR_HR_PASSWORD',
  'OMFLOW_EMULATOR_HR_TIMEOUT_MS',
  'OMFLOW_EMULATOR_PULL_SECONDS',
  'OMFLOW_EMULATOR_PULL_ON_START',
  'OMFLOW_EMULATOR_API_USER',
  'OMFLOW_EMULATOR_API_PASSWORD',
  'OMFLOW_EMULATOR_ADMIN_TOKEN',
  'OMFLOW_EMULATOR_DELETE_MODE',
  'OMFLOW_EMULATOR_SECURITY_TTL_SECONDS',
  'OMFLOW_EMULATOR_DOCS',
  'OMFLOW_EMULATOR_LOG',
] as const;

type Env = NodeJS.ProcessEnv;

/** The secrets that may instead be read from a file named by `<NAME>_FILE` (Docker and Kubernetes secrets). */
export const SECRET_VARIABLES = ['OMFLOW_EMULATOR_HR_PASSWORD', 'OMFLOW_EMULATOR_API_PASSWORD', 'OMFLOW_EMULATOR_ADMIN_TOKEN'] as const;

/** `env` with each secret's `_FILE` read in (one trailing newline dropped); both set, or an unreadable file, is an error. */
export function withSecretFiles(env: Env, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Env {
  const out = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') throw new OmflowEmulatorConfigError(`set ${name} or ${name}_FILE, not both`);
    let text: string;
    try {
      text = read(file);
    } catch (error) {
      throw new OmflowEmulatorConfigError(`${name}_FILE: cannot read "${file}" (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    out[name] = text.replace(/\r?\n$/, '');
  }
  return out;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new OmflowEmulatorConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new OmflowEmulatorConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function text(env: Env, name: string, fallback: string, pattern = /^\S+$/, secret = false): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!pattern.test(raw)) throw new OmflowEmulatorConfigError(`${name} must match ${String(pattern)}${secret ? '' : `, got "${raw}"`}`);
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new OmflowEmulatorConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function url(env: Env, name: string, fallback: string): string {
  const raw = text(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new OmflowEmulatorConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OmflowEmulatorConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  if (parsed.username || parsed.password) throw new OmflowEmulatorConfigError(`${name} must not carry credentials (use OMFLOW_EMULATOR_HR_USER and _PASSWORD)`);
  return raw.replace(/\/+$/, '');
}

/** Options and listen address from the environment; throws OmflowEmulatorConfigError naming the variable. */
export function omflowEmulatorOptionsFromEnv(given: Env): { options: OmflowEmulatorOptions; listen: ListenOptions } {
  const env = withSecretFiles(given);
  const d = DEFAULT_OPTIONS;
  const deleteMode = text(env, 'OMFLOW_EMULATOR_DELETE_MODE', d.deleteMode);
  if (deleteMode !== 'soft' && deleteMode !== 'hard')
    throw new OmflowEmulatorConfigError(`OMFLOW_EMULATOR_DELETE_MODE must be soft or hard, got "${deleteMode}"`);
  const adminToken = text(env, 'OMFLOW_EMULATOR_ADMIN_TOKEN', d.adminToken, /^[A-Za-z0-9\-._~+/]{16,}=*$/, true);
  const options: OmflowEmulatorOptions = {
    db: text(env, 'OMFLOW_EMULATOR_DB', d.db, /^.+$/),
    hrUrl: url(env, 'OMFLOW_EMULATOR_HR_URL', d.hrUrl),
    hrUser: text(env, 'OMFLOW_EMULATOR_HR_USER', d.hrUser, /^[^:\s]+$/),
    hrPassword: text(env, 'OMFLOW_EMULATOR_HR_PASSWORD', d.hrPassword, /^.+$/, true),
    hrTimeoutMs: int(env, 'OMFLOW_EMULATOR_HR_TIMEOUT_MS', d.hrTimeoutMs, 100, 600_000),
    pullSeconds: int(env, 'OMFLOW_EMULATOR_PULL_SECONDS', d.pullSeconds, 0, 7 * 24 * 3600),
    pullOnStart: flag(env, 'OMFLOW_EMULATOR_PULL_ON_START', d.pullOnStart),
    apiUser: text(env, 'OMFLOW_EMULATOR_API_USER', d.apiUser, /^[^:\s]+$/),
    apiPassword: text(env, 'OMFLOW_EMULATOR_API_PASSWORD', d.apiPassword, /^.+$/, true),
    adminToken,
    deleteMode,
    securityTtlSeconds: int(env, 'OMFLOW_EMULATOR_SECURITY_TTL_SECONDS', d.securityTtlSeconds, 1, 24 * 3600),
    docs: flag(env, 'OMFLOW_EMULATOR_DOCS', d.docs),
    logger: flag(env, 'OMFLOW_EMULATOR_LOG', d.logger),
    clock: d.clock,
  };
  const listen = { host: text(env, 'OMFLOW_EMULATOR_HOST', '127.0.0.1'), port: int(env, 'OMFLOW_EMULATOR_PORT', 8070, 0, 65535) };
  return { options, listen };
}
