import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataSourceOptions } from '#app/database';
import { admin, startBridgeWith, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';

interface Count {
  done: number;
  expected: number | null;
}
interface Progress {
  phase: string;
  items: { departments: Count; employees: Count; pages: Count };
  elapsedMs: number;
  estimatedRemainingMs: number | null;
  updatedAt: string;
}
interface Run {
  id: number;
  status: string;
  progress: Progress | null;
  counts: { read?: number };
}
interface SseEvent {
  event: string;
  id: string | null;
  data: unknown;
}

/** Reads a server-sent event stream with Node's HTTP client until the server closes it. */
function readStream(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; type: string; events: SseEvent[]; retry: number | null; raw: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (raw += chunk));
      res.on('error', reject);
      res.on('end', () => {
        const events: SseEvent[] = [];
        let retry: number | null = null;
        for (const block of raw.split('\n\n')) {
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (!line || line.startsWith(':')) continue;
            const at = line.indexOf(':');
            fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
          }
          if (fields.has('retry')) retry = Number(fields.get('retry'));
          if (fields.has('data')) events.push({ event: fields.get('event') ?? 'message', id: fields.get('id') ?? null, data: JSON.parse(fields.get('data')!) });
        }
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events, retry, raw });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(testDatabases())('asynchronous sync runs with progress ($kind)', (db) => {
  let emulator: RunningEmulator;
  let bridge: RunningBridge;
  const faults = (settings: Record<string, number>) => request(emulator.url).put('/_emulator/faults').send(settings).expect(200);
  const getRun = async (id: number): Promise<Run> => (await request(bridge.url).get(`/api/v1/sync/runs/${id}`).set(admin).expect(200)).body as Run;
  /** Polls a run until it ends, keeping every progress seen on the way. */
  const follow = async (id: number): Promise<{ run: Run; seen: Progress[] }> => {
    const seen: Progress[] = [];
    for (let i = 0; i < 600; i++) {
      const run = await getRun(id);
      if (run.progress) seen.push(run.progress);
      if (run.status !== 'running') return { run, seen };
      await sleep(100);
    }
    throw new Error(`run ${id} did not end`);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ employees: 400, departments: 40, seed: 15 });
    // Small pages: a read of many pages, each slowed by the emulator's latency fault below.
    bridge = await startBridgeWith(await db.create(), { env: emulator.bridgeEnv({ DIRECTORY_PAGE_SIZE: '5' }) });
  });
  afterAll(async () => {
    await bridge?.close();
    await emulator?.close();
    await db.dropAll();
  });

  it('?wait=true keeps the blocking form: 200 with the finished run and its last progress', async () => {
    const res = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
    expect(res.status).toBe(200);
    expect(res.headers.location).toBe(`/api/v1/sync/runs/${res.body.id}`);
    expect(res.body.status).toBe('published');
    const progress = res.body.progress as Progress;
    expect(progress.phase).toBe('done');
    expect(progress.items.employees).toEqual({ done: res.body.counts.read, expected: res.body.counts.read });
    expect(progress.items.departments.done).toBe(progress.items.departments.expected);
    expect(progress.items.pages.done).toBe(progress.items.pages.expected);
    expect(progress.items.pages.done).toBeGreaterThan(80); // 40 departments and 400 people, 5 a page
  });

  it('answers 202 + Location at once, and the run moves through its phases with items done and expected, then finishes', async () => {
    await faults({ latency_ms: 120 });
    try {
      const started = Date.now();
      const res = await request(bridge.url).post('/api/v1/sync/runs').set(admin).send({});
      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.headers.location).toBe(`/api/v1/sync/runs/${res.body.id}`);
      expect(res.body.status).toBe('running');
      expect(res.body.progress.phase).toBe('read');

      // The progress is kept on the run's row too, for the other instances.
      await sleep(2500);
      const ds = await new DataSource(buildDataSourceOptions(bridge.config.database)).initialize();
      try {
        const [row] = await ds.query<{ status: string; progress_json: string }[]>('SELECT status, progress_json FROM sync_run WHERE id = ?', [res.body.id]);
        expect(row.status).toBe('running');
        const stored = JSON.parse(row.progress_json) as Progress;
        expect(stored.phase).toBe('read');
        expect(stored.items.pages.done).toBeGreaterThan(0);
      } finally {
        await ds.destroy();
      }

      const { run, seen } = await follow(res.body.id as number);
      expect(run.status).toBe('unchanged');
      const reading = seen.filter((p) => p.phase === 'read');
      expect(reading.length).toBeGreaterThan(3);
      const done = reading.map((p) => p.items.employees.done);
      expect(done.at(-1)!).toBeGreaterThan(done[0]);
      for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1]);
      const late = reading.at(-1)!;
      expect(late.items.employees.expected).toBe(run.counts.read);
      expect(late.items.departments).toEqual({ done: 40 + 1, expected: 40 + 1 }); // the departments and the company root
      expect(late.items.pages.expected).toBeGreaterThan(80);
      expect(reading.some((p) => p.estimatedRemainingMs !== null && p.estimatedRemainingMs > 0)).toBe(true);
      expect(Math.max(...seen.map((p) => p.elapsedMs))).toBeGreaterThan(2500);
      expect(run.progress!.phase).toBe('done');
      expect(run.progress!.estimatedRemainingMs).toBeNull();
    } finally {
      await faults({ latency_ms: 0 });
    }
  });

  it('a trigger during a run answers that run (202, same id); ?wait=true joins it and answers it finished', async () => {
    await faults({ latency_ms: 60 });
    try {
      const first = await request(bridge.url).post('/api/v1/sync/runs').set(admin).send({});
      expect(first.status).toBe(202);
      const second = await request(bridge.url).post('/api/v1/sync/runs').set(admin).send({});
      expect(second.status).toBe(202);
      expect(second.body.id).toBe(first.body.id);
      expect(second.headers.location).toBe(`/api/v1/sync/runs/${first.body.id}`);
      const waited = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
      expect(waited.status).toBe(200);
      expect(waited.body.id).toBe(first.body.id);
      expect(waited.body.status).toBe('unchanged');
      const list = await request(bridge.url).get('/api/v1/sync/runs').set(admin).expect(200);
      expect((list.body.items as Run[]).filter((r) => r.id >= first.body.id)).toHaveLength(1);
    } finally {
      await faults({ latency_ms: 0 });
    }
  });

  it('streams progress events, then the finished run, and closes (an ended run: its run event at once)', async () => {
    await faults({ latency_ms: 100 });
    let id: number;
    try {
      const res = await request(bridge.url).post('/api/v1/sync/runs').set(admin).send({});
      expect(res.status).toBe(202);
      id = res.body.id as number;
      const stream = await readStream(`${bridge.url}/api/v1/sync/runs/${id}/events`, admin);
      expect(stream.status).toBe(200);
      expect(stream.type).toMatch(/^text\/event-stream/);
      expect(stream.retry).toBeGreaterThan(0);
      const progress = stream.events.filter((e) => e.event === 'progress');
      expect(progress.length).toBeGreaterThan(2);
      const counts = progress.map((e) => (e.data as Progress).items.employees.done);
      expect(counts.at(-1)!).toBeGreaterThan(counts[0]);
      const last = stream.events.at(-1)!;
      expect(last.event).toBe('run');
      expect(last.data).toMatchObject({ id, status: 'unchanged', progress: { phase: 'done' } });
      expect(stream.events.filter((e) => e.event === 'run')).toHaveLength(1);
      const ids = stream.events.map((e) => Number(e.id));
      expect(ids).toEqual(ids.map((_, i) => i + 1));
    } finally {
      await faults({ latency_ms: 0 });
    }
    const ended = await readStream(`${bridge.url}/api/v1/sync/runs/${id}/events`, admin);
    expect(ended.events.map((e) => e.event)).toEqual(['run']);
    expect(ended.events[0].data).toMatchObject({ id, status: 'unchanged' });
  });

  it('guards the stream like the other run routes: 401 without a token, 403 without sync:admin, 404 for no run, 400 for an id that is not one', async () => {
    expect((await readStream(`${bridge.url}/api/v1/sync/runs/1/events`, {})).status).toBe(401);
    const tool = await request(bridge.url)
      .post('/api/v1/clients')
      .set(admin)
      .send({ id: 'sse-tool', name: 'Tool', scopes: ['users:query'] });
    expect(tool.status).toBe(201);
    const denied = await readStream(`${bridge.url}/api/v1/sync/runs/1/events`, { Authorization: `Bearer ${tool.body.secret}` });
    expect(denied.status).toBe(403);
    expect(denied.type).toMatch(/json/);
    expect((await readStream(`${bridge.url}/api/v1/sync/runs/999999/events`, admin)).status).toBe(404);
    const malformed = await readStream(`${bridge.url}/api/v1/sync/runs/abc/events`, admin);
    expect(malformed.status).toBe(400);
    expect(malformed.type).toMatch(/json/);
  });

  it('rejects a bad wait parameter without starting a run', async () => {
    const before = (await request(bridge.url).get('/api/v1/sync/runs').set(admin).expect(200)).body.total as number;
    const bad = await request(bridge.url).post('/api/v1/sync/runs?wait=soon').set(admin).send({});
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].field).toBe('wait');
    expect((await request(bridge.url).get('/api/v1/sync/runs').set(admin).expect(200)).body.total).toBe(before);
  });
});
