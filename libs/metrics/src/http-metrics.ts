import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UNMATCHED_ROUTE, type BridgeMetrics } from './bridge-metrics.js';

/**
 * Counts and times every answered request on a Fastify instance, labelled with the route
 * template (`/api/v1/sync/runs/:id`, never the raw URL, so the series stay bounded; `unmatched`
 * when no route matched) and the status, timed from its `onRequest` hook to the close
 * of the Node response (Fastify's `reply.elapsedTime` reads 0 by then). It observes the Node response's `close`, not
 * Fastify's `onResponse` hook, so that answers a route writes itself after `reply.hijack()`
 * (the bridge's streamed `/sync`, query and export answers) are counted too.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: BridgeMetrics, onAnswered?: AnsweredListener): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      const ms = performance.now() - started;
      metrics.httpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.raw.statusCode, ms / 1000);
      onAnswered?.(request, reply, ms);
    });
    done();
  });
}

/** Told of every answered request, from the same listener (one per request): the bridge writes its request log there. */
export type AnsweredListener = (request: FastifyRequest, reply: FastifyReply, ms: number) => void;
