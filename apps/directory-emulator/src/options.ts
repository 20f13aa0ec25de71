/**
 * The emulator's options, from environment variables (`main.ts`) or given directly
 * (`createEmulatorApp`, tests, benchmarks). Every variable and its default is listed in
 * apps/directory-emulator/README.md.
 */
export interface FaultSettings {
  /** Added to every `/v1/...` request before it is handled. */
  latency_ms: number;
  /** Share (0..1) of `/v1/...` requests answered HTTP 500 with a 500 envelope. */
  error_rate: number;
  /** Share (0..1) of `/v1/...` answers cut off mid-body (the connection is destroyed). */
  drop_rate: number;
  /** Share (0..1) of `/v1/...` answers whose body is not valid JSON (HTTP 200, JSON content type). */
  malformed_rate: number;
  /** Share (0..1) of non-empty `/view` and `/page-orgs` pages that return fewer rows than their totals say. */
  short_page_rate: number;
  /** The next N `/v1/...` requests get a 500 (before `error_rate` is consulted). */
  error_count: number;
  /** The next N `/v1/...` answers are cut off mid-body. */
  drop_count: number;
  /** The next N `/v1/...` answers are malformed JSON. */
  malformed_count: number;
  /** The next N non-empty `/view` or `/page-orgs` pages are short. */
  short_page_count: number;
  /**
   * Empties one department consistently: the smallest one with at least this many active people
   * whose primary position is there has all of them answered as locked (resigned) on every
   * `/v1/...` answer, while every count and total stays as it was. No short page, no error: only
   * a deletion guard that watches departments can tell. 0: off.
   */
  empty_department_size: number;
}

export const NO_FAULTS: FaultSettings = {
  latency_ms: 0,
  error_rate: 0,
  drop_rate: 0,
  malformed_rate: 0,
  short_page_rate: 0,
  error_count: 0,
  drop_count: 0,
  malformed_count: 0,
  short_page_count: 0,
  empty_department_size: 0,
};

export interface EmulatorOptions {
  /** Seeds the generator, the ids of API-created records, mutations and fault draws. */
  seed: number;
  employees: number;
  departments: number;
  /** Load the organisation from this export file instead of generating it. */
  orgFile?: string;
  /** Share (0..1) of generated employees with a deliberate data problem. */
  dataProblems: number;
  orgCode: string;
  orgName: string;
  domainId: string;
  emailDomain: string;
  clientId: string;
  clientSecret: string;
  tokenTtlSeconds: number;
  faults: FaultSettings;
  /** Serve Swagger UI at /docs. */
  docs: boolean;
  /** Log requests and start-up (tests turn it off). */
  logger: boolean;
  /** The clock (ms since the epoch); tests replace it to expire tokens. */
  clock: () => number;
}

export const DEFAULT_OPTIONS: EmulatorOptions = {
  seed: 1,
  employees: 300,
  departments: 40,
  dataProblems: 0,
  orgCode: 'omflow-demo',
  orgName: 'OMFLOW 示例集团',
  domainId: 'omflow',
  emailDomain: 'example.com',
  clientId: 'hr-bridge',
  clientSecret: 'hr-bridge-secret',
  // The docs' example token lives 30 days.
  tokenTtlSeconds: 30 * 24 * 3600,
  faults: NO_FAULTS,
  docs: true,
  logger: true,
  clock: () => Date.now(),
};

export interface ListenOptions {
  host: string;
  port: number;
}

/** A bad environment variable; `main.ts` prints the message on one line and exits. */
export class EmulatorConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new EmulatorConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new EmulatorConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function share(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new EmulatorConfigError(`${name} must be a number between 0 and 1, got "${raw}"`);
  return value;
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string, pattern = /^\S+$/): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!pattern.test(raw)) throw new EmulatorConfigError(`${name} must match ${String(pattern)}, got "${raw}"`);
  return raw;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new EmulatorConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/** Options and listen address from the environment; throws EmulatorConfigError naming the variable. */
export function emulatorOptionsFromEnv(env: NodeJS.ProcessEnv): { options: EmulatorOptions; listen: ListenOptions } {
  const d = DEFAULT_OPTIONS;
  const seed = int(env, 'EMULATOR_SEED', d.seed, 0, 4294967295);
  const employees = int(env, 'EMULATOR_EMPLOYEES', d.employees, 0, 2_000_000);
  const departments = int(env, 'EMULATOR_DEPARTMENTS', d.departments, 1, 200_000);
  const options: EmulatorOptions = {
    seed,
    employees,
    departments,
    orgFile: env.EMULATOR_ORG_FILE ? env.EMULATOR_ORG_FILE : undefined,
    dataProblems: share(env, 'EMULATOR_DATA_PROBLEMS', d.dataProblems),
    orgCode: text(env, 'EMULATOR_ORG_CODE', d.orgCode, /^[A-Za-z0-9_.-]+$/),
    orgName: text(env, 'EMULATOR_ORG_NAME', d.orgName, /^[^/]+$/),
    domainId: text(env, 'EMULATOR_DOMAIN_ID', d.domainId, /^[A-Za-z0-9_.-]+$/),
    emailDomain: text(env, 'EMULATOR_EMAIL_DOMAIN', d.emailDomain, /^[A-Za-z0-9.-]+$/),
    clientId: text(env, 'EMULATOR_CLIENT_ID', d.clientId),
    clientSecret: text(env, 'EMULATOR_CLIENT_SECRET', d.clientSecret),
    tokenTtlSeconds: int(env, 'EMULATOR_TOKEN_TTL_SECONDS', d.tokenTtlSeconds, 1, 10 * 365 * 24 * 3600),
    faults: {
      ...NO_FAULTS,
      latency_ms: int(env, 'EMULATOR_LATENCY_MS', 0, 0, 600_000),
      error_rate: share(env, 'EMULATOR_ERROR_RATE', 0),
      drop_rate: share(env, 'EMULATOR_DROP_RATE', 0),
      malformed_rate: share(env, 'EMULATOR_MALFORMED_RATE', 0),
      short_page_rate: share(env, 'EMULATOR_SHORT_PAGE_RATE', 0),
      empty_department_size: int(env, 'EMULATOR_EMPTY_DEPARTMENT_SIZE', 0, 0, 2_000_000),
    },
    docs: flag(env, 'EMULATOR_DOCS', d.docs),
    logger: flag(env, 'EMULATOR_LOG', d.logger),
    clock: d.clock,
  };
  const listen = { host: text(env, 'EMULATOR_HOST', '127.0.0.1'), port: int(env, 'EMULATOR_PORT', 8090, 0, 65535) };
  return { options, listen };
}
