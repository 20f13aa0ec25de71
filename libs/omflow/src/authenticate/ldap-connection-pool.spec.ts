import { describe, expect, it } from 'vitest';
import { ConnectionPool, type PooledConnection } from './ldap-connection-pool.js';

class FakeConnection implements PooledConnection {
  isConnected = true;
  isBound = true;
  closed = false;
  constructor(readonly id: number) {}
  unbind(): Promise<void> {
    this.closed = true;
    this.isConnected = false;
    return Promise.resolve();
  }
}

function pool(size: number, waitMs = 200, maxIdleMs = 60_000) {
  const opened: FakeConnection[] = [];
  const p = new ConnectionPool<FakeConnection>(
    size,
    () => {
      const c = new FakeConnection(opened.length + 1);
      opened.push(c);
      return Promise.resolve(c);
    },
    waitMs,
    maxIdleMs,
  );
  return { p, opened };
}

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConnectionPool', () => {
  it('reuses a connection and never opens more than its size', async () => {
    const { p, opened } = pool(2);
    await p.use(() => Promise.resolve());
    await p.use(() => Promise.resolve());
    expect(opened).toHaveLength(1);
    const used: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map(() => p.use(async (c) => (used.push(c.id), later(10)))));
    expect(opened).toHaveLength(2);
    expect(new Set(used)).toEqual(new Set([1, 2]));
  });

  it('closes a connection whose work failed, or that lost its bind, and opens another', async () => {
    const { p, opened } = pool(1);
    await expect(p.use(() => Promise.reject(new Error('socket closed')))).rejects.toThrow('socket closed');
    expect(opened[0].closed).toBe(true);
    await p.use((c) => {
      c.isBound = false;
      return Promise.resolve();
    });
    await p.use(() => Promise.resolve());
    expect(opened).toHaveLength(3);
    expect(p.stats).toEqual({ open: 1, idle: 1, waiting: 0 });
  });

  it('replaces a connection idle for too long', async () => {
    const { p, opened } = pool(1, 200, 20);
    await p.use(() => Promise.resolve());
    await later(40);
    await p.use(() => Promise.resolve());
    expect(opened).toHaveLength(2);
    expect(opened[0].closed).toBe(true);
  });

  it('makes a caller wait no longer than the wait limit', async () => {
    const { p } = pool(1, 50);
    const busy = p.use(() => later(300));
    await expect(p.use(() => Promise.resolve())).rejects.toMatchObject({ name: 'TimeoutError' });
    await busy;
    expect(p.stats.waiting).toBe(0);
  });

  it('closes everything on close', async () => {
    const { p, opened } = pool(2);
    await Promise.all([p.use(() => later(5)), p.use(() => later(5))]);
    await p.close();
    expect(opened.every((c) => c.closed)).toBe(true);
    await expect(p.use(() => Promise.resolve())).rejects.toThrow(/closed/);
  });
});
