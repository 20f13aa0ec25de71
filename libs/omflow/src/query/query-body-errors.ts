import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type AppError, RendersBodyErrors, type BodyErrorSurface } from '#app/common';
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

  async render(appError: AppError, req: Request, res: Response): Promise<void> {
    const status = omflowStatusOf(appError.code);
    const message = envelopeMessage(appError, status);
    await this.audit
      .record(queryActionOf(req.originalUrl), 'failure', { status, message })
      .catch((auditError: unknown) => this.logger.error({ err: auditError }, 'Could not audit a query API failure'));
    res.status(200).json({ status, message, result: null });
  }
}
