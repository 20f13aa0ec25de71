import { Body, Controller, HttpCode, Post, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ExternalAuth } from '#app/common';
import { OmflowEnvelopeFilter } from './omflow-envelope.filter.js';
import {
  GroupListAnswerDto,
  GroupListRequestDto,
  OmflowErrorEnvelopeDto,
  omflowAnswer,
  OmflowGroupMemberDto,
  OmflowGroupRowDto,
  OmflowUserRowDto,
  UserListAnswerDto,
  UserListRequestDto,
  UsersByGroupAnswerDto,
  UsersByGroupRequestDto,
} from './query.dto.js';
import { QueryAudit } from './query-audit.js';
import { SecurityCodeGuard } from './security-code.guard.js';
import { UserQueryService } from './user-query.service.js';

/**
 * Name of the OpenAPI security scheme of the query API. The code travels in the JSON body
 * (`security`), which OpenAPI cannot describe; the document declares it as an API key named
 * `security` (apps/bridge/src/openapi.ts).
 */
export const OMFLOW_SECURITY_CODE = 'omflow-security-code';

/** Bodies are read as plain objects (the global ValidationPipe skips them): OMFLOW tolerates unknown fields, and every problem must answer in OMFLOW's envelope. */
type QueryBody = Record<string, unknown>;

const ENVELOPE_NOTE =
  'Always HTTP 200. `status` 403: missing `omflow_restapi`, missing, unknown or expired `security`; 404: "Query failed: <reason>"; 500: unexpected.';

@ApiTags('OMFLOW: query API')
@ApiExtraModels(UserListAnswerDto, UsersByGroupAnswerDto, GroupListAnswerDto, OmflowErrorEnvelopeDto, OmflowUserRowDto, OmflowGroupRowDto, OmflowGroupMemberDto)
@Controller('rest/accounts/api')
@ExternalAuth()
@ApiSecurity(OMFLOW_SECURITY_CODE)
@UseGuards(SecurityCodeGuard)
@UseFilters(OmflowEnvelopeFilter)
export class UserQueryController {
  constructor(
    private readonly queries: UserQueryService,
    private readonly audit: QueryAudit,
  ) {}

  /** Users matching the conditions: the published ones and those removed since (`delete: true`). */
  @Post('user/list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query users (seeds/001 "User")' })
  @ApiBody({
    type: UserListRequestDto,
    examples: {
      seed: {
        value: {
          security: '<security code>',
          omflow_restapi: 1,
          search_conditions: [],
          search_columns: [],
          exclude_conditions: [],
          order_columns: [],
          limit: 100,
          start: 0,
        },
      },
      conditions: {
        value: {
          security: '<security code>',
          omflow_restapi: 1,
          search_conditions: [
            { column: 'username', condition: 'in', value: ['admin', 'user001'] },
            { column: 'id', condition: '>', value: 3 },
            { column: 'nick_name', condition: 'contains', value: 'wei' },
            { column: 'updatetime', condition: '>', value: '2026-01-01T00:00:00Z' },
            { column: 'delete', condition: '=', value: false },
          ],
          exclude_conditions: [{ column: 'company', condition: '=', value: 'ACME' }],
          search_columns: ['id', 'username', 'nick_name'],
          order_columns: ['-id'],
          start: 0,
          limit: 100,
        },
      },
      pastSnapshot: {
        value: { security: '<security code>', omflow_restapi: 1, snapshot: 3, search_conditions: [{ column: 'default_group', condition: '=', value: 'rd' }] },
      },
    },
  })
  @ApiOkResponse({ description: `\`{"status":200,"message":"Query successful.","result":[...]}\`. ${ENVELOPE_NOTE}`, schema: omflowAnswer(UserListAnswerDto) })
  async listUsers(@Body() body: QueryBody, @Res() reply: FastifyReply): Promise<void> {
    const prepared = await this.queries.prepareUsers(body);
    // A query is a read: its audit record is written while the rows go out, not before them.
    await this.audit.during('omflow.query.users', { status: 200, query: summary(body) }, () =>
      this.queries.stream(prepared, 'Query successful.', rawAnswer(reply)),
    );
  }

  /** Members of departments given by code or by name, keyed by department code. */
  @Post('user/list-by-group')
  @HttpCode(200)
  @ApiOperation({ summary: 'Users of departments (seeds/001 "Use Organization Code to search for users")' })
  @ApiBody({
    type: UsersByGroupRequestDto,
    examples: {
      byCode: { value: { security: '<security code>', omflow_restapi: 1, org_no: ['rd', 'sales'] } },
      byName: { value: { security: '<security code>', omflow_restapi: 1, org_name: ['Sales'] } },
    },
  })
  @ApiOkResponse({
    description: `\`{"status":200,"message":"Read successfully.","result":{"<code>":[{"user":1,"user__nick_name":"…","user__username":"…","user__ad_no":"…"}]}}\`; unknown codes or names are left out. ${ENVELOPE_NOTE}`,
    schema: omflowAnswer(UsersByGroupAnswerDto),
  })
  async listByGroup(@Body() body: QueryBody): Promise<{ status: 200; message: string; result: Record<string, unknown[]> }> {
    const result = await this.audit.during('omflow.query.users_by_group', { status: 200, org_no: body.org_no ?? null, org_name: body.org_name ?? null }, () =>
      this.queries.usersByGroup(body),
    );
    return { status: 200, message: 'Read successfully.', result };
  }

  /** Departments (`{id, group_no, display_name, parent_group_id, description}`), filtered like user/list; no filter: all of them. */
  @Post('group/list')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query departments' })
  @ApiBody({
    type: GroupListRequestDto,
    examples: {
      all: { value: { security: '<security code>', omflow_restapi: 1 } },
      filtered: {
        value: {
          security: '<security code>',
          omflow_restapi: 1,
          search_conditions: [{ column: 'group_no', condition: 'in', value: ['rd', 'sales'] }],
          order_columns: ['display_name'],
        },
      },
    },
  })
  @ApiOkResponse({ description: `\`{"status":200,"message":"Query successful.","result":[...]}\`. ${ENVELOPE_NOTE}`, schema: omflowAnswer(GroupListAnswerDto) })
  async listGroups(@Body() body: QueryBody, @Res() reply: FastifyReply): Promise<void> {
    const prepared = this.queries.prepareGroups(body);
    await this.audit.during('omflow.query.groups', { status: 200, query: summary(body) }, () =>
      this.queries.stream(prepared, 'Query successful.', rawAnswer(reply)),
    );
  }
}

/**
 * The Node response, once the first page is read: the streamed answer is written there with
 * backpressure, and Fastify is told to leave the reply alone (`hijack`). Until then nothing is
 * written, so that a failing query still answers its envelope through the filter.
 */
function rawAnswer(reply: FastifyReply): () => FastifyReply['raw'] {
  return () => {
    reply.hijack();
    return reply.raw;
  };
}

/** What the audit keeps of a query: its shape, without the security code. */
function summary(body: QueryBody): Record<string, unknown> {
  const { search_conditions, exclude_conditions, search_columns, order_columns, start, limit, snapshot } = body;
  return { search_conditions, exclude_conditions, search_columns, order_columns, start, limit, snapshot };
}
