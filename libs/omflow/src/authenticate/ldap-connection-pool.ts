/** What the pool needs of a connection (ldapts' Client has it). */
export interface PooledConnection {
  readonly isConnected: boolean;
  readonly isBound: boolean;
  unbind(): Promise<void>;
}

/** No pooled connection came free within the wait. */
export class PoolTimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(ms: number) {
    super(`no directory connection came free within ${ms} ms`);
  }
}

interface Waiter<C> {
  resolve(connection: C): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * A few service-account connections, opened on demand (`open` connects and binds) and reused for
 * searches. A connection that failed, was closed by the server, lost its bind or sat idle longer
 * than `maxIdleMs` (a firewall may have dropped it silently) is closed and replaced, never reused:
 * ldapts would reconnect it unbound, or without StartTLS. Callers wait at most `waitMs` for one.
 */
export class ConnectionPool<C extends PooledConnection> {
  private readonly idle: { connection: C; since: number }[] = [];
  private readonly waiting: Waiter<C>[] = [];
  private opened = 0;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly open: () => Promise<C>,
    private readonly waitMs: number,
    private readonly maxIdleMs = 60_000,
  ) {}

  /** Runs `work` on a pooled connection; a connection whose work threw is closed, not reused. */
  async use<T>(work: (connection: C) => Promise<T>): Promise<T> {
    const connection = await this.acquire();
    let healthy = false;
    try {
      const result = await work(connection);
      healthy = true;
      return result;
    } finally {
      this.release(connection, healthy);
    }
  }

  /** Closes the idle connections, and the others as they come back. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('the directory connection pool is closed'));
    }
    await Promise.all(this.idle.splice(0).map(({ connection }) => this.discard(connection)));
  }

  /** Connections open or being opened, idle ones, callers waiting. */
  get stats(): { open: number; idle: number; waiting: number } {
    return { open: this.opened, idle: this.idle.length, waiting: this.waiting.length };
  }

  private async acquire(): Promise<C> {
    if (this.closed) throw new Error('the directory connection pool is closed');
    const now = Date.now();
    for (let entry = this.idle.pop(); entry; entry = this.idle.pop()) {
      if (usable(entry.connection) && now - entry.since < this.maxIdleMs) return entry.connection;
      void this.discard(entry.connection);
    }
    if (this.opened < this.size) return this.openOne();
    return new Promise<C>((resolve, reject) => {
      const waiter: Waiter<C> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new PoolTimeoutError(this.waitMs));
        }, this.waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  private async openOne(): Promise<C> {
    this.opened++;
    try {
      return await this.open();
    } catch (error) {
      this.opened--;
      throw error;
    }
  }

  private release(connection: C, healthy: boolean): void {
    if (!healthy || this.closed || !usable(connection)) {
      void this.discard(connection);
      // The place it held goes to the next in line, on a new connection.
      const waiter = this.waiting.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        this.openOne().then(waiter.resolve, waiter.reject);
      }
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(connection);
    } else {
      this.idle.push({ connection, since: Date.now() });
    }
  }

  private async discard(connection: C): Promise<void> {
    this.opened = Math.max(0, this.opened - 1);
    try {
      await connection.unbind();
    } catch {
      // Already gone: nothing to close.
    }
  }
}

function usable(connection: PooledConnection): boolean {
  return connection.isConnected && connection.isBound;
}
