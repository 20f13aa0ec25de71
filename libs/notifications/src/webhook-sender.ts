import { chatText } from './chat-message.js';
import type { NotificationEvent } from './notification.types.js';
import { HEADER, signature } from './signature.js';
import type { WebhookTarget } from './webhook-targets.js';

export interface AttemptResult {
  ok: boolean;
  /** The HTTP status, when the webhook answered. */
  status: number | null;
  /** What went wrong, in words without the URL (never a credential). */
  error: string | null;
}

/** The request body for a webhook: the event as stored (json), or the chat message. */
export function requestBody(target: Pick<WebhookTarget, 'format'>, eventJson: string): string {
  if (target.format === 'json') return eventJson;
  return JSON.stringify({ text: chatText(JSON.parse(eventJson) as NotificationEvent) });
}

/**
 * One delivery attempt: a POST signed at the moment it is sent (a retry gets a fresh timestamp),
 * within `timeoutMs`. Only a 2xx is a delivery; redirects are not followed (a webhook that moved
 * must be reconfigured). The answer's body is read and dropped.
 */
export async function sendOnce(
  target: WebhookTarget,
  event: Pick<NotificationEvent, 'id' | 'type'>,
  eventJson: string,
  options: { secret?: string; timeoutMs: number; now?: number },
): Promise<AttemptResult> {
  const body = requestBody(target, eventJson);
  const timestamp = Math.floor((options.now ?? Date.now()) / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'omflow-hr-bridge',
    [HEADER.id]: event.id,
    [HEADER.type]: event.type,
    [HEADER.timestamp]: String(timestamp),
  };
  if (options.secret) headers[HEADER.signature] = signature(options.secret, timestamp, body);
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(target.url, { method: 'POST', headers, body, redirect: 'manual', signal });
    await response.body?.cancel().catch(() => undefined);
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
    return { ok: false, status: response.status, error: `HTTP ${response.status}` };
  } catch (error) {
    if (signal.aborted) return { ok: false, status: null, error: `no answer within ${options.timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string } }).cause;
    return { ok: false, status: null, error: `network error${cause?.code ? ` (${cause.code})` : ''}` };
  }
}
