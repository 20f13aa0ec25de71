import { Controller, Get, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import { ApiBasicAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { BASIC_SECURITY, ExternalAuth } from '#app/common';
import { OmflowEnvelopeFilter } from './omflow-envelope.filter.js';
import { OmflowErrorEnvelopeDto, omflowAnswer, SecurityCodeAnswerDto, SecurityCodeResultDto } from './query.dto.js';
import { QueryAudit } from './query-audit.js';
import { SecurityCodeService } from './security-code.service.js';

/** The answer of both forms of the call, the 403 envelope included. */
const SECURITY_CODE_ANSWER = {
  description:
    'HTTP 200 always: `{"status":200,"message":"Successful.","result":{"security":"<uuid>"}}`, or `{"status":403,"message":"User does not exist or is not enabled.","result":null}` for missing, wrong or revoked credentials or a client without `users:query`.',
  schema: omflowAnswer(SecurityCodeAnswerDto),
};

type SecurityAnswer = { status: 200; message: string; result: { security: string } };

@ApiTags('OMFLOW: query API')
@ApiExtraModels(SecurityCodeAnswerDto, SecurityCodeResultDto, OmflowErrorEnvelopeDto)
@Controller('accounts/api/security')
@ExternalAuth()
@UseFilters(OmflowEnvelopeFilter)
export class SecurityCodeController {
  constructor(
    private readonly codes: SecurityCodeService,
    private readonly audit: QueryAudit,
  ) {}

  /**
   * A security code for the `/rest/...` query API, for HTTP Basic credentials of a bridge API
   * client holding `users:query`. The same code comes back while it lives; it expires after
   * SECURITY_CODE_TTL_SECONDS (5 minutes) without use, each use renewing it.
   */
  @Get('get')
  @HttpCode(200)
  @ApiBasicAuth(BASIC_SECURITY)
  @ApiOperation({ summary: 'Get a security code (seeds/001 "Security Code"); GET or POST' })
  @ApiOkResponse(SECURITY_CODE_ANSWER)
  get(@Req() req: FastifyRequest): Promise<SecurityAnswer> {
    return this.issue(req);
  }

  /** The same as GET (OMFLOW accepts both). */
  @Post('get')
  @HttpCode(200)
  @ApiBasicAuth(BASIC_SECURITY)
  @ApiOperation({ summary: 'Get a security code (POST form of the same call)' })
  @ApiOkResponse(SECURITY_CODE_ANSWER)
  post(@Req() req: FastifyRequest): Promise<SecurityAnswer> {
    return this.issue(req);
  }

  private async issue(req: FastifyRequest): Promise<SecurityAnswer> {
    const { code, principal } = await this.codes.issue(req.headers.authorization);
    await this.audit.record('omflow.query.security_code', 'success', { status: 200 }, { type: 'api_client', id: principal.clientId });
    return { status: 200, message: 'Successful.', result: { security: code } };
  }
}
