import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a webhook receiver got, with the status it answered (null while it hangs). */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  answered: number | null;
}

/** The status to answer a request with, or `hang` to hold it unanswered until `release()`. */
export type ReceiverRule = (request: ReceivedRequest) => number | 'hang';

/**
 * A real HTTP receiver on 127.0.0.1 (node:http) standing in for webhooks: records every request
 * and answers what `rule` says (default: 200).
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedRequest[];
  rule: ReceiverRule;
  /** Answers the held requests with 200. */
  release(): void;
  /** Resolves with the requests matching `filter` once there are at least `count` of them. */
  waitFor(filter: (r: ReceivedRequest) => boolean, count?: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const held: { res: ServerResponse; entry: ReceivedRequest }[] = [];
  const answer = (res: ServerResponse, entry: ReceivedRequest, status: number) => {
    entry.answered = status;
    res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
  };
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    rule: () => 200,
    release() {
      for (const { res, entry } of held.splice(0)) answer(res, entry, 200);
    },
    async waitFor(filter, count = 1, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = receiver.received.filter(filter);
        if (found.length >= count) return found;
        if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${count} request(s); got ${found.length} (of ${receiver.received.length})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        receiver.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: ReceivedRequest = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        answered: null,
      };
      receiver.received.push(entry);
      const status = receiver.rule(entry);
      if (status === 'hang') held.push({ res, entry });
      else answer(res, entry, status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
