import { ConfigError, env, type EnvVar } from './env-spec.js';

/** Client ids are also HTTP Basic user names: no colon, no spaces. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

/**
 * Every environment variable of the bridge, grouped by namespace. The README table and
 * `.env.example` are generated from this object (`npm run config:doc`), so it is the one
 * place a variable is declared.
 */
export const bridgeEnv = {
  http: {
    port: env.int('PORT', 8080, { doc: 'TCP port the bridge listens on.', min: 0, max: 65535 }),
    host: env.string('HOST', '0.0.0.0', { doc: 'Interface the bridge binds to.' }),
    tlsCertFile: env.file('TLS_CERT_FILE', { doc: 'PEM certificate; with TLS_KEY_FILE the bridge serves HTTPS (recommended by OMFLOW).' }),
    tlsKeyFile: env.file('TLS_KEY_FILE', { doc: 'PEM private key for TLS_CERT_FILE.' }),
    bodyLimit: env.size('BODY_LIMIT', '10mb', { doc: 'Largest accepted request body (JSON).' }),
    trustProxy: env.bool('TRUST_PROXY', false, { doc: 'Trust X-Forwarded-For from a reverse proxy when recording source IPs.' }),
    docsEnabled: env.bool('DOCS_ENABLED', true, { doc: 'Serve Swagger UI at /docs and the OpenAPI document at /docs-json.' }),
  },
  database: {
    url: env.url('DATABASE_URL', {
      doc: 'MySQL/MariaDB URL (mysql://user:pass@host:3306/db). Empty: the embedded SQLite file.',
      protocols: ['mysql:', 'mariadb:'],
      sensitive: true,
    }),
    sqlitePath: env.string('SQLITE_PATH', './data/bridge.sqlite', { doc: 'SQLite database file, used when DATABASE_URL is empty.' }),
    poolSize: env.int('DATABASE_POOL_SIZE', 10, { doc: 'MySQL connection pool size.', min: 1, max: 200 }),
    migrationsRun: env.bool('DATABASE_MIGRATIONS_RUN', true, { doc: 'Apply pending migrations at start-up.' }),
  },
  log: {
    level: env.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info', {
      doc: 'Log level of the JSON logs on stdout.',
    }),
  },
  access: {
    adminToken: env.optionalString('BRIDGE_ADMIN_TOKEN', {
      doc: 'Bearer token of the built-in `admin` client. Empty: one is generated on first start and printed once.',
      sensitive: true,
      minLength: 32,
    }),
    omflowClientId: env.optionalString('OMFLOW_CLIENT_ID', {
      doc: 'HTTP Basic user name OMFLOW uses for /sync and /authenticate (provisioned at start-up with the `omflow` scope).',
      pattern: CLIENT_ID_PATTERN,
      what: '3 to 64 letters, digits, dots, dashes or underscores',
    }),
    omflowClientSecret: env.optionalString('OMFLOW_CLIENT_SECRET', {
      doc: 'HTTP Basic password for OMFLOW_CLIENT_ID (at least 16 characters).',
      sensitive: true,
      minLength: 16,
    }),
  },
} as const;

type Spec = { readonly [key: string]: EnvVar<unknown> | Spec };
type Parsed<S> = { readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : Parsed<S[K]> };

export type BridgeConfig = Parsed<typeof bridgeEnv>;

function isVar(x: EnvVar<unknown> | Spec): x is EnvVar<unknown> {
  return typeof (x as EnvVar<unknown>).parse === 'function';
}

/** Parses every variable of a spec; throws the first ConfigError met. */
export function parseSpec<S extends Spec>(spec: S, source: NodeJS.ProcessEnv): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(spec)) {
    out[key] = isVar(node) ? node.parse(source[node.name]) : parseSpec(node, source);
  }
  return out as Parsed<S>;
}

/** Every variable of a spec, in declaration order (for documentation). */
export function listVars(spec: Spec): EnvVar<unknown>[] {
  return Object.values(spec).flatMap((node) => (isVar(node) ? [node] : listVars(node)));
}

/** Reads and validates the bridge configuration; cross-field rules included. */
export function loadBridgeConfig(source: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const config = parseSpec(bridgeEnv, source);
  const { http, access } = config;
  if (Boolean(http.tlsCertFile) !== Boolean(http.tlsKeyFile)) {
    throw new ConfigError(http.tlsCertFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'is required when the other TLS file is set');
  }
  if (Boolean(access.omflowClientId) !== Boolean(access.omflowClientSecret)) {
    throw new ConfigError(access.omflowClientId ? 'OMFLOW_CLIENT_SECRET' : 'OMFLOW_CLIENT_ID', 'is required when the other OMFLOW credential is set');
  }
  return config;
}
