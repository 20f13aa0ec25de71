import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SchedulerRegistry } from '@nestjs/schedule';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '#app/database';
import { admin, OMFLOW, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { DEPARTMENTS, people, writeOrganisation, type TestPerson } from '../support/organisation.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import type { Reconciliation } from '../support/omflow-emulator.js';

/**
 * The read-back of OMFLOW over real HTTP. Until the OMFLOW emulator lands, the OMFLOW side is a
 * second bridge serving the same OMFLOW-compatible user query API (seeds/001) over its own
 * database, fed an organisation of the test's choosing: the same one as the bridge under test
 * (in sync), or one where people were removed, added, renamed or moved (drift).
 */

const WEBHOOK_SECRET = 'whsec-readback-0123456789abcdef0123456789';


/** A stand-in OMFLOW answering the security code, then `answer` to every query. */
async function fakeOmflow(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/accounts/api/security/get')) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: 200, message: 'Successful.', result: { security: '0f8fad5b-d9cb-469f-a165-70867728950e' } }));
      return;
    }
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testDatabases())('read-back of OMFLOW ($kind)', (db) => {
  const dir = mkdtempSync(join(tmpdir(), 'readback-'));
  const bridgeFile = join(dir, 'bridge.json');
  const omflowFile = join(dir, 'omflow.json');
  const organisation: TestPerson[] = people(12);
  let omflowSide: RunningBridge;
  let bridge: RunningBridge;
  let database: DatabaseConfig;
  let apiClient: { id: string; secret: string };
  let receiver: WebhookReceiver;
  /** Every log line and answer of the bridge under test, to check that no credential appears in any. */
  const log: string[] = [];
  const answers: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString());
      done();
    },
  });
  const extra: RunningBridge[] = [];

  const readbackEnv = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    HR_SOURCE: 'file',
    HR_FILE: bridgeFile,
    OMFLOW_URL: omflowSide.url,
    OMFLOW_API_USER: apiClient.id,
    OMFLOW_API_PASSWORD: apiClient.secret,
    RECONCILE_CRON: 'off',
    RECONCILE_AFTER_PULL_SECONDS: '0',
    RECONCILE_SAMPLES: '3',
    OMFLOW_PAGE_SIZE: '5',
    ...env,
  });
  /** Another instance of the bridge under test, on the same database, with other read-back settings. */
  const instance = async (env: NodeJS.ProcessEnv) => {
    const started = await startBridgeWith(database, { env: readbackEnv(env) });
    extra.push(started);
    return started;
  };
  const run = async (on: RunningBridge = bridge): Promise<Reconciliation> => {
    const res = await request(on.url).post('/api/v1/omflow/reconciliation/run?wait=true').set(admin);
    answers.push(res.text);
    expect(res.status, res.text).toBe(200);
    return res.body as Reconciliation;
  };
  const last = async (): Promise<Reconciliation> => {
    const res = await request(bridge.url).get('/api/v1/omflow/reconciliation').set(admin);
    answers.push(res.text);
    expect(res.status, res.text).toBe(200);
    return res.body as Reconciliation;
  };
  const publish = async (on: RunningBridge) => {
    const res = await request(on.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.body.status, res.text).toMatch(/published|unchanged/);
  };
  /** OMFLOW pulls /sync of the bridge under test. */
  const pull = async () => {
    const res = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
    expect(res.body.status).toBe('success');
  };
  /** The OMFLOW side now holds `persons` (and `departments`). */
  const omflowHolds = async (persons: TestPerson[], departments = DEPARTMENTS) => {
    writeOrganisation(omflowFile, persons, departments);
    await publish(omflowSide);
  };
  const waitFor = async (what: () => Promise<boolean>, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    while (!(await what())) {
      if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms`);
      await sleep(100);
    }
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    writeOrganisation(bridgeFile, organisation);
    writeOrganisation(omflowFile, organisation);
    omflowSide = await startBridgeWith(await db.create(), {
      env: {
        HR_SOURCE: 'file',
        HR_FILE: omflowFile,
        GUARD_MAX_USER_REMOVAL_PERCENT: '100',
        GUARD_MAX_MOVE_PERCENT: '100',
        GUARD_MAX_GROUP_REMOVAL_PERCENT: '100',
        GUARD_HOLD_EMPTIED_DEPARTMENTS: '0',
      },
    });
    await publish(omflowSide);
    const created = await request(omflowSide.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ id: 'readback', name: 'readback', scopes: ['users:query'] });
    expect(created.status).toBe(201);
    apiClient = { id: 'readback', secret: String(created.body.secret) };
    database = await db.create();
    bridge = await startBridgeWith(database, {
      env: readbackEnv({
        LOG_LEVEL: 'debug',
        RECONCILE_AFTER_PULL_SECONDS: '1',
        NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`,
        NOTIFY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      }),
      logDestination: sink,
    });
    await publish(bridge);
  });
  afterAll(async () => {
    for (const b of extra) await b.close();
    await bridge?.close();
    await omflowSide?.close();
    await receiver?.close();
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no comparison before the first, and reports OMFLOW not having pulled at all: not in sync', async () => {
    const none = await request(bridge.url).get('/api/v1/omflow/reconciliation').set(admin);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toMatch(/No comparison with OMFLOW has ended yet/);

    const result = await run();
    expect(result).toMatchObject({ outcome: 'not-pulled', inSync: false, trigger: 'manual', counts: null, error: null });
    expect(result.snapshot.id).toBeNull();
    expect(result.snapshot.publishedId).toBeGreaterThan(0);
    expect(result.reasons.join()).toMatch(/never pulled/);
  });

  it('after OMFLOW pulled a new snapshot, compares on its own (after-pull), and finds the same organisation in sync', async () => {
    await pull();
    await waitFor(async () => (await request(bridge.url).get('/api/v1/omflow/reconciliation').set(admin)).body.trigger === 'after-pull');
    const result = await last();
    expect(result).toMatchObject({ outcome: 'in-sync', inSync: true, trigger: 'after-pull', error: null, reasons: [] });
    expect(result.snapshot.id).toBe(result.snapshot.publishedId);
    expect(result.snapshot.behind).toBe(false);
    // 12 people, read in pages of 5 (OMFLOW_PAGE_SIZE): every page followed.
    expect(result.counts!.users).toMatchObject({ snapshot: 12, omflow: 12, missing: 0, unexpected: 0, drifted: 0, omflowDeleted: 0 });
    expect(result.counts!.departments).toMatchObject({ snapshot: DEPARTMENTS.length, omflow: DEPARTMENTS.length, missing: 0, unexpected: 0, drifted: 0 });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(new Date(result.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(result.startedAt).getTime());

    const health = (await request(bridge.url).get('/health')).body;
    expect(health.readback).toMatchObject({ configured: true, lastId: result.id, lastOutcome: 'in-sync', inSync: true });
    expect(health.warnings.join()).not.toMatch(/OMFLOW is not in sync/);
  });

  it('reports each difference: a person removed, added, renamed or moved in OMFLOW, and a renamed department', async () => {
    const changed: TestPerson[] = organisation
      .filter((p) => p.username !== 'user1')
      .map((p) => (p.username === 'user2' ? { ...p, name: 'Renamed By Hand' } : p.username === 'user3' ? { ...p, departments: ['rd'] } : p));
    changed.push({ userId: 'x1', username: 'stranger', departments: ['sales'] });
    await omflowHolds(
      changed,
      DEPARTMENTS.map((d) => (d.id === 'rd-web' ? { ...d, name: 'Web Team' } : d)),
    );

    const result = await run();
    expect(result).toMatchObject({ outcome: 'drifted', inSync: false, error: null });
    expect(result.counts!.users).toMatchObject({ snapshot: 12, omflow: 12, missing: 1, unexpected: 1, drifted: 2, omflowDeleted: 1 });
    expect(result.counts!.users.driftByField).toEqual({ nick_name: 1, default_group: 1, groups: 1 });
    expect(result.samples!.missingUsers).toEqual([{ username: 'user1' }]);
    expect(result.samples!.unexpectedUsers).toEqual([{ username: 'stranger', omflowId: expect.any(Number) }]);
    const drifted = Object.fromEntries(result.samples!.driftedUsers.map((d) => [d.username, d.fields]));
    expect(drifted.user2).toEqual([{ field: 'nick_name', expected: 'user2', actual: 'Renamed By Hand' }]);
    expect(drifted.user3).toEqual([
      { field: 'default_group', expected: 'sales', actual: 'rd' },
      { field: 'groups', expected: 'sales', actual: 'rd' },
    ]);
    expect(result.counts!.departments).toMatchObject({ missing: 0, unexpected: 0, drifted: 1, driftByField: { display_name: 1 } });
    expect(result.samples!.driftedDepartments).toEqual([
      { groupNo: 'rd-web', omflowId: expect.any(Number), fields: [{ field: 'display_name', expected: 'Web', actual: 'Web Team' }] },
    ]);
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        '1 people of the snapshot are missing in OMFLOW',
        'OMFLOW has 1 people the snapshot does not',
        expect.stringMatching(/^2 people differ/),
        expect.stringMatching(/^1 departments differ/),
      ]),
    );
  });

  it('keeps at most RECONCILE_SAMPLES examples of a difference, the counts whole; a department missing and one unexpected', async () => {
    await omflowHolds(
      organisation.filter((p) => Number(p.username.slice(4)) > 5).map((p) => ({ ...p, departments: p.departments.map((d) => (d === 'rd-web' ? 'ops' : d)) })),
      [...DEPARTMENTS.filter((d) => d.id !== 'rd-web'), { id: 'ops', name: 'Ops', parent: 'root' }],
    );
    const result = await run();
    expect(result.counts!.users.missing).toBe(5);
    expect(result.counts!.users.driftByField).toEqual({ default_group: 2, groups: 2 });
    expect(result.samples!.missingUsers).toHaveLength(3);
    expect(result.counts!.departments).toMatchObject({ missing: 1, unexpected: 1 });
    expect(result.samples!.missingDepartments).toEqual([{ groupNo: 'rd-web', displayName: 'Web' }]);
    expect(result.samples!.unexpectedDepartments).toEqual([{ groupNo: 'ops', displayName: 'Ops', omflowId: expect.any(Number) }]);
  });

  it('says so on /health, /metrics, in the audit trail and with an omflow.drift notification', async () => {
    const result = await last();
    expect(result.outcome).toBe('drifted');
    const health = (await request(bridge.url).get('/health')).body;
    expect(health.status).toBe('degraded');
    expect(health.readback).toMatchObject({ lastId: result.id, lastOutcome: 'drifted', inSync: false });
    expect(health.warnings.join('\n')).toMatch(new RegExp(`OMFLOW is not in sync with the bridge \\(comparison ${result.id}`));

    const metrics = (await request(bridge.url).get('/metrics')).text;
    expect(metrics).toContain('bridge_omflow_reconciliation_differences{kind="missing_users"} 5');
    expect(metrics).toContain('bridge_omflow_reconciliation_differences{kind="missing_departments"} 1');
    expect(metrics).toContain('bridge_omflow_reconciliation_in_sync 0');
    expect(metrics).toContain('bridge_omflow_reconciliation_outcome{outcome="drifted"} 1');
    expect(metrics).toContain('bridge_omflow_reconciliation_outcome{outcome="in-sync"} 0');
    const at = Number(/^bridge_omflow_reconciliation_last_run_timestamp_seconds (\S+)$/m.exec(metrics)![1]);
    expect(at * 1000).toBeCloseTo(new Date(result.finishedAt!).getTime(), -3);

    const audit = await request(bridge.url).get('/api/v1/audit/events').query({ action: 'omflow.reconciliation.ended', limit: 50 }).set(admin);
    answers.push(audit.text);
    const events = audit.body.items as { outcome: string; target: { type: string; id: string }; details: Record<string, unknown>; actor: { kind: string } }[];
    const mine = events.find((e) => e.target.id === String(result.id));
    expect(mine).toMatchObject({ outcome: 'success', actor: { kind: 'admin' }, target: { type: 'omflow_reconciliation' } });
    expect(mine!.details).toMatchObject({ result: 'drifted', inSync: false, trigger: 'manual' });

    // One notification per change of what is found: OMFLOW not having pulled, (in sync after its pull), then two different drifts.
    const hooks = await receiver.waitFor((r) => JSON.parse(r.body).type === 'omflow.drift', 3);
    expect(JSON.parse(hooks[0].body).data.reconciliation.outcome).toBe('not-pulled');
    const event = JSON.parse(hooks[hooks.length - 1].body) as { data: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- the payload's fields
    expect(event.data.reconciliation).toMatchObject({ id: result.id, outcome: 'drifted' });
    expect(event.data.counts.users.missing).toBe(5);
    expect(event.data.details).toBe(`/api/v1/omflow/reconciliation/runs/${result.id}`);
    // The same drift found again is not notified again.
    const again = await run();
    expect(again.outcome).toBe('drifted');
    await sleep(500);
    expect(receiver.received.filter((r) => JSON.parse(r.body).type === 'omflow.drift')).toHaveLength(3);
  });

  it('comes back in sync when OMFLOW holds the snapshot again', async () => {
    await omflowHolds(organisation);
    expect(await run()).toMatchObject({ outcome: 'in-sync', inSync: true });
    expect((await request(bridge.url).get('/health')).body.readback.lastOutcome).toBe('in-sync');
  });

  it('answers 202 with Location at once, then the comparison at that address; every instance answers the same last result', async () => {
    const started = await request(bridge.url).post('/api/v1/omflow/reconciliation/run').set(admin);
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe(`/api/v1/omflow/reconciliation/runs/${started.body.id}`);
    expect(started.body.outcome).toBe('running');
    await waitFor(async () => (await request(bridge.url).get(started.headers.location).set(admin)).body.outcome !== 'running');
    const ended = (await request(bridge.url).get(started.headers.location).set(admin)).body as Reconciliation;
    expect(ended).toMatchObject({ id: started.body.id, outcome: 'in-sync' });

    const other = await instance({});
    const seen = await request(other.url).get('/api/v1/omflow/reconciliation').set(admin);
    expect(seen.body).toMatchObject({ id: ended.id, outcome: 'in-sync', inSync: true });
  });

  it('fails clearly, never "in sync", when OMFLOW refuses the password, cannot be reached, times out or answers garbage', { timeout: 120_000 }, async () => {
    const wrong = await run(await instance({ OMFLOW_API_PASSWORD: 'not-the-password-4711' }));
    expect(wrong).toMatchObject({ outcome: 'failed', inSync: false, counts: null, error: { code: 'auth' } });
    expect(wrong.error!.message).toMatch(/OMFLOW_API_USER/);
    expect(wrong.error!.message).not.toContain('not-the-password-4711');

    const closed = await fakeOmflow(() => undefined);
    const closedUrl = closed.url;
    await closed.close();
    const unreachable = await run(await instance({ OMFLOW_URL: closedUrl }));
    expect(unreachable).toMatchObject({ outcome: 'failed', inSync: false, error: { code: 'unreachable' } });
    expect(unreachable.error!.message).toMatch(/could not be reached \(ECONNREFUSED\)/);

    // One stand-in OMFLOW, told how to answer the queries before each comparison.
    let answer: (res: ServerResponse) => void = () => undefined;
    const fake = await fakeOmflow((req, res) => {
      req.resume();
      answer(res);
    });
    try {
      const faulty = await instance({ OMFLOW_URL: fake.url, OMFLOW_TIMEOUT_MS: '300' });
      // No answer at all: a timeout.
      expect(await run(faulty)).toMatchObject({ outcome: 'failed', inSync: false, counts: null, error: { code: 'timeout' } });
      const garbage: [string, string, (res: ServerResponse) => void][] = [
        ['not JSON', 'malformed', (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>')],
        ['no status', 'malformed', (res) => res.writeHead(200).end(JSON.stringify({ result: [] }))],
        ['result not a list', 'malformed', (res) => res.writeHead(200).end(JSON.stringify({ status: 200, message: 'ok', result: 'oops' }))],
        ['rows without id', 'malformed', (res) => res.writeHead(200).end(JSON.stringify({ status: 200, message: 'ok', result: [{ username: 'a' }] }))],
        [
          'too many rows',
          'malformed',
          (res) =>
            res
              .writeHead(200)
              .end(JSON.stringify({ status: 200, message: 'ok', result: Array.from({ length: 9 }, (_, i) => ({ id: i + 1, group_no: `g${i}` })) })),
        ],
        ['a query refused', 'refused', (res) => res.writeHead(200).end(JSON.stringify({ status: 404, message: 'Query failed: no such column', result: null }))],
        ['HTTP 500', 'http', (res) => res.writeHead(500).end('boom')],
      ];
      for (const [what, code, behaviour] of garbage) {
        answer = behaviour;
        const result = await run(faulty);
        expect(result, what).toMatchObject({ outcome: 'failed', inSync: false, counts: null });
        expect(result.error!.code, what).toBe(code);
      }
    } finally {
      await fake.close();
    }
    const health = (await request(bridge.url).get('/health')).body;
    expect(health.readback.lastOutcome).toBe('failed');
    expect(health.warnings.join('\n')).toMatch(/The read-back of OMFLOW failed/);
    expect((await request(bridge.url).get('/metrics')).text).toContain('bridge_omflow_reconciliation_outcome{outcome="failed"} 1');
  });

  it('compares on RECONCILE_CRON', async () => {
    const before = (await last()).id;
    const scheduled = await instance({ RECONCILE_CRON: '* * * * * *' });
    await waitFor(async () => {
      const now = (await request(scheduled.url).get('/api/v1/omflow/reconciliation').set(admin)).body as Reconciliation;
      return now.id > before && now.trigger === 'schedule';
    });
    const result = await last();
    expect(result).toMatchObject({ trigger: 'schedule', outcome: 'in-sync' });
    // Stopped, not closed: the bridges of one test process share passport's strategies, and closing
    // the last one started would leave the others with its closed database.
    scheduled.app.get(SchedulerRegistry).deleteCronJob('reconcile');
  });

  it('guards its routes: sync:admin runs, audit:read reads, and bad input is refused', async () => {
    const client = async (scopes: string[]) => {
      const res = await request(bridge.url)
        .post('/api/v1/clients')
        .set(admin)
        .send({ id: `rb-${scopes.join('-').replace(':', '')}`, name: 'x', scopes });
      expect(res.status).toBe(201);
      return { Authorization: `Bearer ${String(res.body.secret)}` };
    };
    const auditor = await client(['audit:read']);
    const querier = await client(['users:query']);
    expect((await request(bridge.url).get('/api/v1/omflow/reconciliation').set(auditor)).status).toBe(200);
    expect((await request(bridge.url).post('/api/v1/omflow/reconciliation/run').set(auditor)).status).toBe(403);
    expect((await request(bridge.url).get('/api/v1/omflow/reconciliation').set(querier)).status).toBe(403);
    expect((await request(bridge.url).get('/api/v1/omflow/reconciliation')).status).toBe(401);
    expect((await request(bridge.url).post('/api/v1/omflow/reconciliation/run')).status).toBe(401);

    const badWait = await request(bridge.url).post('/api/v1/omflow/reconciliation/run?wait=maybe').set(admin);
    expect(badWait.status).toBe(400);
    expect(badWait.body.error.code).toBe('VALIDATION.FAILED');
    expect((await request(bridge.url).get('/api/v1/omflow/reconciliation/runs/abc').set(admin)).status).toBe(400);
    const gone = await request(bridge.url).get('/api/v1/omflow/reconciliation/runs/999999').set(admin);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('RESOURCE.NOT_FOUND');

    const off = await instance({ OMFLOW_URL: '', OMFLOW_API_USER: '', OMFLOW_API_PASSWORD: '' });
    const refused = await request(off.url).post('/api/v1/omflow/reconciliation/run').set(admin);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/read-back of OMFLOW is off: set OMFLOW_URL/);
  });

  it('compares with the snapshot OMFLOW pulled, not the one published since; after OMFLOW pulls the new one, with that', async () => {
    const pulledBefore = (await last()).snapshot.id!;
    writeOrganisation(bridgeFile, [...organisation, { userId: 'n1', username: 'newcomer', departments: ['rd'] }]);
    await publish(bridge);
    const stillOld = await run();
    // Published a moment ago (within OMFLOW_PULL_STALE_SECONDS): not "behind" yet, and OMFLOW matches what it pulled.
    expect(stillOld).toMatchObject({ outcome: 'in-sync', inSync: true, snapshot: { id: pulledBefore, behind: false } });
    expect(stillOld.snapshot.publishedId).toBeGreaterThan(pulledBefore);

    await pull();
    await waitFor(async () => {
      const now = (await request(bridge.url).get('/api/v1/omflow/reconciliation').set(admin)).body as Reconciliation;
      return now.trigger === 'after-pull' && now.snapshot.id === stillOld.snapshot.publishedId;
    });
    const after = await last();
    expect(after).toMatchObject({ outcome: 'drifted', inSync: false });
    expect(after.counts!.users).toMatchObject({ snapshot: 13, missing: 1, unexpected: 0, drifted: 0 });
    expect(after.samples!.missingUsers).toEqual([{ username: 'newcomer' }]);
  });

  it('never shows the API password or a security code in its log, answers or audit trail', async () => {
    const exported = await request(bridge.url).get('/api/v1/audit/export').set(admin);
    const everything = [...log, ...answers, exported.text].join('\n');
    expect(everything).toContain('omflow.reconciliation.ended');
    expect(everything).not.toContain(apiClient.secret);
    expect(everything).not.toContain('0f8fad5b-d9cb-469f-a165-70867728950e');
  });
});
