import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppError, pathOf, RendersBodyErrors, type BodyErrorSurface } from '#app/common';
import { envelopeMessage, omflowStatusOf } from './omflow-envelope.filter.js';
import { QueryAudit, queryActionOf } from './query-audit.js';

/** The paths of the query API, whose every answer is an OMFLOW envelope. */
export const QUERY_PATHS = ['/rest/accounts/api', '/accounts/api/security'];

/** Malformed or oversized bodies on the query paths answer in the envelope too (and are audited as the call's failure). */
@RendersBodyErrors()
@Injectable()
export class QueryBodyErrors implements BodyErrorSurface {
  private readonly logger = new Logger(QueryBodyErrors.name);
  readonly paths = QUERY_PATHS;

  constructor(private readonly audit: QueryAudit) {}

  async render(appError: AppError, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const status = omflowStatusOf(appError.code);
    const message = envelopeMessage(appError, status);
    await this.audit
      .record(queryActionOf(pathOf(req)), 'failure', { status, message })
      .catch((auditError: unknown) => this.logger.error({ err: auditError }, 'Could not audit a query API failure'));
    await reply.status(200).send({ status, message, result: null });
  }
}
