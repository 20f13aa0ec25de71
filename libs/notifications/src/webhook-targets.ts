import { createHash } from 'node:crypto';
import type { WebhookFormat } from './notification.types.js';

/** One configured webhook. */
export interface WebhookTarget {
  /** First 16 hex digits of the URL's SHA-256: stored with each notification instead of the URL. */
  id: string;
  /** What logs, /health and the admin API show: the format, position and origin, never the path or query (a chat webhook's path is its credential). */
  label: string;
  url: string;
  format: WebhookFormat;
}

export function targetId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** The webhooks of NOTIFY_WEBHOOK_URLS (json) and NOTIFY_CHAT_WEBHOOK_URLS (chat), in that order. */
export function webhookTargets(config: { webhookUrls: readonly string[]; chatWebhookUrls: readonly string[] }): WebhookTarget[] {
  const of = (urls: readonly string[], format: WebhookFormat): WebhookTarget[] =>
    urls.map((url, i) => ({ id: targetId(url), label: `${format}#${i + 1} ${new URL(url).origin}`, url, format }));
  return [...of(config.webhookUrls, 'json'), ...of(config.chatWebhookUrls, 'chat')];
}
