import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OmUser } from '../../apps/omflow-emulator/src/index.js';
import { admin, OMFLOW_BASIC, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startOmflowEmulator, type RunningOmflowEmulator } from '../support/omflow-emulator.js';
import { people, writeOrganisation } from '../support/organisation.js';

/** A Custom HR application answering whatever `answer` holds (OMFLOW's credentials required), for values the bridge itself never serves. */
async function fakeCustomHr(): Promise<{ url: string; answer: { current: unknown }; close(): Promise<void> }> {
  const answer = { current: {} as unknown };
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.headers.authorization !== OMFLOW_BASIC) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Snapshot-Id': '7' }).end(JSON.stringify(answer.current));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, answer, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const user = (username: string, extra: Record<string, string> = {}) => ({
  username,
  email: `${username}@acme.test`,
  nick_name: username,
  ad_no: '',
  company: 'ACME',
  phone1: '',
  phone2: '',
  extension_no: '',
  gender: 'male',
  ...extra,
});
const group = (group_no: string, display_name: string, parent_group_no: string, user_list: string[]) => ({
  group_no,
  display_name,
  parent_group_no,
  user_list,
});

describe("OMFLOW emulator: what OMFLOW's columns cannot hold fails only its record", () => {
  let hr: Awaited<ReturnType<typeof fakeCustomHr>>;
  let omflow: RunningOmflowEmulator;
  beforeAll(async () => {
    hr = await fakeCustomHr();
    omflow = await startOmflowEmulator(hr.url);
  });
  afterAll(async () => {
    await omflow?.close();
    await hr?.close();
  });

  it('fails a too-long value, a case-insensitive duplicate and an unknown parent, and applies the rest', async () => {
    hr.answer.current = {
      status: 'success',
      user_info_list: [
        user('alice'),
        user('bob', { nick_name: 'x'.repeat(51) }),
        user('carol', { email: 'ALICE@acme.test' }),
        user('Alice'),
        user('dave', { phone1: '1'.repeat(21) }),
        user('erin', { nick_name: '😀'.repeat(50) }),
      ],
      group_info_list: [
        group('root', 'ACME', '', ['alice', 'erin']),
        group('long', '研'.repeat(21), 'root', []),
        group('ROOT', 'Again', '', []),
        group('orphan', 'Orphan', 'missing', ['alice']),
      ],
    };
    const pull = await omflow.pull();
    expect(pull).toMatchObject({ outcome: 'partial', snapshot_id: 7, http_status: 200 });
    expect(pull.users).toEqual({ added: 2, modified: 0, deleted: 0, failed: 4, unchanged: 0 });
    expect(pull.groups).toMatchObject({ added: 2, failed: 3 });
    const reasons = Object.fromEntries(pull.failures.map((f) => [`${f.type}:${f.key}`, f.reason]));
    expect(reasons['user:bob']).toMatch(/nick_name has 51 characters; OMFLOW's column holds 50/);
    expect(reasons['user:carol']).toMatch(/email "ALICE@acme.test" is already used by user "alice"/);
    expect(reasons['user:Alice']).toMatch(/username duplicates "alice"/);
    expect(reasons['user:dave']).toMatch(/phone1 has 21 characters; OMFLOW's column holds 20/);
    expect(reasons['group:long']).toMatch(/display_name has 21 characters; OMFLOW's column holds 20/);
    expect(reasons['group:ROOT']).toMatch(/group_no duplicates "root"/);
    expect(reasons['group:orphan']).toMatch(/parent department "missing" does not exist/);
    const users = (await omflow.admin<OmUser[]>('GET', '/users')).body;
    // 50 emoji are 50 characters in a utf8mb4 VARCHAR(50): stored.
    expect(users.map((u) => u.username)).toEqual(['alice', 'erin']);
  });

  it('keeps what a failing record held before, and applies it once it fits', async () => {
    hr.answer.current = {
      status: 'success',
      user_info_list: [user('alice', { nick_name: 'y'.repeat(60) }), user('erin'), user('bob')],
      group_info_list: [group('root', 'ACME', '', ['alice', 'erin', 'bob'])],
    };
    const pull = await omflow.pull();
    expect(pull.users).toEqual({ added: 1, modified: 1, deleted: 0, failed: 1, unchanged: 0 });
    expect(pull.failures).toEqual([{ type: 'user', key: 'alice', reason: expect.stringMatching(/nick_name has 60 characters/) as string }]);
    expect((await omflow.admin<OmUser>('GET', '/users/alice')).body).toMatchObject({ nick_name: 'alice', delete: false });

    hr.answer.current = {
      status: 'success',
      user_info_list: [user('alice', { nick_name: 'Alice A.' }), user('erin'), user('bob')],
      group_info_list: [group('root', 'ACME', '', ['alice', 'erin', 'bob'])],
    };
    expect((await omflow.pull()).outcome).toBe('applied');
    expect((await omflow.admin<OmUser>('GET', '/users/alice')).body.nick_name).toBe('Alice A.');
  });

  it('fails a whole pull, changing nothing, on a malformed answer', async () => {
    for (const [answer, error] of [
      [{ status: 'fail', message: 'not yet' }, 'answered "fail": not yet'],
      [{ status: 'success', user_info_list: {}, group_info_list: [] }, '"user_info_list" is not an array'],
      [[1, 2], 'not a JSON object'],
    ] as const) {
      hr.answer.current = answer;
      const pull = await omflow.pull();
      expect(pull.outcome).toBe('failed');
      expect(pull.error).toContain(error);
    }
    expect((await omflow.admin<OmUser[]>('GET', '/users')).body).toHaveLength(3);
  });
});

describe.each(testDatabases())('OMFLOW emulator: duplicates the bridge serves and OMFLOW refuses ($kind)', (db) => {
  let bridge: RunningBridge;
  let omflow: RunningOmflowEmulator;
  afterAll(async () => {
    await omflow?.close();
    await bridge?.close();
    await db.dropAll();
  });
  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'omflow-emulator-')), 'org.json');
    const persons = people(4);
    // Distinct for the bridge (and JavaScript's toLowerCase); one account for OMFLOW's accent-insensitive MySQL collation.
    persons[3] = { ...persons[3], username: 'josé.garcia', email: 'jose.garcia2@acme.test' };
    persons[2] = { ...persons[2], username: 'jose.garcia', email: 'jose.garcia@acme.test' };
    writeOrganisation(file, persons);
    bridge = await startBridgeWith(await db.create(), { env: { HR_SOURCE: 'file', HR_FILE: file } });
    omflow = await startOmflowEmulator(bridge.url);
    const run = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(run.body.status).toBe('published');
  });

  it('applies the first and fails the accent-insensitive duplicate only', async () => {
    const pull = await omflow.pull();
    expect(pull.outcome).toBe('partial');
    expect(pull.users).toMatchObject({ added: 3, failed: 1 });
    expect(pull.failures).toEqual([{ type: 'user', key: 'josé.garcia', reason: expect.stringContaining('username duplicates "jose.garcia"') as string }]);
    const usernames = (await omflow.admin<OmUser[]>('GET', '/users')).body.map((u) => u.username);
    expect(usernames.sort()).toEqual(['jose.garcia', 'user1', 'user2']);
  });
});
