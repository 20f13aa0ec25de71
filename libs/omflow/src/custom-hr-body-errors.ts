import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '#app/audit';
import { type AppError, pathOf, RendersBodyErrors, type BodyErrorSurface } from '#app/common';

/** The Custom HR calls OMFLOW makes, whose every failure is `{"status":"fail"}` with HTTP 200. */
export const CUSTOM_HR_PATHS = ['/authenticate', '/sync'];

/**
 * OMFLOW reads the body of /sync and /authenticate: a malformed or oversized request body is
 * answered `{"status":"fail","message":…}` with HTTP 200 like every other failure there, and
 * audited as a failed login or pull.
 */
@RendersBodyErrors()
@Injectable()
export class CustomHrBodyErrors implements BodyErrorSurface {
  private readonly logger = new Logger(CustomHrBodyErrors.name);
  readonly paths = CUSTOM_HR_PATHS;

  constructor(private readonly audit: AuditService) {}

  async render(error: AppError, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const login = pathOf(req).startsWith('/authenticate');
    await this.audit
      .record({
        action: login ? 'auth.login.failed' : 'omflow.sync.served',
        outcome: 'failure',
        details: { reason: 'malformed_request', message: error.message },
      })
      .catch((auditError: unknown) => this.logger.error({ err: auditError }, 'Could not audit a malformed OMFLOW request'));
    await reply.status(200).send({ status: 'fail', message: error.message });
  }
}
