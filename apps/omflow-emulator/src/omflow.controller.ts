import { All, Body, Controller, Get, Headers, HttpCode, Logger, Post, Req } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppError } from '#app/common';
import { LoginService } from './login.service.js';
import { QueryService, SecurityCodeError } from './query.service.js';
import { OmflowEnvelopeDto } from './responses.dto.js';

/** OMFLOW's answer envelope (ResponseAjax): HTTP 200, the outcome in `status`. */
export interface Envelope {
  status: 200 | 403 | 404 | 500;
  message: string;
  result: unknown;
}

const ENVELOPE_SCHEMA = { $ref: getSchemaPath(OmflowEnvelopeDto) };

function bodyOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** OMFLOW's own routes, as far as the bridge meets them: the login form's call and the user query API (seeds/001). */
@ApiTags('OMFLOW')
@ApiExtraModels(OmflowEnvelopeDto)
@Controller()
export class OmflowController {
  private readonly logger = new Logger(OmflowController.name);

  constructor(
    private readonly queries: QueryService,
    private readonly logins: LoginService,
  ) {}

  private answer(message: string, work: () => unknown): Envelope {
    try {
      return { status: 200, message, result: work() };
    } catch (error) {
      if (error instanceof SecurityCodeError) return { status: 403, message: error.message, result: null };
      if (error instanceof AppError) return { status: 404, message: `Query failed: ${error.message}`, result: null };
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      return { status: 500, message: 'Query failed: an internal error occurred.', result: null };
    }
  }

  /**
   * OMFLOW's login call (omuser loginAjax, what its login form posts): HTTP Basic
   * `username:password` (or `email:password`). The user must exist and be active in OMFLOW; the
   * password is checked by the Custom HR application's `/authenticate`, as an OMFLOW synced from
   * Custom HR does.
   */
  @Post('accounts/api/login')
  @HttpCode(200)
  @ApiBasicAuth()
  @ApiOperation({ summary: "Log in as OMFLOW's login form does (HTTP Basic user:password; checked through the bridge's /authenticate)" })
  @ApiOkResponse({
    description: '`{"status":200,"message":"Login successful.","result":null}` or `{"status":403,"message":"Login failed.",...}`',
    schema: ENVELOPE_SCHEMA,
  })
  login(@Headers('authorization') authorization: string | undefined): Promise<Envelope> {
    return this.logins.login(authorization);
  }

  @Get('accounts/api/security/get')
  @HttpCode(200)
  @ApiBasicAuth()
  @ApiOperation({ summary: 'A security code for the query API (HTTP Basic of OMFLOW_EMULATOR_API_USER); GET or POST' })
  @ApiOkResponse({ description: '`{"status":200,"message":"Successful.","result":{"security":"<uuid>"}}`, or 403', schema: ENVELOPE_SCHEMA })
  securityGet(@Headers('authorization') authorization: string | undefined): Envelope {
    return this.answer('Successful.', () => ({ security: this.queries.issueCode(authorization) }));
  }

  @Post('accounts/api/security/get')
  @HttpCode(200)
  @ApiBasicAuth()
  @ApiOperation({ summary: 'The POST form of the security code call' })
  @ApiOkResponse({ description: 'As GET', schema: ENVELOPE_SCHEMA })
  securityPost(@Headers('authorization') authorization: string | undefined): Envelope {
    return this.securityGet(authorization);
  }

  @Post('rest/accounts/api/user/list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query users (seeds/001 "User"), over the emulator\'s store' })
  @ApiBody({
    schema: {
      type: 'object',
      example: { security: '<code>', omflow_restapi: 1, search_conditions: [], search_columns: [], order_columns: ['id'], start: 0, limit: 100 },
    },
  })
  @ApiOkResponse({ description: '`{"status":200,"message":"Query successful.","result":[...]}`; 403 gate, 404 bad query', schema: ENVELOPE_SCHEMA })
  users(@Body() body: unknown): Envelope {
    const request = bodyOf(body);
    return this.answer('Query successful.', () => (this.queries.checkGate(request), this.queries.users(request)));
  }

  @Post('rest/accounts/api/user/list-by-group')
  @HttpCode(200)
  @ApiOperation({ summary: 'Members of departments by code (org_no) or name (org_name)' })
  @ApiBody({ schema: { type: 'object', example: { security: '<code>', omflow_restapi: 1, org_no: ['rd'] } } })
  @ApiOkResponse({ description: '`{"status":200,"message":"Read successfully.","result":{"<code>":[{"user":1,...}]}}`', schema: ENVELOPE_SCHEMA })
  usersByGroup(@Body() body: unknown): Envelope {
    const request = bodyOf(body);
    return this.answer('Read successfully.', () => (this.queries.checkGate(request), this.queries.usersByGroup(request)));
  }

  @Post('rest/accounts/api/group/list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query departments: {id, group_no, display_name, parent_group_id, description}' })
  @ApiBody({ schema: { type: 'object', example: { security: '<code>', omflow_restapi: 1 } } })
  @ApiOkResponse({ description: '`{"status":200,"message":"Query successful.","result":[...]}`', schema: ENVELOPE_SCHEMA })
  groups(@Body() body: unknown): Envelope {
    const request = bodyOf(body);
    return this.answer('Query successful.', () => (this.queries.checkGate(request), this.queries.groups(request)));
  }

  /** OMFLOW's restapi view answers an unknown `/rest/...` path in its envelope. */
  @All('rest/*')
  @HttpCode(200)
  @ApiOperation({ summary: 'Any other /rest/ path: the 403 envelope OMFLOW answers', deprecated: true })
  unknown(@Req() req: FastifyRequest): Envelope {
    return {
      status: 403,
      message: `URL error: ${req.method} ${req.url.split('?')[0]} is not an OMFLOW REST API; check it and send the request again.`,
      result: null,
    };
  }
}
