import { Inject, Injectable } from '@nestjs/common';
import type { OmflowEmulatorOptions } from './options.js';
import { OMFLOW_EMULATOR_OPTIONS } from './tokens.js';

/** What one `/sync` call brought back: the parsed body, or why there is none. */
export type SyncFetch =
  { ok: true; status: number; snapshotId: number | null; body: unknown } | { ok: false; status: number | null; snapshotId: number | null; error: string };

/**
 * OMFLOW's side of the Custom HR contract (seeds/000): `POST /sync` and `POST /authenticate` on
 * the intermediary application, with HTTP Basic. Errors are described without credentials.
 */
@Injectable()
export class CustomHrClient {
  private readonly authorization: string;

  constructor(@Inject(OMFLOW_EMULATOR_OPTIONS) private readonly options: OmflowEmulatorOptions) {
    this.authorization = `Basic ${Buffer.from(`${options.hrUser}:${options.hrPassword}`).toString('base64')}`;
  }

  private async post(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.options.hrUrl}${path}`, {
      method: 'POST',
      headers: { Authorization: this.authorization, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.hrTimeoutMs),
    });
  }

  async sync(): Promise<SyncFetch> {
    let res: Response;
    try {
      res = await this.post('/sync', {});
    } catch (error) {
      return { ok: false, status: null, snapshotId: null, error: `POST /sync failed: ${describeNetworkError(error)}` };
    }
    const header = res.headers.get('x-snapshot-id');
    const snapshotId = header && /^\d+$/.test(header) ? Number(header) : null;
    let text: string;
    try {
      text = await res.text();
    } catch (error) {
      return { ok: false, status: res.status, snapshotId, error: `POST /sync: the answer was cut off (${describeNetworkError(error)})` };
    }
    if (res.status !== 200) return { ok: false, status: res.status, snapshotId, error: `POST /sync answered HTTP ${res.status}` };
    try {
      return { ok: true, status: res.status, snapshotId, body: JSON.parse(text) as unknown };
    } catch {
      return { ok: false, status: res.status, snapshotId, error: 'POST /sync answered something that is not JSON' };
    }
  }

  /** Whether the intermediary accepts the password (`{"status":"success"}`); a failure to reach it throws. */
  async authenticate(username: string, password: string): Promise<{ ok: boolean; message: string | null }> {
    const res = await this.post('/authenticate', { username, password });
    if (res.status !== 200) throw new Error(`POST /authenticate answered HTTP ${res.status}`);
    const body = (await res.json()) as { status?: unknown; message?: unknown };
    return { ok: body.status === 'success', message: typeof body.message === 'string' ? body.message : null };
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
