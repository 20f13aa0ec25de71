import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OMFLOW_COLLATIONS } from '#app/omflow-contract';
import { ORG_CODE_PATTERN } from '#app/workplus';
import { bridgeEnv, listVars, loadBridgeConfig, OMFLOW_COLLATION_NAMES, ORG_CODE } from './bridge-config.js';
import { ConfigError } from './env-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
const cert = join(dir, 'cert.pem');
const key = join(dir, 'key.pem');
writeFileSync(cert, 'cert');
writeFileSync(key, 'key');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadBridgeConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadBridgeConfig', () => {
  it('starts on the embedded defaults with an empty environment', () => {
    const config = loadBridgeConfig({});
    expect(config.http).toMatchObject({ port: 8080, host: '0.0.0.0', bodyLimit: 10 * 1024 * 1024, trustProxy: false, docsEnabled: true });
    expect(config.database).toMatchObject({ url: undefined, sqlitePath: './data/bridge.sqlite', migrationsRun: true });
    expect(config.access).toMatchObject({ adminToken: undefined, omflowClientId: undefined, omflowClientSecret: undefined });
  });

  it('reads a production-like environment', () => {
    const config = loadBridgeConfig({
      PORT: '443',
      DATABASE_URL: 'mariadb://bridge:pw@db:3306/bridge',
      HR_FILE: '/srv/hr/organisation.json',
      TLS_CERT_FILE: cert,
      TLS_KEY_FILE: key,
      BRIDGE_ADMIN_TOKEN: 'a'.repeat(40),
      OMFLOW_CLIENT_ID: 'omflow',
      OMFLOW_CLIENT_SECRET: 'b'.repeat(20),
      LOG_LEVEL: 'warn',
    });
    expect(config.http.port).toBe(443);
    expect(config.database.url).toBe('mariadb://bridge:pw@db:3306/bridge');
    expect(config.http.tlsCertFile).toBe(cert);
    expect(config.access.omflowClientId).toBe('omflow');
    expect(config.log.level).toBe('warn');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer between 0 and 65535 (got "abc")'],
    [{ DATABASE_POOL_SIZE: '0' }, 'DATABASE_POOL_SIZE must be an integer between 1 and 200 (got "0")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY must be true or false (got "maybe")'],
    [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT must be a size such as 512kb, 10mb or a number of bytes (got "huge")'],
    [{ TLS_CERT_FILE: '/nonexistent/cert.pem' }, 'TLS_CERT_FILE must name a file that exists (got "/nonexistent/cert.pem")'],
    [
      { OMFLOW_CLIENT_ID: 'a b', OMFLOW_CLIENT_SECRET: 'x'.repeat(16) },
      'OMFLOW_CLIENT_ID must be 3 to 64 letters, digits, dots, dashes or underscores (got "a b")',
    ],
    [{ DATABASE_URL: 'postgres://u:p@h/db' }, 'DATABASE_URL must be a URL starting with mysql:// or mariadb://'],
    [{ DIRECTORY_ORG_CODE: '..' }, 'DIRECTORY_ORG_CODE must be 1 to 64 letters, digits, dots, dashes or underscores, not "." or ".." (got "..")'],
    [{ DIRECTORY_ORG_CODE: 'acme/x' }, 'DIRECTORY_ORG_CODE must be 1 to 64 letters, digits, dots, dashes or underscores, not "." or ".." (got "acme/x")'],
  ])('refuses %j with one line naming the variable: %s', (env, message) => {
    const error = failure(env);
    expect(error.message).toBe(message);
    expect(error.message).not.toContain('\n');
  });

  it('reads GUARD_DELETION_GRACE_HOURS as hours, decimals allowed (24 by default, 0 removes at once), and refuses a bad value in one line', () => {
    expect(loadBridgeConfig({}).sync.deletionGraceHours).toBe(24);
    expect(loadBridgeConfig({ GUARD_DELETION_GRACE_HOURS: '0' }).sync.deletionGraceHours).toBe(0);
    expect(loadBridgeConfig({ GUARD_DELETION_GRACE_HOURS: '0.001' }).sync.deletionGraceHours).toBe(0.001);
    expect(loadBridgeConfig({ GUARD_DELETION_GRACE_HOURS: '72' }).sync.deletionGraceHours).toBe(72);
    for (const bad of ['-1', 'a day', '1e3', '9000', 'Infinity'])
      expect(failure({ GUARD_DELETION_GRACE_HOURS: bad }).message).toBe(`GUARD_DELETION_GRACE_HOURS must be a number between 0 and 8760 (got "${bad}")`);
  });

  it("takes OMFLOW's database collation among those the query API reproduces, and refuses another naming the variable", () => {
    expect(loadBridgeConfig({}).query.collation).toBe('utf8mb4_unicode_ci');
    expect(loadBridgeConfig({ OMFLOW_COLLATION: 'utf8mb4_0900_ai_ci' }).query.collation).toBe('utf8mb4_0900_ai_ci');
    expect(failure({ OMFLOW_COLLATION: 'utf8mb4_bin' }).message).toBe(
      'OMFLOW_COLLATION must be one of utf8mb4_unicode_ci, utf8mb4_general_ci, utf8mb4_0900_ai_ci (got "utf8mb4_bin")',
    );
    expect([...OMFLOW_COLLATION_NAMES]).toEqual([...OMFLOW_COLLATIONS]);
  });

  it('takes an organisation code the WorkPlus paths can carry as it is', () => {
    expect(loadBridgeConfig({ DIRECTORY_ORG_CODE: 'omflow-demo' }).directory.orgCode).toBe('omflow-demo');
    expect(loadBridgeConfig({ DIRECTORY_ORG_CODE: 'acme.cn' }).directory.orgCode).toBe('acme.cn');
    expect(ORG_CODE.source).toBe(ORG_CODE_PATTERN.source);
  });

  it('takes an admin token only in the bearer token alphabet (RFC 6750), which the Authorization header can carry', () => {
    const token = `${'a'.repeat(31)}-._~+/0Z==`;
    expect(loadBridgeConfig({ BRIDGE_ADMIN_TOKEN: token }).access.adminToken).toBe(token);
    const bad = `${'a'.repeat(32)} !secret-part`;
    const message = failure({ BRIDGE_ADMIN_TOKEN: bad }).message;
    expect(message).toBe('BRIDGE_ADMIN_TOKEN must be made of letters, digits and - . _ ~ + / (a bearer token, RFC 6750), with "=" only at the end');
    expect(message).not.toContain('secret-part');
  });

  it('never echoes secrets: the admin token, the OMFLOW secret, the database URL', () => {
    const token = 'short-admin-token';
    expect(failure({ BRIDGE_ADMIN_TOKEN: token }).message).toBe('BRIDGE_ADMIN_TOKEN must be at least 32 characters long');
    const secret = 'short-secret';
    const omflow = failure({ OMFLOW_CLIENT_ID: 'omflow', OMFLOW_CLIENT_SECRET: secret }).message;
    expect(omflow).toBe('OMFLOW_CLIENT_SECRET must be at least 16 characters long');
    const url = failure({ DATABASE_URL: 'http://user:hunter2-password@db/bridge' }).message;
    expect(url).not.toContain('hunter2');
    expect(failure({ DATABASE_URL: 'not a url hunter2' }).message).not.toContain('hunter2');
    const sensitive = listVars(bridgeEnv)
      .filter((v) => v.sensitive)
      .map((v) => v.name);
    expect(sensitive).toEqual(expect.arrayContaining(['DATABASE_URL', 'BRIDGE_ADMIN_TOKEN', 'OMFLOW_CLIENT_SECRET']));
  });

  it('reads every sensitive variable from <NAME>_FILE too (Docker and Kubernetes secrets), never both, never echoing the content', () => {
    const token = 'file-admin-token-0123456789abcdef0123456789';
    const tokenFile = join(dir, 'admin-token');
    writeFileSync(tokenFile, `${token}\n`);
    const dbFile = join(dir, 'database-url');
    writeFileSync(dbFile, 'mysql://bridge:hunter2-password@db:3306/bridge');
    const config = loadBridgeConfig({ BRIDGE_ADMIN_TOKEN_FILE: tokenFile, DATABASE_URL_FILE: dbFile, HR_FILE: '/srv/hr/organisation.json' });
    expect(config.access.adminToken).toBe(token);
    expect(config.database.url).toBe('mysql://bridge:hunter2-password@db:3306/bridge');
    expect(failure({ BRIDGE_ADMIN_TOKEN: token, BRIDGE_ADMIN_TOKEN_FILE: tokenFile }).message).toBe(
      'BRIDGE_ADMIN_TOKEN_FILE cannot be combined with BRIDGE_ADMIN_TOKEN: set one of them',
    );
    expect(failure({ OMFLOW_CLIENT_ID: 'omflow', OMFLOW_CLIENT_SECRET_FILE: join(dir, 'missing') }).message).toMatch(
      /^OMFLOW_CLIENT_SECRET_FILE names a file that cannot be read \(ENOENT\)/,
    );
    // The file's content is validated as the variable's value, and not shown.
    writeFileSync(tokenFile, 'short-secret-in-a-file');
    const short = failure({ BRIDGE_ADMIN_TOKEN_FILE: tokenFile }).message;
    expect(short).toBe('BRIDGE_ADMIN_TOKEN must be at least 32 characters long');
    // AUDIT_HMAC_KEY_FILE is a variable of its own (a key file holding several keys), not AUDIT_HMAC_KEY's value.
    expect(loadBridgeConfig({ AUDIT_HMAC_KEY_FILE: tokenFile }).audit.hmacKey).toBeFalsy();
    // Only sensitive variables read a file.
    expect(loadBridgeConfig({ PORT_FILE: tokenFile }).http.port).toBe(loadBridgeConfig({}).http.port);
  });

  it('refuses the bundled sample organisation on MySQL unless asked for explicitly', () => {
    const mysql = { DATABASE_URL: 'mysql://bridge:pw@db:3306/bridge' };
    expect(failure(mysql).message).toMatch(/^HR_FILE is the bundled sample organisation, which is not published to a production database by accident/);
    expect(failure({ ...mysql, HR_SOURCE: 'file' }).variable).toBe('HR_FILE');
    expect(loadBridgeConfig({ ...mysql, ALLOW_SAMPLE_ORGANISATION: 'true' }).sync.allowSample).toBe(true);
    expect(loadBridgeConfig({ ...mysql, HR_FILE: cert }).sync.file).toBe(cert);
    expect(loadBridgeConfig({}).database.url).toBeFalsy(); // SQLite with the sample: the embedded demo, as ever
  });

  it('refuses a cron expression out of range with the other variables', () => {
    expect(failure({ SYNC_CRON: '99 * * * *' }).message).toMatch(/^SYNC_CRON must be a valid cron expression, or off: .*out of range/);
  });

  it('applies the cross-field rules: both TLS files or neither, both OMFLOW credentials or neither', () => {
    expect(failure({ TLS_CERT_FILE: cert }).message).toBe('TLS_KEY_FILE is required when the other TLS file is set');
    expect(failure({ TLS_KEY_FILE: key }).message).toBe('TLS_CERT_FILE is required when the other TLS file is set');
    expect(failure({ OMFLOW_CLIENT_ID: 'omflow' }).message).toBe('OMFLOW_CLIENT_SECRET is required when the other OMFLOW credential is set');
    expect(failure({ OMFLOW_CLIENT_SECRET: 'x'.repeat(16) }).message).toBe('OMFLOW_CLIENT_ID is required when the other OMFLOW credential is set');
  });

  it('reads the audit keys and checkpoints, refuses malformed keys without echoing them, and one source of keys at a time', () => {
    const config = loadBridgeConfig({ AUDIT_HMAC_KEY: `k2:${'s'.repeat(32)}`, AUDIT_HMAC_KEYS_RETIRED: `k1:${'r'.repeat(32)} , ${'b'.repeat(40)}` });
    expect(config.audit).toMatchObject({ hmacKey: `k2:${'s'.repeat(32)}`, checkpointFile: '', checkpointEvery: 1000, checkpointIntervalMinutes: 15 });
    for (const bad of ['k1:too-short-a-secret', `k1:${'a'.repeat(20)} ${'b'.repeat(20)}`, `bad id:${'c'.repeat(32)}`]) {
      const message = failure({ AUDIT_HMAC_KEY: bad }).message;
      expect(message).toMatch(/^AUDIT_HMAC_KEY must be a secret of at least 32 characters/);
      expect(message).not.toContain(bad);
      expect(failure({ AUDIT_HMAC_KEY: `k2:${'s'.repeat(32)}`, AUDIT_HMAC_KEYS_RETIRED: bad }).message).not.toContain(bad);
    }
    expect(failure({ AUDIT_HMAC_KEY_FILE: cert, AUDIT_HMAC_KEY: 's'.repeat(32) }).message).toMatch(/^AUDIT_HMAC_KEY_FILE cannot be combined/);
    expect(failure({ AUDIT_HMAC_KEYS_RETIRED: `k1:${'r'.repeat(32)}` }).message).toBe('AUDIT_HMAC_KEY is required when AUDIT_HMAC_KEYS_RETIRED is set');
    const sensitive = listVars(bridgeEnv)
      .filter((v) => v.sensitive)
      .map((v) => v.name);
    expect(sensitive).toEqual(expect.arrayContaining(['AUDIT_HMAC_KEY', 'AUDIT_HMAC_KEYS_RETIRED']));
  });

  it('reads the notification webhooks, refuses bad URLs without echoing the chat ones, and requires the secret with JSON webhooks', () => {
    const secretFile = join(dir, 'notify-secret');
    writeFileSync(secretFile, `${'w'.repeat(40)}\n`);
    const config = loadBridgeConfig({
      NOTIFY_WEBHOOK_URLS: ' https://hooks.example/a?x=1 , http://10.0.0.2:9000/b ',
      NOTIFY_WEBHOOK_SECRET_FILE: secretFile,
      NOTIFY_CHAT_WEBHOOK_URLS: 'https://hooks.slack.com/services/T0/B0/XYZ',
    });
    expect(config.notify).toMatchObject({
      webhookUrls: ['https://hooks.example/a?x=1', 'http://10.0.0.2:9000/b'],
      webhookSecret: 'w'.repeat(40),
      chatWebhookUrls: ['https://hooks.slack.com/services/T0/B0/XYZ'],
      timeoutMs: 5000,
      maxAttempts: 10,
      maxAgeHours: 24,
      retryBaseSeconds: 10,
    });
    expect(loadBridgeConfig({}).notify).toMatchObject({ webhookUrls: [], chatWebhookUrls: [], webhookSecret: undefined });
    expect(failure({ NOTIFY_WEBHOOK_URLS: 'https://hooks.example/a' }).message).toBe('NOTIFY_WEBHOOK_SECRET is required when NOTIFY_WEBHOOK_URLS is set');
    expect(failure({ NOTIFY_WEBHOOK_URLS: 'https://a.example/x,ftp://b.example/y', NOTIFY_WEBHOOK_SECRET: 's'.repeat(32) }).message).toBe(
      'NOTIFY_WEBHOOK_URLS must be comma-separated URLs starting with http:// or https://; item 2 is not (got "https://a.example/x,ftp://b.example/y")',
    );
    const chat = failure({ NOTIFY_CHAT_WEBHOOK_URLS: 'hooks.slack.com/services/T0/B0/SECRETPATH' }).message;
    expect(chat).toMatch(/^NOTIFY_CHAT_WEBHOOK_URLS must be comma-separated URLs/);
    expect(chat).not.toContain('SECRETPATH');
    expect(failure({ NOTIFY_WEBHOOK_URLS: 'https://a.example/x', NOTIFY_WEBHOOK_SECRET: 'short' }).message).toBe(
      'NOTIFY_WEBHOOK_SECRET must be at least 32 characters long',
    );
    expect(failure({ NOTIFY_CHAT_WEBHOOK_URLS: 'https://a.example/x, https://a.example/x' }).message).toBe(
      'NOTIFY_CHAT_WEBHOOK_URLS must not name the same URL twice',
    );
  });

  it('reads AUTH_VERIFIER=ldap in either mode, the bind password also from a file, and refuses an incomplete or mixed mode', () => {
    const url = { AUTH_VERIFIER: 'ldap', AUTH_LDAP_URL: 'ldaps://dc1.corp.example:636' };
    const search = { AUTH_LDAP_BIND_DN: 'cn=svc,dc=corp', AUTH_LDAP_SEARCH_BASE: 'dc=corp', AUTH_LDAP_SEARCH_FILTER: '(sAMAccountName={username})' };
    const secret = join(dir, 'ldap-bind-password');
    writeFileSync(secret, 's3rvice-pass\n');
    const config = loadBridgeConfig({ ...url, ...search, AUTH_LDAP_BIND_PASSWORD_FILE: secret });
    expect(config.auth).toMatchObject({ verifier: 'ldap', ldapBindPassword: 's3rvice-pass', ldapTlsVerify: true, ldapPoolSize: 4, ldapStartTls: false });
    expect(loadBridgeConfig({ ...url, AUTH_LDAP_BIND_DN_TEMPLATE: '{username}@corp.example' }).auth.ldapBindDnTemplate).toBe('{username}@corp.example');

    expect(failure({ AUTH_VERIFIER: 'ldap' }).message).toBe('AUTH_LDAP_URL is required when AUTH_VERIFIER=ldap');
    expect(failure({ ...url }).message).toMatch(/^AUTH_LDAP_BIND_DN is required when AUTH_VERIFIER=ldap without AUTH_LDAP_BIND_DN_TEMPLATE/);
    expect(failure({ ...url, ...search }).message).toMatch(/^AUTH_LDAP_BIND_PASSWORD is required/);
    expect(failure({ ...url, ...search, AUTH_LDAP_BIND_PASSWORD: 'x', AUTH_LDAP_BIND_DN_TEMPLATE: 'uid={username},dc=corp' }).message).toBe(
      'AUTH_LDAP_BIND_DN_TEMPLATE cannot be combined with AUTH_LDAP_BIND_DN: choose the direct bind or search-then-bind',
    );
    expect(failure({ ...url, AUTH_LDAP_BIND_DN_TEMPLATE: 'uid=alice,dc=corp' }).message).toMatch(
      /^AUTH_LDAP_BIND_DN_TEMPLATE must be a bind DN or name containing \{username\}/,
    );
    expect(failure({ ...url, ...search, AUTH_LDAP_BIND_PASSWORD: 'x', AUTH_LDAP_SEARCH_FILTER: 'uid={username}' }).message).toMatch(
      /^AUTH_LDAP_SEARCH_FILTER must be an LDAP filter/,
    );
    const direct = { AUTH_VERIFIER: 'ldap', AUTH_LDAP_BIND_DN_TEMPLATE: 'uid={username},dc=corp' };
    expect(failure({ ...direct, AUTH_LDAP_URL: 'http://dc1' }).message).toMatch(/^AUTH_LDAP_URL must be a URL starting with ldap:\/\/ or ldaps:\/\//);
    expect(failure({ ...direct, AUTH_LDAP_URL: 'ldap://dc1/dc=corp' }).message).toMatch(/^AUTH_LDAP_URL must be ldap:\/\/host\[:port\]/);
    expect(failure({ ...direct, AUTH_LDAP_URL: 'ldaps://dc1', AUTH_LDAP_STARTTLS: 'true' }).message).toMatch(/^AUTH_LDAP_STARTTLS cannot be combined/);
    expect(failure({ ...direct, AUTH_LDAP_URL: 'ldap://dc1', AUTH_LDAP_CA_FILE: cert }).message).toMatch(/^AUTH_LDAP_CA_FILE is only used with/);
    expect(loadBridgeConfig({ ...direct, AUTH_LDAP_URL: 'ldap://dc1', AUTH_LDAP_STARTTLS: 'true', AUTH_LDAP_CA_FILE: cert }).auth.ldapCaFile).toBe(cert);
    // Another verifier ignores the LDAP settings.
    expect(loadBridgeConfig({ AUTH_LDAP_URL: 'ldap://dc1' }).auth.verifier).toBe('local');
  });

  it('reads the read-back of OMFLOW: its URL with the API account, the password also from a file, never echoed', () => {
    expect(loadBridgeConfig({}).readback).toMatchObject({
      url: undefined,
      cron: '0 * * * *',
      afterPullSeconds: 60,
      timeoutMs: 15000,
      pageSize: 1000,
      samples: 20,
    });
    const passwordFile = join(dir, 'omflow-api-password');
    writeFileSync(passwordFile, 'api-password-0815\n');
    const config = loadBridgeConfig({
      OMFLOW_URL: 'https://omflow.example.com/',
      OMFLOW_API_USER: 'hr-bridge',
      OMFLOW_API_PASSWORD_FILE: passwordFile,
      RECONCILE_CRON: 'off',
    });
    expect(config.readback).toMatchObject({ url: 'https://omflow.example.com', apiUser: 'hr-bridge', apiPassword: 'api-password-0815', cron: undefined });
    expect(failure({ OMFLOW_URL: 'https://omflow.example.com' }).message).toMatch(/^OMFLOW_API_USER is required when OMFLOW_URL is set/);
    const missing = failure({ OMFLOW_URL: 'https://omflow.example.com', OMFLOW_API_USER: 'hr-bridge' });
    expect(missing.message).toMatch(/^OMFLOW_API_PASSWORD is required when OMFLOW_URL is set/);
    expect(failure({ OMFLOW_URL: 'ftp://omflow' }).message).toMatch(/^OMFLOW_URL must be a URL starting with http:\/\/ or https:\/\//);
    expect(failure({ OMFLOW_API_USER: 'a:b' }).message).toMatch(/^OMFLOW_API_USER must be a user name/);
    const both = failure({ OMFLOW_API_PASSWORD: 'api-password-0815', OMFLOW_API_PASSWORD_FILE: passwordFile });
    expect(both.message).not.toContain('api-password-0815');
    expect(failure({ RECONCILE_CRON: '99 * * * *' }).message).toMatch(/^RECONCILE_CRON must be a valid cron expression/);
  });

  it('declares every variable once', () => {
    const names = listVars(bridgeEnv).map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    for (const v of listVars(bridgeEnv)) expect(v.doc.length, `${v.name} needs a doc line`).toBeGreaterThan(0);
  });
});
