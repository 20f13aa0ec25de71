import { Writable } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMFLOW, startBridgeWith, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testDatabases } from '../support/databases.js';

/** The request log: one JSON line per answer, written when the answer closes (streamed answers included), never a query string. */
describe('the request log (sqlite)', () => {
  const [db] = testDatabases();
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  let bridge: RunningBridge;
  const answered = (id: string) => lines.filter((l) => (l.req as { id?: string } | undefined)?.id === id);
  /** The answer's line is written when the Node response closes, just after the client has it. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  beforeAll(async () => {
    bridge = await startBridgeWith(await db.create(), { env: { LOG_LEVEL: 'info' }, logDestination: sink });
  });
  afterAll(async () => {
    await bridge?.close();
    await db.dropAll();
  });

  it('logs each answer once with its id, path, status and time, at a level by status, and never the query string', async () => {
    const ok = await request(bridge.url).get(`/api/v1/whoami?access_token=${TEST_ADMIN_TOKEN}`).set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    const missing = await request(bridge.url).get('/api/v1/nothing?secret=s3cret');
    await settle();
    const [line] = answered(ok.headers['x-request-id']);
    expect(answered(ok.headers['x-request-id'])).toHaveLength(1);
    expect(line).toMatchObject({ level: 30, msg: 'request completed', req: { method: 'GET', path: '/api/v1/whoami' }, res: { statusCode: 200 } });
    expect(typeof line.responseTime).toBe('number');
    expect(answered(missing.headers['x-request-id'])[0]).toMatchObject({ level: 40, req: { path: '/api/v1/nothing' }, res: { statusCode: 404 } });
    expect(JSON.stringify(lines)).not.toContain(TEST_ADMIN_TOKEN);
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it('logs the streamed answers (written after reply.hijack()) and not the health probes', async () => {
    const sync = await request(bridge.url).post('/sync').auth(OMFLOW.id, OMFLOW.secret);
    const live = await request(bridge.url).get('/health/live');
    await settle();
    expect(answered(sync.headers['x-request-id'])).toEqual([
      expect.objectContaining({ req: expect.objectContaining({ path: '/sync' }), res: { statusCode: 200 } }),
    ]);
    expect(live.headers['x-request-id']).toBeTruthy();
    expect(answered(live.headers['x-request-id'])).toEqual([]);
  });
});
