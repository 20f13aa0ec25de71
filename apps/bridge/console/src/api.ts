/** The console's one door to the bridge: its public REST API, with the session cookie and CSRF token. */

export interface Session {
  clientId: string;
  name: string;
  scopes: string[];
  csrfToken: string;
  idleMinutes: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => undefined;

export function setSession(session: Session | null): void {
  csrfToken = session?.csrfToken ?? '';
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/** Whether the session may do what `scope` allows (`admin` allows everything). */
export function can(session: Session, scope: string): boolean {
  return session.scopes.includes('admin') || session.scopes.includes(scope);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } } | null)?.error;
    if (response.status === 401 && !path.startsWith('/api/v1/console/session')) onSignedOut();
    throw new ApiError(response.status, error?.code ?? 'HTTP', error?.message ?? `${response.status} ${response.statusText}`);
  }
  return data as T;
}

/** The raw text of a GET (exports). */
export async function apiText(path: string): Promise<string> {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (!response.ok) throw new ApiError(response.status, 'HTTP', `${response.status} ${response.statusText}`);
  return response.text();
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
}
