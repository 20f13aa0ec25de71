import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation, type TestPerson } from '../support/organisation.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';

interface Event {
  id: string;
  type: string;
  data: { count: number; people: { key: string; username: string; kept: boolean; problems: { kind: string }[] }[] };
}
const eventOf = (r: ReceivedRequest) => JSON.parse(r.body) as Event;
const ofType = (type: string) => (r: ReceivedRequest) => eventOf(r).type === type;

describe.each(testDatabases())('first quarantine of a person, notified once ($kind)', (db) => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-quarantine-'));
  const file = join(dir, 'organisation.json');
  let receiver: WebhookReceiver;
  let bridge: RunningBridge;
  const run = async () => (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body as { id: number; status: string };
  /** A test notification sent and received: every notification enqueued before it has been delivered by then (one worker, oldest first). */
  const settle = async () => {
    const sent = await request(bridge.url).post('/api/v1/notifications/test').set(admin).send({}).expect(202);
    await receiver.waitFor((r) => eventOf(r).id === sent.body.id);
  };
  const staff = (edit: (p: TestPerson[]) => void = () => undefined) => {
    const list = people(4);
    edit(list);
    return list;
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    bridge = await startBridgeWith(await db.create(), {
      env: { HR_SOURCE: 'file', HR_FILE: file, NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`, NOTIFY_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await receiver?.close();
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('notifies a newcomer left out for a missing email, once while it lasts', async () => {
    writeOrganisation(
      file,
      staff((p) => (p[3].email = null)),
    );
    const first = await run();
    expect(first.status).toBe('published');
    const [hook] = await receiver.waitFor(ofType('person.quarantined'));
    const event = eventOf(hook);
    expect(event.data).toMatchObject({ count: 1, run: { id: first.id }, truncated: false });
    expect(event.data.people).toEqual([
      expect.objectContaining({ username: 'user4', kept: false, problems: [expect.objectContaining({ kind: 'missing-email' })] }),
    ]);

    expect((await run()).status).toBe('unchanged');
    await settle();
    expect(receiver.received.filter(ofType('person.quarantined'))).toHaveLength(1);
  });

  it('notifies again once a person cleared and quarantined anew, with a published person kept at their version', async () => {
    writeOrganisation(file, staff());
    expect((await run()).status).toBe('published');
    writeOrganisation(
      file,
      staff((p) => {
        p[3].email = null;
        p[1].email = 'not-an-email';
      }),
    );
    const again = await run();
    const events = await receiver.waitFor(ofType('person.quarantined'), 2);
    const event = eventOf(events[1]);
    expect(event.data).toMatchObject({ count: 2, run: { id: again.id } });
    expect(event.data.people.map((p) => [p.username, p.kept]).sort()).toEqual([
      ['user2', true],
      ['user4', true],
    ]);
    await run();
    await settle();
    expect(receiver.received.filter(ofType('person.quarantined'))).toHaveLength(2);
  });
});

describe.each(testDatabases())('notifications survive a restart ($kind)', (db) => {
  const dir = mkdtempSync(join(tmpdir(), 'notify-restart-'));
  const file = join(dir, 'organisation.json');
  let receiver: WebhookReceiver;
  let bridge: RunningBridge | undefined;

  beforeAll(async () => {
    writeOrganisation(file, people(3));
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await bridge?.close();
    await receiver?.close();
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers after a restart what failed before it, under the same id', async () => {
    const database = await db.create();
    const env = {
      HR_SOURCE: 'file',
      HR_FILE: file,
      NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_RETRY_BASE_SECONDS: '2',
    };
    receiver.rule = () => 503;
    bridge = await startBridgeWith(database, { env });
    const sent = await request(bridge.url).post('/api/v1/notifications/test').set(admin).send({ message: 'before the restart' }).expect(202);
    await receiver.waitFor((r) => eventOf(r).id === sent.body.id);
    await bridge.close();
    bridge = undefined;

    receiver.rule = () => 200;
    bridge = await startBridgeWith(database, { env });
    const attempts = await receiver.waitFor((r) => eventOf(r).id === sent.body.id, 2);
    expect(attempts.map((a) => a.answered)).toEqual([503, 200]);
    const [row] = (await request(bridge.url).get('/api/v1/notifications?type=notification.test').set(admin).expect(200)).body.items as {
      id: string;
      status: string;
      attempts: number;
    }[];
    expect(row).toMatchObject({ id: sent.body.id, status: 'delivered', attempts: 2 });
  });
});

// Several instances share one MySQL-compatible database in production (SQLite is single-instance).
const mysql = testDatabases().filter((db) => db.kind === 'mysql');

describe.runIf(mysql.length > 0)('two bridge instances delivering one outbox (mysql)', () => {
  const db = mysql[0];
  const dir = mkdtempSync(join(tmpdir(), 'notify-instances-'));
  const file = join(dir, 'organisation.json');
  let receiver: WebhookReceiver;
  let bridges: RunningBridge[] = [];

  beforeAll(async () => {
    writeOrganisation(file, people(3));
    receiver = await startWebhookReceiver();
    const database = await db.create();
    const env = { HR_SOURCE: 'file', HR_FILE: file, NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`, NOTIFY_WEBHOOK_SECRET: SECRET };
    bridges = [
      await startBridgeWith(database, { env: { ...env, INSTANCE_ID: 'one' } }),
      await startBridgeWith(database, { env: { ...env, INSTANCE_ID: 'two' } }),
    ];
  });
  afterAll(async () => {
    for (const bridge of bridges) await bridge.close();
    await receiver?.close();
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each notification once, whichever instance enqueued it', async () => {
    const sent = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        request(bridges[i % 2].url)
          .post('/api/v1/notifications/test')
          .set(admin)
          .send({ message: `n${i}` })
          .expect(202),
      ),
    );
    const ids = new Set(sent.map((r) => r.body.id as string));
    expect(ids.size).toBe(40);
    await receiver.waitFor((r) => ids.has(eventOf(r).id), 40);
    // Both instances poll every second: give a second claim of any row time to show up.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const received = receiver.received.map((r) => eventOf(r).id).filter((id) => ids.has(id));
    expect(received).toHaveLength(40);
    expect(new Set(received).size).toBe(40);
    const rows = (await request(bridges[1].url).get('/api/v1/notifications?type=notification.test&limit=100').set(admin).expect(200)).body.items as {
      status: string;
      attempts: number;
    }[];
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
  });
});
