import type { FastifyInstance } from 'fastify';
import { UNMATCHED_ROUTE, type BridgeMetrics } from './bridge-metrics.js';

/**
 * Counts and times every answered request on a Fastify instance: an `onResponse` hook labels it
 * with the route template (`/api/v1/sync/runs/:id`, never the raw URL, so the series stay
 * bounded; `unmatched` when no route matched) and the status, and takes Fastify's own
 * `reply.elapsedTime` (milliseconds since the request arrived) as its duration.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: BridgeMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
