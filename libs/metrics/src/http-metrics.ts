import type { FastifyInstance } from 'fastify';
import { UNMATCHED_ROUTE, type BridgeMetrics } from './bridge-metrics.js';

/**
 * Counts and times every answered request on a Fastify instance, labelled with the route
 * template (`/api/v1/sync/runs/:id`, never the raw URL, so the series stay bounded; `unmatched`
 * when no route matched) and the status, timed from its `onRequest` hook to the close
 * of the Node response (Fastify's `reply.elapsedTime` reads 0 by then). It observes the Node response's `close`, not
 * Fastify's `onResponse` hook, so that answers a route writes itself after `reply.hijack()`
 * (the bridge's streamed `/sync`, query and export answers) are counted too.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: BridgeMetrics): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const started = performance.now();
    reply.raw.once('close', () =>
      metrics.httpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.raw.statusCode, (performance.now() - started) / 1000),
    );
    done();
  });
}
