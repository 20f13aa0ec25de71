import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadBridgeConfig } from '#app/config';
import { LDAP_PEOPLE, LDAP_SERVICE, startTestLdap, type TestLdap } from '../../../../test/support/ldap.js';
import { LdapPasswordVerifier } from './ldap-password.verifier.js';

/** The verifier against a real OpenLDAP server (the bridge-level cases are in test/auth/ldap-*.e2e-spec.ts). */
describe('LdapPasswordVerifier', () => {
  let ldap: TestLdap;
  beforeAll(async () => {
    ldap = await startTestLdap([{ uid: 'alice', password: 'alice-Dir-pass-1' }]);
  });
  afterAll(() => ldap?.close());

  const direct = {
    AUTH_VERIFIER: 'ldap',
    AUTH_LDAP_BIND_DN_TEMPLATE: `uid={username},${LDAP_PEOPLE}`,
    AUTH_LDAP_CONNECT_TIMEOUT_MS: '600',
    AUTH_LDAP_TIMEOUT_MS: '600',
  };
  const verifier = (env: NodeJS.ProcessEnv) => new LdapPasswordVerifier(loadBridgeConfig({ ...direct, ...env }));

  it('refuses StartTLS to a server whose certificate it cannot verify, and never falls back to plain text', async () => {
    const v = verifier({ AUTH_LDAP_URL: ldap.url, AUTH_LDAP_STARTTLS: 'true' });
    await ldap.takeBinds();
    expect(await v.verify('alice', 'alice-Dir-pass-1')).toEqual({ ok: false, reason: 'upstream_error' });
    expect(await ldap.takeBinds()).toEqual([]);
  });

  it('connects without verifying the certificate only when told to (AUTH_LDAP_TLS_VERIFY=false)', async () => {
    expect(await verifier({ AUTH_LDAP_URL: ldap.ldapsUrl }).verify('alice', 'alice-Dir-pass-1')).toEqual({ ok: false, reason: 'upstream_error' });
    expect(await verifier({ AUTH_LDAP_URL: ldap.ldapsUrl, AUTH_LDAP_TLS_VERIFY: 'false' }).verify('alice', 'alice-Dir-pass-1')).toEqual({
      ok: true,
      mustChange: false,
    });
  });

  it('treats a refused connection as an upstream failure', async () => {
    const closed = new URL(ldap.url);
    closed.port = '1';
    expect(await verifier({ AUTH_LDAP_URL: closed.toString() }).verify('alice', 'alice-Dir-pass-1')).toEqual({ ok: false, reason: 'upstream_error' });
  });

  it('refuses, at start-up, a search filter that does not parse and a CA file that cannot be read', () => {
    const search = {
      AUTH_VERIFIER: 'ldap',
      AUTH_LDAP_URL: ldap.url,
      AUTH_LDAP_BIND_DN: LDAP_SERVICE.dn,
      AUTH_LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
      AUTH_LDAP_SEARCH_BASE: LDAP_PEOPLE,
    };
    expect(() => new LdapPasswordVerifier(loadBridgeConfig({ ...search, AUTH_LDAP_SEARCH_FILTER: '(uid={username})(objectClass=person)' }))).toThrow(
      /AUTH_LDAP_SEARCH_FILTER is not a valid LDAP filter/,
    );
    const config = loadBridgeConfig({ ...direct, AUTH_LDAP_URL: ldap.ldapsUrl, AUTH_LDAP_CA_FILE: ldap.caFile });
    expect(() => new LdapPasswordVerifier({ ...config, auth: { ...config.auth, ldapCaFile: '/nonexistent/ca.pem' } })).toThrow(ConfigError);
  });
});
