import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullRecord } from '../../apps/omflow-emulator/src/index.js';
import { testDatabases } from '../support/databases.js';
import { startLoop, type RunningLoop } from '../support/omflow-emulator.js';

/** OMFLOW_PULL_STALE_SECONDS at its least. */
const STALE_SECONDS = 60;

/**
 * An OMFLOW that stops pulling (the OMFLOW emulator's scheduled pulls paused): the read-back
 * compares OMFLOW with the snapshot it last pulled, so it stays in sync with that one until a
 * newer snapshot has waited longer than OMFLOW_PULL_STALE_SECONDS; then OMFLOW is `behind`, not
 * in sync. Resumed, OMFLOW pulls the new snapshot and is in sync again.
 */
describe.each(testDatabases())('the read-back of an OMFLOW whose pulls are paused ($kind)', (db) => {
  let loop: RunningLoop;
  let publishedAt = 0;
  let pullsWhenPaused = 0;

  const pulls = async () => (await loop.omflow.admin<PullRecord[]>('GET', '/pulls?limit=100')).body;
  /** Waits for a scheduled pull that started after `since` and applied. */
  const scheduledPull = async (since: string): Promise<PullRecord> => {
    for (let i = 0; i < 100; i += 1) {
      const found = (await pulls()).find((p) => p.trigger === 'schedule' && p.started_at > since && p.outcome === 'applied');
      if (found) return found;
      await sleep(100);
    }
    throw new Error(`no scheduled pull since ${since}: ${JSON.stringify((await pulls()).slice(0, 3))}`);
  };

  beforeAll(async () => {
    loop = await startLoop(await db.create(), {
      directory: { employees: 40, departments: 5, seed: 3 },
      bridgeEnv: { OMFLOW_PULL_STALE_SECONDS: String(STALE_SECONDS) },
      omflow: { pullSeconds: 1 },
      readback: true,
    });
  });
  afterAll(async () => {
    await loop?.close();
    await db.dropAll();
  });

  it('is in sync once OMFLOW pulled on its schedule', async () => {
    const since = new Date().toISOString();
    expect((await loop.sync()).status).toBe('published');
    await scheduledPull(since);
    const r = await loop.reconcile();
    expect(r, JSON.stringify(r.reasons)).toMatchObject({ outcome: 'in-sync', inSync: true, snapshot: { behind: false } });
    expect(r.snapshot.id).toBe(r.snapshot.publishedId);
  });

  it('paused, and a new snapshot published: still in sync with what OMFLOW pulled while the snapshot is fresh', async () => {
    expect((await loop.omflow.admin('POST', '/pulls/pause')).body).toEqual({ paused: true });
    await sleep(1_500); // a pull already going ends
    pullsWhenPaused = (await pulls()).length;
    const hired = await fetch(`${loop.directory.url}/_emulator/mutations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"hire":2}',
    });
    expect(hired.status).toBe(200);
    expect((await loop.sync()).status).toBe('published');
    publishedAt = Date.now();
    const r = await loop.reconcile();
    expect(r, JSON.stringify(r.reasons)).toMatchObject({ outcome: 'in-sync', inSync: true, snapshot: { behind: false } });
    expect(r.snapshot.id).toBeLessThan(r.snapshot.publishedId!);
  });

  it(`reports OMFLOW behind, not in sync, once the new snapshot waited over OMFLOW_PULL_STALE_SECONDS (${STALE_SECONDS} s)`, async () => {
    await sleep(Math.max(0, publishedAt + STALE_SECONDS * 1000 + 1_000 - Date.now()));
    expect((await pulls()).length, 'no pull while paused').toBe(pullsWhenPaused);
    const r = await loop.reconcile();
    expect(r).toMatchObject({ inSync: false, snapshot: { behind: true } });
    expect(r.snapshot.id).toBeLessThan(r.snapshot.publishedId!);
    expect(r.reasons).toContain(
      `OMFLOW last pulled snapshot ${r.snapshot.id}, but snapshot ${r.snapshot.publishedId} has been published for more than ${STALE_SECONDS} s`,
    );
  }, 90_000);

  it('resumed: OMFLOW pulls the new snapshot and is in sync again', async () => {
    const since = new Date().toISOString();
    expect((await loop.omflow.admin('POST', '/pulls/resume')).body).toEqual({ paused: false });
    const pulled = await scheduledPull(since);
    expect(pulled.users.added).toBe(2);
    const r = await loop.reconcile();
    expect(r, JSON.stringify(r.reasons)).toMatchObject({ outcome: 'in-sync', inSync: true, snapshot: { behind: false } });
    expect(r.snapshot.id).toBe(r.snapshot.publishedId);
  });
});
