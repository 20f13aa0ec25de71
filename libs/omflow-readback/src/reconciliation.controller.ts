import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { actorKindOf, AppError, BearerAuth, CurrentPrincipal, ErrorBodyDto, ErrorCode, Scope, type Principal } from '#app/common';
import { LastReconciliationDto, ReconciliationDto, RunReconciliationQueryDto, toReconciliationDto } from './reconciliation.dto.js';
import { ReconciliationService } from './reconciliation.service.js';

const location = (id: number): string => `/api/v1/omflow/reconciliation/runs/${id}`;

@ApiTags('OMFLOW: read-back')
@Controller('api/v1/omflow/reconciliation')
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Get()
  @BearerAuth(Scope.SyncAdmin, Scope.AuditRead)
  @ApiOperation({
    summary: 'The last comparison of what OMFLOW holds with the snapshot it last pulled',
    description: '`inSync`, the counts, samples of each difference, which snapshot, when and how long; `runningId` names a comparison running now.',
  })
  @ApiOkResponse({ type: LastReconciliationDto })
  @ApiNotFoundResponse({ description: 'No comparison has ended yet (or the read-back is off: OMFLOW_URL).', type: ErrorBodyDto })
  async last(): Promise<LastReconciliationDto> {
    const { last, running } = await this.reconciliation.last();
    if (!last) {
      throw new AppError(
        ErrorCode.NotFound,
        this.reconciliation.configured
          ? `No comparison with OMFLOW has ended yet${running ? ` (comparison ${running.id} is running)` : ''}: POST /api/v1/omflow/reconciliation/run starts one.`
          : 'The read-back of OMFLOW is off: set OMFLOW_URL, OMFLOW_API_USER and OMFLOW_API_PASSWORD.',
      );
    }
    return { ...toReconciliationDto(last), runningId: running?.id ?? null };
  }

  @Get('runs/:id')
  @BearerAuth(Scope.SyncAdmin, Scope.AuditRead)
  @ApiOperation({ summary: 'One comparison (running or ended; the newest 100 are kept)' })
  @ApiOkResponse({ type: ReconciliationDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@Param('id', ParseIntPipe) id: number): Promise<ReconciliationDto> {
    return toReconciliationDto(await this.reconciliation.get(id));
  }

  @Post('run')
  @HttpCode(202)
  @BearerAuth(Scope.SyncAdmin)
  @ApiOperation({
    summary: 'Compare OMFLOW with the snapshot it last pulled now: answered at once, or with the comparison already running (here or on another instance)',
    description: 'Follow it at `Location` (`GET /api/v1/omflow/reconciliation/runs/{id}`). `?wait=true` answers when it ends.',
  })
  @ApiAcceptedResponse({
    type: ReconciliationDto,
    description: 'The comparison started, or the one already running; `Location` is its address.',
    headers: { Location: { description: 'The comparison: /api/v1/omflow/reconciliation/runs/{id}', schema: { type: 'string' } } },
  })
  @ApiOkResponse({ type: ReconciliationDto, description: 'With `?wait=true`: the comparison once it ended.' })
  @ApiConflictResponse({ description: 'The read-back is off (OMFLOW_URL not set).', type: ErrorBodyDto })
  async run(
    @Query() query: RunReconciliationQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReconciliationDto> {
    const { row, ended } = await this.reconciliation.start(
      { trigger: 'manual', requestedBy: principal.clientId, actor: { kind: actorKindOf(principal), id: principal.clientId } },
      query.wait ?? false,
    );
    void reply.status(ended ? 200 : 202).header('Location', location(row.id));
    return toReconciliationDto(row);
  }
}
