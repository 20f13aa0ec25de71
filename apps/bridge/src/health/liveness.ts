import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';

export const LIVENESS_PATH = '/health/live';
/** Its operation id, as when HealthController served it (generated clients keep their method name). */
export const LIVENESS_OPERATION_ID = 'HealthController_live';
const BODY = '{"status":"ok"}';

/**
 * `GET /health/live`, answered by Fastify itself: the process is up, nothing else is checked, so
 * the answer needs none of Nest's per-request pipeline (router context, guards, interceptors,
 * response controller), which cost about as much again as the rest of the request: measured with
 * `npm run bench:http -- --only health`, 18,000-19,000 requests/s through Nest, 38,600 here. Liveness
 * probes come every few seconds from every orchestrator, and must keep answering when the event
 * loop is busiest. The bridge's Fastify hooks still apply: request id, request log, HTTP metrics.
 */
export function registerLiveness(fastify: FastifyInstance): void {
  fastify.get(LIVENESS_PATH, (_request, reply) => {
    void reply.header('content-type', 'application/json; charset=utf-8').send(BODY);
  });
}

/** The route in the OpenAPI document, as Nest's scanner described it when a controller served it. */
export function documentLiveness(document: OpenAPIObject): OpenAPIObject {
  document.paths[LIVENESS_PATH] = {
    get: {
      operationId: LIVENESS_OPERATION_ID,
      summary: 'Liveness: the process answers',
      description: 'Checks nothing else (the database is `/health/ready`). Public.',
      tags: ['Health'],
      parameters: [],
      responses: {
        200: {
          description: '',
          content: {
            'application/json': {
              schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
            },
          },
        },
      },
    },
  };
  return document;
}
