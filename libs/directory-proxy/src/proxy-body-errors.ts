import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, RendersBodyErrors, type BodyErrorSurface } from '#app/common';
import { toProxyAnswer } from './proxy-envelope.filter.js';

/** Where the proxy answers, every error included, in the WorkPlus envelope. */
export const PROXY_PATHS = ['/v1/admin/organizations'];

/** Malformed or oversized bodies answer in the WorkPlus envelope too. */
@RendersBodyErrors()
@Injectable()
export class ProxyBodyErrors implements BodyErrorSurface {
  readonly paths = PROXY_PATHS;

  async render(error: AppError, _req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { httpStatus, envelope } = toProxyAnswer(error);
    await reply.status(httpStatus).send(envelope);
  }
}
