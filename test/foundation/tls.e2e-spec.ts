import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';

// OMFLOW's documentation strongly recommends TLS between OMFLOW and the intermediary.
describe('HTTPS with TLS_CERT_FILE and TLS_KEY_FILE', () => {
  const db = testDatabases()[0];
  let bridge: RunningBridge;
  let cert: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-tls-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(certFile, 'utf8');
    bridge = await startBridge(testConfig(await db.create(), {}, { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile, BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN }));
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('serves HTTPS with the configured certificate, and not plain HTTP', async () => {
    const port = new URL(bridge.url).port;
    const res = await request(`https://127.0.0.1:${port}/health/live`, { dispatcher: new Agent({ connect: { ca: cert } }) });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ status: 'ok' });
    await expect(request(`http://127.0.0.1:${port}/health/live`, { headersTimeout: 2000 }).then((r) => r.body.text())).rejects.toThrow();
  });

  it("sets the console's session cookie Secure over TLS", async () => {
    const port = new URL(bridge.url).port;
    const res = await request(`https://127.0.0.1:${port}/api/v1/console/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'admin', secret: TEST_ADMIN_TOKEN }),
      dispatcher: new Agent({ connect: { ca: cert } }),
    });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(String(res.headers['set-cookie'])).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });
});
