import { Writable } from 'node:stream';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '#app/database';
import { DirectoryClient } from '#app/hr-source';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { auditEvents, caller, exported, faults, newClient, type ProxyCaller } from './helpers.js';

/**
 * The outside review's attacks on the proxy (issue 11): path segments that climb out of
 * `/employees`, upstream answers echoing the bridge's directory token, loose bearer headers.
 */
/** Every line the bridges of this file log (LOG_LEVEL=debug): each bridge gets this sink as its log destination. */
const logged: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged.push(chunk.toString());
    done();
  },
});

describe.each(testDatabases())('the directory proxy under attack ($kind)', (db) => {
  let emulator: RunningEmulator;
  let bridge: RunningBridge;
  let writerSecret: string;
  let writer: ProxyCaller;
  let employeeId: string;

  /** The directory token the bridge holds (fetched with the app credentials, kept in the database). */
  const upstreamToken = async (): Promise<string> => {
    const ds = await new DataSource(buildDataSourceOptions(bridge.config.database)).initialize();
    try {
      const [row]: { access_token: string | null }[] = await ds.query("SELECT access_token FROM directory_token WHERE name = 'default'");
      expect(row?.access_token).toMatch(/.{16,}/);
      return row.access_token as string;
    } finally {
      await ds.destroy();
    }
  };

  /** The audit trail as stored, every column of every row. */
  const storedAudit = async (): Promise<string> => {
    const ds = await new DataSource(buildDataSourceOptions(bridge.config.database)).initialize();
    try {
      return JSON.stringify(await ds.query('SELECT * FROM audit_event'));
    } finally {
      await ds.destroy();
    }
  };

  const firedErrors = async (): Promise<number> => {
    const res = await request(emulator.url).get('/_emulator/state');
    return (res.body as { faults_fired: { error: number } }).faults_fired.error;
  };

  /** Raw requests: the caller helper would let supertest normalise the path. */
  const raw = (method: 'get' | 'post' | 'delete', path: string, token = writerSecret) => {
    const req = request(bridge.url)[method](`/v1/admin/organizations/${emulator.orgCode}${path}?access_token=${token}`);
    return method === 'post' ? req.send({ name: 'x', positions: [{ org_id: 'x' }] }) : req;
  };

  const ATTACKS: ['get' | 'post' | 'delete', string][] = [
    ['delete', '/employees/%2E%2E'],
    ['delete', '/employees/%2e%2e'],
    ['get', '/employees/%2E%2E'],
    ['get', '/employees/%2E'],
    ['get', '/employees/.%2E'],
    ['post', '/employees/%2E%2E'],
    ['post', '/employees/%2E%2E/disable'],
    ['get', '/employees/%2E%2E%2F%2E%2E%2Fview'],
    ['get', '/employees/a%2Fb'],
    ['get', '/employees/a%5Cb'],
    ['get', '/employees/%252E%252E'],
    ['get', '/employees/x%3Faccess_token%3Dy'],
    ['get', `/employees/${'a'.repeat(65)}`],
  ];

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 12, departments: 3, seed: 5 });
    bridge = await startBridge(
      testConfig(
        await db.create(),
        {},
        {
          BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          LOG_LEVEL: 'debug',
          PROXY_SYNC_AFTER_CHANGES: 'false',
          PROXY_AUDIT_READS: 'all',
          ...emulator.bridgeEnv({ DIRECTORY_RETRIES: '0' }),
        },
      ),
      { logDestination: sink },
    );
    writerSecret = await newClient(bridge, 'hr-writer', ['directory:read', 'directory:write'], [emulator.orgCode]);
    writer = caller(bridge, writerSecret, emulator.orgCode);
    employeeId = (await exported(emulator))[0].id;
    // A first call, so that the bridge holds a directory token.
    expect((await writer.get(`/employees/${employeeId}`)).body.status).toBe(0);
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('refuses dot segments and ids outside the contract alphabet with a 400, without reaching the directory', async () => {
    const before = JSON.stringify(await exported(emulator));
    // Every call that reaches the directory now fails (and is counted): a refusal must not count.
    await faults(emulator, { error_rate: 1 });
    try {
      for (const [method, path] of ATTACKS) {
        const res = await raw(method, path);
        expect(res.status, `${method} ${path}`).toBe(400);
        expect(res.body).toMatchObject({ status: 400, result: { fields: [{ field: 'employeeId' }] } });
      }
      expect(await firedErrors()).toBe(0);
    } finally {
      await faults(emulator, {});
    }
    expect(JSON.stringify(await exported(emulator))).toBe(before);
    // The refusals are audited (even reads: PROXY_AUDIT_READS=off still audits refusals).
    const refused = (await auditEvents(bridge, { outcome: 'failure' })).filter((e) => e.details.stage === 'validation');
    expect(refused.map((e) => e.action)).toEqual(
      expect.arrayContaining(['directory.employee.deleted', 'directory.employee.viewed', 'directory.employee.updated', 'directory.employee.disabled']),
    );
  });

  it('still serves ids the directory produces: 32 hex digits, numbers, and unknown ones answered by the directory', async () => {
    expect((await writer.get(`/employees/${employeeId}`)).body.status).toBe(0);
    expect((await writer.get('/employees/31718')).body.status).toBe(202012);
    expect((await writer.get('/employees/no-such_id')).body.status).toBe(202012);
  });

  it('never hands out the directory token: not in any answer, the audit trail or the log', async () => {
    const token = await upstreamToken();
    const answers: string[] = [];
    for (const [method, path] of ATTACKS) answers.push((await raw(method, path)).text);
    // Unknown organisation paths and routes of the proxy surface.
    answers.push((await request(bridge.url).get(`/v1/admin/organizations/${emulator.orgCode}`).query({ access_token: writerSecret })).text);
    answers.push((await raw('get', '/nothing/here')).text);
    for (const text of answers) expect(text).not.toContain(token);

    // The directory itself echoes the token in its 404s: whatever the client answers is scrubbed.
    const client = bridge.app.get(DirectoryClient, { strict: false });
    const echoed = await client.call({ method: 'GET', path: `/v1/admin/organizations/${emulator.orgCode}/no/such/route` });
    expect(echoed.status).toBe(404);
    expect(echoed.message).toMatch(/^Cannot GET \/v1\/admin\/organizations\/[^ ]*\/no\/such\/route\?access_token=\[redacted\]$/);
    expect(JSON.stringify(echoed)).not.toContain(token);

    const trail = JSON.stringify(await auditEvents(bridge, {}));
    expect(trail).toContain('directory.employee.viewed');
    expect(trail).not.toContain(token);
    expect(await storedAudit()).not.toContain(token);
    const log = logged.join('');
    expect(log).toContain(`"path":"/v1/admin/organizations/${emulator.orgCode}/employees/%2E%2E"`); // the request lines were written
    expect(log).not.toContain(token);
    expect(log).not.toContain(writerSecret);
  });

  it('takes exactly "Bearer <token>" in the header (scheme in any case), nothing looser', async () => {
    const url = `/v1/admin/organizations/${emulator.orgCode}/employees/${employeeId}`;
    for (const header of [`Bearer ${writerSecret}`, `bearer ${writerSecret}`, `BEARER ${writerSecret}`]) {
      const res = await request(bridge.url).get(url).set('Authorization', header);
      expect(res.status, header).toBe(200);
    }
    for (const header of [
      `Bearer\t${writerSecret}`,
      `Bearer  ${writerSecret}`,
      `Bearer${writerSecret}`,
      `Bearer ${writerSecret} x`,
      `Bearer ${writerSecret}!`,
    ]) {
      const res = await request(bridge.url).get(url).set('Authorization', header);
      expect(res.status, JSON.stringify(header)).toBe(401);
      expect(res.body.status).toBe(10011);
    }
  });
});
