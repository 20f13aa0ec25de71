import { readFileSync } from 'node:fs';
import { ConfigError, env, type EnvVar } from './env-spec.js';

/** The bundled sample organisation (HR_FILE's default). */
export const SAMPLE_ORGANISATION_FILE = 'apps/bridge/assets/sample-organisation.json';

/** The password every sample person has in the demo (see demoLogins); stated in the README. */
export const DEMO_PASSWORD = 'omflow-demo';

/**
 * The embedded demo: SQLite (no DATABASE_URL), the bundled sample organisation, the bridge's own
 * password store. Only then can the sample people log in with DEMO_PASSWORD (those without a
 * password of their own); never on MySQL, another organisation or another verifier.
 */
export function demoLogins(config: BridgeConfig): boolean {
  return !config.database.url && config.sync.source === 'file' && config.sync.file === SAMPLE_ORGANISATION_FILE && config.auth.verifier === 'local';
}

/** An audit key as configured: `id:secret`, or a bare secret (no colon); secrets of 32+ characters without spaces or commas. */
const AUDIT_KEY = '(?:[A-Za-z0-9._-]{1,32}:[^\\s,]{32,}|[^\\s,:]{32,})';
export const AUDIT_KEY_PATTERN = new RegExp(`^${AUDIT_KEY}$`);
const AUDIT_KEYS_PATTERN = new RegExp(`^${AUDIT_KEY}(?:\\s*,\\s*${AUDIT_KEY})*$`);

/** Client ids are also HTTP Basic user names: no colon, no spaces. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;

/** The organisation code goes into every WorkPlus path as it is: ORG_CODE_PATTERN of #app/workplus (a test keeps them equal). */
export const ORG_CODE = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/;

/** The collations OMFLOW_COLLATION accepts: OMFLOW_COLLATIONS of #app/omflow-contract (a test keeps them equal). */
export const OMFLOW_COLLATION_NAMES = ['utf8mb4_unicode_ci', 'utf8mb4_general_ci', 'utf8mb4_0900_ai_ci'] as const;

/** The admin token travels as `Authorization: Bearer <token>`: RFC 6750's b64token. */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

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
    metricsEnabled: env.bool('METRICS_ENABLED', true, { doc: 'Serve Prometheus metrics at /metrics (no authentication: keep it on the internal network).' }),
  },
  console: {
    enabled: env.bool('CONSOLE_ENABLED', true, {
      doc: 'Serve the operator console at /console/ and its sign-in at /api/v1/console/session (an API client signs in with its id and secret for a session cookie). Off: both answer 404.',
    }),
    sessionIdleMinutes: env.int('CONSOLE_SESSION_IDLE_MINUTES', 30, {
      doc: 'A console session unused for this many minutes ends (the person signs in again).',
      min: 1,
      max: 1440,
    }),
  },
  instance: {
    id: env.optionalString('INSTANCE_ID', {
      doc: "Name of this instance in the database's leases (sync lock, directory token refresh) and the run history (default: the host name). A restarted instance with the same name takes over at once what its previous process left (a crashed run, its locks); give live instances distinct names (set it when several share a host name, e.g. containers with network_mode: host).",
      pattern: /^[A-Za-z0-9._-]{1,40}$/,
      what: '1 to 40 letters, digits, dots, dashes or underscores',
    }),
    shutdownGraceSeconds: env.int('SHUTDOWN_GRACE_SECONDS', 20, {
      doc: "On SIGTERM/SIGINT: stop accepting connections, let the answers in progress finish and cancel a running sync within this many seconds, then exit (at most 5 s later whatever happens). Keep it at least 5 s below the orchestrator's own grace (docker: 30 s).",
      min: 1,
      max: 600,
    }),
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
  sync: {
    source: env.oneOf('HR_SOURCE', ['file', 'directory'] as const, 'file', {
      doc: 'Where employees come from: `file` (HR_FILE, the bundled sample by default) or `directory` (the WorkPlus API, DIRECTORY_*).',
    }),
    file: env.string('HR_FILE', SAMPLE_ORGANISATION_FILE, {
      doc: "Organisation file for HR_SOURCE=file, in the directory's employee-list JSON format.",
    }),
    mappingFile: env.file('MAPPING_FILE', { doc: 'JSON file of mapping rules merged over the defaults (employee field → OMFLOW field, exclusions).' }),
    cron: env.cron('SYNC_CRON', '*/15 * * * *', { doc: 'When scheduled syncs run (cron, 5 or 6 fields), or `off`. Runs once across instances.' }),
    onStart: env.bool('SYNC_ON_START', true, { doc: 'Run a sync at start-up when nothing is published yet.' }),
    allowSample: env.bool('ALLOW_SAMPLE_ORGANISATION', false, {
      doc: 'On MySQL (DATABASE_URL), allow HR_SOURCE=file with the bundled sample organisation (a demo or test on MySQL). Off: such a start is refused, so the sample people are never published to a production OMFLOW by accident.',
    }),
    testCrashAt: env.oneOf('SYNC_TEST_CRASH_AT', ['off', 'after-write', 'after-publish'] as const, 'off', {
      doc: 'Test hook, never for production: the process kills itself (SIGKILL, like `kill -9`) when a sync reaches this point (`after-write`: its snapshot is written, not published; `after-publish`: the publish has committed), so that crash recovery is tested deterministically.',
    }),
    deadlineSeconds: env.int('SYNC_DEADLINE_SECONDS', 900, { doc: 'A run that takes longer is cancelled and fails.', min: 5 }),
    retention: env.int('SNAPSHOT_RETENTION', 30, { doc: 'How many snapshots to keep (the published one is always kept).', min: 2 }),
    maxUserRemovals: env.int('GUARD_MAX_USER_REMOVALS', 500, {
      doc: 'A run removing more users than min(this, GUARD_MAX_USER_REMOVAL_PERCENT) is held for approval.',
      min: 0,
    }),
    maxUserRemovalPercent: env.int('GUARD_MAX_USER_REMOVAL_PERCENT', 20, {
      doc: 'Percent of the published users a run may remove without approval.',
      min: 0,
      max: 100,
    }),
    maxGroupRemovals: env.int('GUARD_MAX_GROUP_REMOVALS', 100, { doc: 'Likewise for departments.', min: 0 }),
    maxGroupRemovalPercent: env.int('GUARD_MAX_GROUP_REMOVAL_PERCENT', 20, {
      doc: 'Percent of the published departments a run may remove without approval.',
      min: 0,
      max: 100,
    }),
    maxMoves: env.int('GUARD_MAX_MOVES', 500, { doc: 'Likewise for people changing their default department.', min: 0 }),
    maxMovePercent: env.int('GUARD_MAX_MOVE_PERCENT', 20, {
      doc: 'Percent of the published users that may change department without approval.',
      min: 0,
      max: 100,
    }),
    pullStaleSeconds: env.int('OMFLOW_PULL_STALE_SECONDS', 3600, {
      doc: 'After this long without an OMFLOW /sync pull, /health and /metrics report OMFLOW as stale.',
      min: 60,
    }),
    holdEmptiedDepartments: env.int('GUARD_HOLD_EMPTIED_DEPARTMENTS', 5, {
      doc: 'Hold a run after which a department with at least this many published members (people whose default department it is) has none, whatever the other limits say; 0 turns it off.',
      min: 0,
    }),
    deletionGraceHours: env.decimal('GUARD_DELETION_GRACE_HOURS', 24, {
      doc: 'A published person missing from the directory stays in /sync this many hours (decimals allowed) before a run removes them, and cannot log in meanwhile; reappearing cancels the removal. 0 removes at once. See "The deletion grace window".',
      min: 0,
      max: 8760,
    }),
    fourEyesUserRemovals: env.intOrOff('GUARD_FOUR_EYES_USER_REMOVALS', {
      doc: 'A held run whose decision publishes more user removals than this needs approvals from two different clients (the second publishes; an admin can issue a single-use override token instead). `off`: one approval always publishes. See "Deciding held runs".',
    }),
    holdRenames: env.bool('GUARD_HOLD_RENAMES', true, { doc: 'Hold a run in which a known person (same directory id) has a new username, for a decision.' }),
    policyMissingEmail: env.oneOf('POLICY_MISSING_EMAIL', ['quarantine', 'fallback'] as const, 'quarantine', {
      doc: 'Employee without email: leave out (`quarantine`) or build one from EMAIL_FALLBACK_TEMPLATE.',
    }),
    policyInvalidEmail: env.oneOf('POLICY_INVALID_EMAIL', ['quarantine', 'fallback'] as const, 'quarantine', {
      doc: 'Employee with a malformed email: likewise.',
    }),
    policyDuplicateEmail: env.oneOf('POLICY_DUPLICATE_EMAIL', ['quarantine', 'fallback'] as const, 'quarantine', {
      doc: 'Employee whose email another holds (case-insensitive): likewise.',
    }),
    policyTooLong: env.oneOf('POLICY_TOO_LONG', ['truncate', 'quarantine'] as const, 'truncate', {
      doc: "A value longer than OMFLOW's column: truncate with a warning, or leave the record out.",
    }),
    emailTemplate: env.optionalString('EMAIL_FALLBACK_TEMPLATE', {
      doc: 'Fallback email, e.g. `{username}@example.com` (`{username}`, `{ad_no}`, `{key}`).',
      pattern: /^[^@\s]*\{(username|ad_no|key)\}[^@\s]*@[^@\s]+\.[^@\s]+$/,
      what: 'an address template such as {username}@example.com',
    }),
  },
  directory: {
    url: env.url('DIRECTORY_URL', { doc: 'Base URL of the WorkPlus API (or the emulator), e.g. http://127.0.0.1:8090.', protocols: ['http:', 'https:'] }),
    orgCode: env.optionalString('DIRECTORY_ORG_CODE', {
      doc: 'Organisation code (`code` in the WorkPlus paths).',
      pattern: ORG_CODE,
      what: '1 to 64 letters, digits, dots, dashes or underscores, not "." or ".."',
    }),
    domainId: env.optionalString('DIRECTORY_DOMAIN_ID', { doc: 'WorkPlus domain id.' }),
    clientId: env.optionalString('DIRECTORY_CLIENT_ID', { doc: 'App key for the token call (client_credentials).' }),
    clientSecret: env.optionalString('DIRECTORY_CLIENT_SECRET', { doc: 'App secret for the token call.', sensitive: true }),
    token: env.optionalString('DIRECTORY_TOKEN', { doc: 'A fixed access token instead of app key and secret.', sensitive: true }),
    timeoutMs: env.int('DIRECTORY_TIMEOUT_MS', 15000, { doc: 'Timeout of one directory request.', min: 100 }),
    retries: env.int('DIRECTORY_RETRIES', 4, { doc: 'Retries (exponential back-off) on network errors and 5xx.', min: 0, max: 20 }),
    pageSize: env.int('DIRECTORY_PAGE_SIZE', 500, { doc: 'Employees per page when reading the organisation.', min: 1, max: 5000 }),
  },
  query: {
    maxRows: env.int('QUERY_MAX_ROWS', 10000, {
      doc: 'Most rows one OMFLOW query API request may ask for (`limit - start`); a larger slice is refused with a message saying so (page with start/limit).',
      min: 1,
      max: 1000000,
    }),
    audit: env.oneOf('QUERY_AUDIT', ['off', 'failures', 'all'] as const, 'all', {
      doc: 'Which OMFLOW query API calls (security codes, user and group lists) go to the audit trail: none, failed and refused ones, or every call.',
    }),
    securityCodeTtlSeconds: env.int('SECURITY_CODE_TTL_SECONDS', 300, {
      doc: 'A query API security code expires after this many seconds without use; each use renews it (OMFLOW: 5 minutes).',
      min: 5,
      max: 86400,
    }),
    collation: env.oneOf('OMFLOW_COLLATION', OMFLOW_COLLATION_NAMES, 'utf8mb4_unicode_ci', {
      doc: "The MySQL collation of OMFLOW's own database, which decides how the query API compares and orders text (case, accents, trailing spaces, `alice.harris@` before or after `alice.harris2@`). On MySQL/MariaDB the bridge names it in its queries (a MariaDB without utf8mb4_0900_ai_ci uses utf8mb4_uca1400_nopad_ai_ci, as MariaDB 11.4.5+ does); on SQLite the same collation's weights are compared.",
    }),
  },
  readback: {
    url: env.url('OMFLOW_URL', {
      doc: "OMFLOW's base URL (e.g. https://omflow.example.com), for the read-back: the bridge reads OMFLOW's users and departments through OMFLOW's user query API and compares them with the snapshot OMFLOW last pulled. Empty: no read-back. See \"Read-back of OMFLOW\".",
      protocols: ['http:', 'https:'],
    }),
    apiUser: env.optionalString('OMFLOW_API_USER', {
      doc: "User name of an OMFLOW API account (HTTP Basic on OMFLOW's security-code call); required with OMFLOW_URL.",
      pattern: /^[^:\s]{1,150}$/,
      what: 'a user name of 1 to 150 characters without colons or spaces (it travels as HTTP Basic)',
    }),
    apiPassword: env.optionalString('OMFLOW_API_PASSWORD', { doc: 'Password of OMFLOW_API_USER; required with OMFLOW_URL.', sensitive: true }),
    cron: env.cron('RECONCILE_CRON', '0 * * * *', {
      doc: 'When the read-back of OMFLOW runs on its own (cron, 5 or 6 fields), or `off`. Runs once across instances; also runs after OMFLOW pulls a new snapshot and on POST /api/v1/omflow/reconciliation/run.',
    }),
    afterPullSeconds: env.int('RECONCILE_AFTER_PULL_SECONDS', 60, {
      doc: 'The read-back runs this long after OMFLOW first pulls a newly published snapshot (time for OMFLOW to apply it); 0: not after pulls.',
      min: 0,
      max: 86400,
    }),
    timeoutMs: env.int('OMFLOW_TIMEOUT_MS', 15000, { doc: "Timeout of one call to OMFLOW's query API (connection, headers and body).", min: 100, max: 600000 }),
    pageSize: env.int('OMFLOW_PAGE_SIZE', 1000, { doc: "Users or departments asked of OMFLOW's query API per call.", min: 1, max: 10000 }),
    samples: env.int('RECONCILE_SAMPLES', 20, { doc: 'Most examples kept of each kind of difference (the counts are always complete).', min: 1, max: 1000 }),
  },
  auth: {
    verifier: env.oneOf('AUTH_VERIFIER', ['local', 'http', 'ldap'] as const, 'local', {
      doc: 'How /authenticate checks a password: `local` (argon2id hashes kept by the bridge), `http` (delegated to AUTH_HTTP_URL) or `ldap` (a bind to the LDAP / Active Directory server at AUTH_LDAP_URL; see "Logins against Active Directory / LDAP").',
    }),
    argon2MemoryKib: env.int('AUTH_ARGON2_MEMORY_KIB', 19456, {
      doc: 'argon2id memory cost (KiB) of new hashes; older hashes are re-hashed at the next good login.',
      min: 1024,
      max: 4194304,
    }),
    argon2TimeCost: env.int('AUTH_ARGON2_TIME_COST', 2, { doc: 'argon2id iterations of new hashes.', min: 1, max: 100 }),
    argon2Parallelism: env.int('AUTH_ARGON2_PARALLELISM', 1, { doc: 'argon2id lanes of new hashes.', min: 1, max: 16 }),
    httpUrl: env.url('AUTH_HTTP_URL', { doc: 'Upstream endpoint checking passwords when AUTH_VERIFIER=http.', protocols: ['http:', 'https:'] }),
    httpMethod: env.oneOf('AUTH_HTTP_METHOD', ['POST', 'PUT'] as const, 'POST', { doc: 'HTTP method of the upstream password check.' }),
    httpSend: env.oneOf('AUTH_HTTP_SEND', ['json', 'form', 'basic'] as const, 'json', {
      doc: 'How username and password reach the upstream: a JSON body, a form body (AUTH_HTTP_USERNAME_FIELD / AUTH_HTTP_PASSWORD_FIELD) or HTTP Basic.',
    }),
    httpUsernameField: env.string('AUTH_HTTP_USERNAME_FIELD', 'username', { doc: 'Name of the username field in a json or form body.' }),
    httpPasswordField: env.string('AUTH_HTTP_PASSWORD_FIELD', 'password', { doc: 'Name of the password field in a json or form body.' }),
    httpAuthorization: env.optionalString('AUTH_HTTP_AUTHORIZATION', {
      doc: 'Authorization header the bridge sends to the upstream with json or form bodies (e.g. `Bearer <key>`).',
      sensitive: true,
    }),
    httpSuccessStatus: env.string('AUTH_HTTP_SUCCESS_STATUS', '200', {
      doc: 'Upstream status codes meaning "password accepted", comma-separated. Other 4xx mean rejected; anything else is an upstream failure.',
      pattern: /^[1-5]\d\d(,\s*[1-5]\d\d)*$/,
      what: 'a comma-separated list of HTTP status codes such as 200,204',
    }),
    httpSuccessField: env.optionalString('AUTH_HTTP_SUCCESS_FIELD', {
      doc: 'Dotted path of a field of the JSON answer that must also equal AUTH_HTTP_SUCCESS_VALUE (e.g. `status` or `result.valid`). Empty: the status code decides.',
      pattern: /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/,
      what: 'a dotted field path such as result.valid',
    }),
    httpSuccessValue: env.string('AUTH_HTTP_SUCCESS_VALUE', 'true', { doc: 'Value (compared as text) AUTH_HTTP_SUCCESS_FIELD must hold for a success.' }),
    httpTimeoutMs: env.int('AUTH_HTTP_TIMEOUT_MS', 5000, { doc: 'Timeout of one upstream password check; a timeout is a failed login.', min: 100, max: 60000 }),
    ldapUrl: env.url('AUTH_LDAP_URL', {
      doc: 'Directory server checking passwords when AUTH_VERIFIER=ldap: `ldaps://host[:636]`, or `ldap://host[:389]` (with AUTH_LDAP_STARTTLS=true unless the network is trusted). No DN in the URL.',
      protocols: ['ldap:', 'ldaps:'],
    }),
    ldapStartTls: env.bool('AUTH_LDAP_STARTTLS', false, {
      doc: 'Upgrade `ldap://` connections with StartTLS before anything is sent (refused with `ldaps://`).',
    }),
    ldapCaFile: env.file('AUTH_LDAP_CA_FILE', {
      doc: "PEM file of the CA(s) that signed the directory server's certificate (LDAPS or StartTLS), e.g. the company's AD CA. Empty: the system's trusted CAs.",
    }),
    ldapTlsVerify: env.bool('AUTH_LDAP_TLS_VERIFY', true, {
      doc: "Verify the directory server's certificate and host name (LDAPS, StartTLS). `false` is for a test bench only: anyone in the path could read the passwords.",
    }),
    ldapBindDn: env.optionalString('AUTH_LDAP_BIND_DN', {
      doc: 'Search-then-bind: DN (or AD `user@domain`) of the service account that looks users up, e.g. `cn=omflow-bridge,ou=services,dc=example,dc=org`.',
    }),
    ldapBindPassword: env.optionalString('AUTH_LDAP_BIND_PASSWORD', { doc: 'Password of AUTH_LDAP_BIND_DN.', sensitive: true }),
    ldapSearchBase: env.optionalString('AUTH_LDAP_SEARCH_BASE', {
      doc: 'Search-then-bind: DN under which users are searched (whole subtree), e.g. `ou=people,dc=example,dc=org`.',
    }),
    ldapSearchFilter: env.optionalString('AUTH_LDAP_SEARCH_FILTER', {
      doc: "Search-then-bind: filter finding a user's entry, `{username}` standing for the login name (escaped, RFC 4515): `(uid={username})` (OpenLDAP), `(&(objectClass=user)(sAMAccountName={username}))` (AD). Exactly one entry must match.",
      pattern: /^\(.*\{username\}.*\)$/,
      what: 'an LDAP filter in parentheses containing {username}, such as (uid={username})',
    }),
    ldapBindDnTemplate: env.optionalString('AUTH_LDAP_BIND_DN_TEMPLATE', {
      doc: 'Direct bind instead of search-then-bind (no service account): the bind name of a user, `{username}` standing for the login name (escaped, RFC 4514): `uid={username},ou=people,dc=example,dc=org`, or `{username}@corp.example` (AD).',
      pattern: /\{username\}/,
      what: 'a bind DN or name containing {username}, such as uid={username},ou=people,dc=example,dc=org',
    }),
    ldapConnectTimeoutMs: env.int('AUTH_LDAP_CONNECT_TIMEOUT_MS', 3000, {
      doc: 'Timeout of opening one directory connection (TCP, TLS and StartTLS); a timeout is an upstream failure, never counted towards lockouts.',
      min: 100,
      max: 60000,
    }),
    ldapTimeoutMs: env.int('AUTH_LDAP_TIMEOUT_MS', 5000, {
      doc: 'Timeout of one directory operation (bind, search) and of waiting for a pooled connection.',
      min: 100,
      max: 60000,
    }),
    ldapPoolSize: env.int('AUTH_LDAP_POOL_SIZE', 4, {
      doc: "Service-account connections kept open for searches (search-then-bind). Each user's password is checked on a connection of its own, closed at once.",
      min: 1,
      max: 64,
    }),
    lockoutThreshold: env.int('AUTH_LOCKOUT_THRESHOLD', 5, {
      doc: 'Failed logins of one username within AUTH_LOCKOUT_WINDOW_SECONDS that lock it (0: never).',
      min: 0,
      max: 1000,
    }),
    lockoutWindowSeconds: env.int('AUTH_LOCKOUT_WINDOW_SECONDS', 900, { doc: 'Window in which failed logins are counted.', min: 1, max: 86400 }),
    lockoutSeconds: env.int('AUTH_LOCKOUT_SECONDS', 900, { doc: 'How long a lockout lasts (an admin can clear it sooner).', min: 1, max: 604800 }),
    ipLockoutThreshold: env.int('AUTH_IP_LOCKOUT_THRESHOLD', 100, {
      doc: 'Failed logins from one source IP within the window that lock that IP (0: never). Keep it loose: every OMFLOW login comes from the OMFLOW server.',
      min: 0,
      max: 100000,
    }),
    rateLimitPerMinute: env.int('AUTH_RATE_LIMIT_PER_MINUTE', 600, {
      doc: 'Requests to /authenticate accepted per source IP and minute, per instance (0: no limit).',
      min: 0,
      max: 1000000,
    }),
  },
  proxy: {
    enabled: env.bool('PROXY_ENABLED', true, {
      doc: 'Serve the WorkPlus employee API (`/v1/admin/organizations/{code}/...`) in front of the directory (DIRECTORY_*), for clients with `directory:read` / `directory:write`.',
    }),
    auditReads: env.oneOf('PROXY_AUDIT_READS', ['off', 'all'] as const, 'all', {
      doc: 'Audit proxy reads (`all`) or only changes and refusals (`off`). Changes are always audited.',
    }),
    syncAfterChanges: env.bool('PROXY_SYNC_AFTER_CHANGES', true, { doc: 'Run a sync (HR_SOURCE=directory) soon after a change made through the proxy.' }),
    syncDebounceSeconds: env.int('PROXY_SYNC_DEBOUNCE_SECONDS', 10, {
      doc: 'Wait this long after the first change through the proxy, then run one sync for every change made meanwhile.',
      min: 0,
      max: 3600,
    }),
  },
  access: {
    adminToken: env.optionalString('BRIDGE_ADMIN_TOKEN', {
      doc: 'Bearer token of the built-in `admin` client: at least 32 letters, digits or `-._~+/` (RFC 6750). Empty: one is generated on first start and printed once.',
      sensitive: true,
      minLength: 32,
      pattern: BEARER_TOKEN,
      what: 'made of letters, digits and - . _ ~ + / (a bearer token, RFC 6750), with "=" only at the end',
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
  notify: {
    webhookUrls: env.urlList('NOTIFY_WEBHOOK_URLS', {
      doc: 'Webhooks receiving the notifications (held and failed runs, first quarantines, OMFLOW pulls stale or resumed, removals due) as signed JSON, comma-separated http(s) URLs. Empty: no JSON webhook. See "Notifications".',
      protocols: ['http:', 'https:'],
    }),
    webhookSecret: env.optionalString('NOTIFY_WEBHOOK_SECRET', {
      doc: 'Key of the HMAC-SHA256 signature (`X-Bridge-Signature`) of every notification, at least 32 characters; required with NOTIFY_WEBHOOK_URLS.',
      sensitive: true,
      minLength: 32,
    }),
    chatWebhookUrls: env.urlList('NOTIFY_CHAT_WEBHOOK_URLS', {
      doc: 'Incoming webhooks of chat tools (Slack, Mattermost, Microsoft Teams...) receiving the same notifications as a `{"text": ...}` message, comma-separated. Their URLs are their credentials: never shown whole.',
      protocols: ['http:', 'https:'],
      sensitive: true,
    }),
    linkBaseUrl: env.url('NOTIFY_LINK_BASE_URL', {
      doc: "The bridge's address as its operators reach it (e.g. https://hr-bridge.example.com): makes the links in notifications absolute. Empty: links are paths.",
      protocols: ['http:', 'https:'],
    }),
    timeoutMs: env.int('NOTIFY_TIMEOUT_MS', 5000, {
      doc: 'Timeout of one webhook request; a request that takes longer is a failed attempt.',
      min: 100,
      max: 60000,
    }),
    maxAttempts: env.int('NOTIFY_MAX_ATTEMPTS', 10, {
      doc: 'Attempts per notification and webhook before it is abandoned (audited, shown in /health).',
      min: 1,
      max: 100,
    }),
    maxAgeHours: env.int('NOTIFY_MAX_AGE_HOURS', 24, { doc: 'A notification not delivered within this many hours is abandoned.', min: 1, max: 720 }),
    retryBaseSeconds: env.int('NOTIFY_RETRY_BASE_SECONDS', 10, {
      doc: 'First retry delay; each further retry waits twice as long (at most an hour), with random jitter.',
      min: 1,
      max: 3600,
    }),
  },
  audit: {
    flushMs: env.int('AUDIT_FLUSH_MS', 0, {
      doc: 'Longest wait (ms) before an idle audit appender writes a batch; 0 writes at the next tick (events arriving meanwhile share the commit).',
      min: 0,
      max: 1000,
    }),
    batchSize: env.int('AUDIT_BATCH_SIZE', 500, { doc: 'Most audit events committed in one transaction.', min: 1, max: 5000 }),
    retentionDays: env.int('AUDIT_RETENTION_DAYS', 0, {
      doc: 'Archive, then remove, audit events older than this many days (0: keep them forever).',
      min: 0,
      max: 36500,
    }),
    retentionIntervalMinutes: env.int('AUDIT_RETENTION_INTERVAL_MINUTES', 60, {
      doc: 'How often each instance checks for audit events past AUDIT_RETENTION_DAYS (0: only on POST /api/v1/audit/retention/run).',
      min: 0,
      max: 10080,
    }),
    archiveDir: env.string('AUDIT_ARCHIVE_DIR', './data/audit-archive', { doc: 'Directory receiving the NDJSON archives of removed audit events.' }),
    exportPageSize: env.int('AUDIT_EXPORT_PAGE_SIZE', 500, {
      doc: 'Events read per query while exporting, verifying or archiving the audit trail.',
      min: 10,
      max: 10000,
    }),
    hmacKey: env.optionalString('AUDIT_HMAC_KEY', {
      doc: 'Key sealing new audit events (HMAC-SHA256, chain format audit-v2): `id:secret` or a bare secret without colons (its id is then derived from it), the secret at least 32 characters. Keep it out of the database and its backups. Empty, with no AUDIT_HMAC_KEY_FILE: on SQLite a key file is generated beside the database (`audit-hmac.keys`); on MySQL the trail is written unkeyed (audit-v1) with a warning at every start. See "Security".',
      sensitive: true,
      pattern: AUDIT_KEY_PATTERN,
      what: 'a secret of at least 32 characters without spaces or commas, optionally preceded by a key id (`id:secret`, the id 1 to 32 letters, digits, dots, dashes or underscores)',
    }),
    hmacKeysRetired: env.optionalString('AUDIT_HMAC_KEYS_RETIRED', {
      doc: 'Earlier audit keys, comma-separated, in the form of AUDIT_HMAC_KEY: no longer used to seal, still used to verify the events they sealed.',
      sensitive: true,
      pattern: AUDIT_KEYS_PATTERN,
      what: 'a comma-separated list of audit keys (`id:secret`, secrets of at least 32 characters)',
    }),
    hmacKeyFile: env.file('AUDIT_HMAC_KEY_FILE', {
      doc: 'File of audit keys instead of AUDIT_HMAC_KEY and AUDIT_HMAC_KEYS_RETIRED: one `id:secret` per line (`#` starts a comment), oldest first; the last line seals new events, the others verify older ones. Rotate by appending a line.',
    }),
    checkpointFile: env.string('AUDIT_CHECKPOINT_FILE', '', {
      doc: 'Append-only file receiving signed checkpoints of the audit chain head (also logged), which `verify` reads to detect a truncated or rewritten trail. Empty: `audit-checkpoints.ndjson` beside the SQLite database, or `./data/audit-checkpoints.ndjson` on MySQL; `off`: the log only. Keep a copy outside this machine.',
    }),
    checkpointEvery: env.int('AUDIT_CHECKPOINT_EVERY', 1000, {
      doc: 'Publish an audit checkpoint after this many new events (and at start-up, shutdown and retention).',
      min: 1,
      max: 1000000,
    }),
    checkpointIntervalMinutes: env.int('AUDIT_CHECKPOINT_INTERVAL_MINUTES', 15, {
      doc: 'Also publish an audit checkpoint this often when the chain has moved since the last one (0: only by count).',
      min: 0,
      max: 10080,
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
export function parseSpec<S extends Spec>(spec: S, source: NodeJS.ProcessEnv, declared = new Set(listVars(spec).map((v) => v.name))): Parsed<S> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(spec)) {
    if (!isVar(node)) {
      out[key] = parseSpec(node, source, declared);
      continue;
    }
    // A variable named `<NAME>_FILE` of its own (AUDIT_HMAC_KEY_FILE: a key file with several keys) keeps its meaning.
    const fromFile = node.sensitive && !declared.has(`${node.name}_FILE`);
    out[key] = node.parse(fromFile ? secretValue(node.name, source) : source[node.name]);
  }
  return out as Parsed<S>;
}

/**
 * A sensitive variable's value: `NAME` itself, or the content of the file `NAME_FILE` names
 * (Docker and Kubernetes secrets; one trailing newline dropped). Both at once is an error, and
 * so is a file that cannot be read; the messages name the file, never its content.
 */
export function secretValue(name: string, source: NodeJS.ProcessEnv): string | undefined {
  const file = source[`${name}_FILE`]?.trim();
  if (!file) return source[name];
  if (source[name]?.trim()) throw new ConfigError(`${name}_FILE`, `cannot be combined with ${name}: set one of them`);
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(`${name}_FILE`, `names a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
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
  const { sync, directory } = config;
  const fallbacks = [sync.policyMissingEmail, sync.policyInvalidEmail, sync.policyDuplicateEmail].includes('fallback');
  if (fallbacks && !sync.emailTemplate) throw new ConfigError('EMAIL_FALLBACK_TEMPLATE', 'is required when a POLICY_*_EMAIL is fallback');
  if (sync.source === 'directory') {
    for (const [name, value] of [
      ['DIRECTORY_URL', directory.url],
      ['DIRECTORY_ORG_CODE', directory.orgCode],
    ] as const) {
      if (!value) throw new ConfigError(name, 'is required when HR_SOURCE=directory');
    }
    if (!directory.token && !(directory.clientId && directory.clientSecret)) {
      throw new ConfigError('DIRECTORY_CLIENT_ID', 'and DIRECTORY_CLIENT_SECRET (or DIRECTORY_TOKEN) are required when HR_SOURCE=directory');
    }
  }
  if (config.database.url && sync.source === 'file' && sync.file === SAMPLE_ORGANISATION_FILE && !sync.allowSample) {
    throw new ConfigError(
      'HR_FILE',
      'is the bundled sample organisation, which is not published to a production database by accident: on MySQL set HR_SOURCE=directory (and DIRECTORY_*) or HR_FILE to your organisation, or ALLOW_SAMPLE_ORGANISATION=true to publish the sample on purpose',
    );
  }
  if (config.auth.verifier === 'ldap') checkLdap(config.auth);
  const { audit } = config;
  if (audit.hmacKeyFile && (audit.hmacKey || audit.hmacKeysRetired)) {
    throw new ConfigError('AUDIT_HMAC_KEY_FILE', 'cannot be combined with AUDIT_HMAC_KEY or AUDIT_HMAC_KEYS_RETIRED: put every key in the file');
  }
  if (audit.hmacKeysRetired && !audit.hmacKey) throw new ConfigError('AUDIT_HMAC_KEY', 'is required when AUDIT_HMAC_KEYS_RETIRED is set');
  const { notify } = config;
  if (notify.webhookUrls.length && !notify.webhookSecret) throw new ConfigError('NOTIFY_WEBHOOK_SECRET', 'is required when NOTIFY_WEBHOOK_URLS is set');
  const { readback } = config;
  if (readback.url) {
    if (!readback.apiUser) throw new ConfigError('OMFLOW_API_USER', 'is required when OMFLOW_URL is set');
    if (!readback.apiPassword) throw new ConfigError('OMFLOW_API_PASSWORD', 'is required when OMFLOW_URL is set');
  }
  if (Boolean(access.omflowClientId) !== Boolean(access.omflowClientSecret)) {
    throw new ConfigError(access.omflowClientId ? 'OMFLOW_CLIENT_SECRET' : 'OMFLOW_CLIENT_ID', 'is required when the other OMFLOW credential is set');
  }
  return config;
}

/**
 * AUTH_VERIFIER=ldap needs a server and one complete way of finding a user's bind name: a
 * template (direct bind), or a service account with a search base and filter (search-then-bind).
 */
function checkLdap(auth: BridgeConfig['auth']): void {
  if (!auth.ldapUrl) throw new ConfigError('AUTH_LDAP_URL', 'is required when AUTH_VERIFIER=ldap');
  const url = new URL(auth.ldapUrl);
  if (url.pathname || url.search || url.username || url.password || !url.hostname) {
    throw new ConfigError('AUTH_LDAP_URL', 'must be ldap://host[:port] or ldaps://host[:port], without user, DN or query', auth.ldapUrl);
  }
  const secure = url.protocol === 'ldaps:';
  if (secure && auth.ldapStartTls) throw new ConfigError('AUTH_LDAP_STARTTLS', 'cannot be combined with an ldaps:// AUTH_LDAP_URL (already TLS)');
  if (auth.ldapCaFile && !secure && !auth.ldapStartTls) {
    throw new ConfigError('AUTH_LDAP_CA_FILE', 'is only used with an ldaps:// AUTH_LDAP_URL or AUTH_LDAP_STARTTLS=true');
  }
  const search = [
    ['AUTH_LDAP_BIND_DN', auth.ldapBindDn],
    ['AUTH_LDAP_BIND_PASSWORD', auth.ldapBindPassword],
    ['AUTH_LDAP_SEARCH_BASE', auth.ldapSearchBase],
    ['AUTH_LDAP_SEARCH_FILTER', auth.ldapSearchFilter],
  ] as const;
  if (auth.ldapBindDnTemplate) {
    const mixed = search.find(([, value]) => value);
    if (mixed) throw new ConfigError('AUTH_LDAP_BIND_DN_TEMPLATE', `cannot be combined with ${mixed[0]}: choose the direct bind or search-then-bind`);
    return;
  }
  const missing = search.find(([, value]) => !value);
  if (missing) {
    throw new ConfigError(
      missing[0],
      'is required when AUTH_VERIFIER=ldap without AUTH_LDAP_BIND_DN_TEMPLATE (search-then-bind needs AUTH_LDAP_BIND_DN, AUTH_LDAP_BIND_PASSWORD, AUTH_LDAP_SEARCH_BASE and AUTH_LDAP_SEARCH_FILTER)',
    );
  }
}
