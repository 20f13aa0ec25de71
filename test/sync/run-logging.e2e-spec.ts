import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';

/** Runs that need a person are visible in the log at warn or error, not info: a failed run, a held run, people left out for their data. */
describe('sync runs that need attention are logged at warn (sqlite)', () => {
  const [db] = testDatabases();
  const dir = mkdtempSync(join(tmpdir(), 'run-logging-'));
  const file = join(dir, 'organisation.json');
  const lines: { level: number; msg?: string; context?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as { level: number; msg?: string });
      done();
    },
  });
  let bridge: RunningBridge;
  const run = async () => (await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({})).body as { id: number; status: string };
  const said = (pattern: RegExp) => lines.filter((l) => l.context === 'SyncService' && pattern.test(l.msg ?? ''));

  beforeAll(async () => {
    writeOrganisation(file, people(3));
    bridge = await startBridgeWith(await db.create(), {
      env: { LOG_LEVEL: 'info', HR_SOURCE: 'file', HR_FILE: file, GUARD_MAX_USER_REMOVALS: '1', GUARD_MAX_USER_REMOVAL_PERCENT: '100' },
      logDestination: sink,
    });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run that fails on its source', async () => {
    writeFileSync(file, '{"status": 0, "result": [');
    const failed = await run();
    expect(failed.status).toBe('failed');
    expect(said(new RegExp(`^Sync run ${failed.id} failed \\(source\\)`)).map((l) => l.level)).toEqual([40]);
  });

  it('a run held for a decision, and people left out for their data', async () => {
    writeOrganisation(file, people(3));
    expect((await run()).status).toBe('published');
    // Two of three removed (over GUARD_MAX_USER_REMOVALS=1), and a newcomer without an email (left out: no published version to keep).
    const [kept] = people(3);
    writeOrganisation(file, [kept, { ...kept, userId: 'newcomer', username: 'newcomer', email: null }]);
    const held = await run();
    expect(held.status).toBe('held');
    expect(
      said(new RegExp(`^Sync run ${held.id} is held for a decision \\(.+\\): approve or reject it at /api/v1/sync/runs/${held.id}$`)).map((l) => l.level),
    ).toEqual([40]);
    expect(said(new RegExp(`^Sync run ${held.id} left out 1 people and 0 departments`)).map((l) => l.level)).toEqual([40]);
  });
});
