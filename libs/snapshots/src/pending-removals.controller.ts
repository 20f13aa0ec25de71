import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BearerAuth, CurrentPrincipal, ErrorBodyDto, Scope, type Principal } from '#app/common';
import {
  ExpeditedRemovalDto,
  ListPendingRemovalsQueryDto,
  PendingRemovalDto,
  PendingRemovalKeyParamDto,
  PendingRemovalPageDto,
  RemovalDecisionDto,
  toExpedited,
  toPendingRemoval,
} from './pending-removals.dto.js';
import { PendingRemovalDecisions } from './pending-removals.service.js';

@ApiTags('Sync: pending removals')
@BearerAuth(Scope.SyncAdmin)
@Controller('api/v1/sync/pending-removals')
export class PendingRemovalsController {
  constructor(private readonly decisions: PendingRemovalDecisions) {}

  @Get()
  @ApiOperation({
    summary: 'People missing from the directory whose removal from /sync waits out the grace window (GUARD_DELETION_GRACE_HOURS), soonest due first',
    description:
      'They stay in `/sync` and cannot log in through `/authenticate` until a run after `dueAt` removes them, they reappear, or an operator decides.',
  })
  @ApiOkResponse({ type: PendingRemovalPageDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto })
  async list(@Query() query: ListPendingRemovalsQueryDto): Promise<PendingRemovalPageDto> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const page = await this.decisions.list({ status: query.status, offset, limit });
    return { items: page.items.map(toPendingRemoval), total: page.total, offset, limit };
  }

  @Post(':key/expedite')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove the person from /sync now: a snapshot without them is written and published (held runs are superseded)' })
  @ApiOkResponse({ type: ExpeditedRemovalDto })
  @ApiBadRequestResponse({ description: 'No note, or a malformed key.', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'No pending removal of this person.', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'Other sync work holds the lock, or the person is the last one published.', type: ErrorBodyDto })
  async expedite(
    @Param() params: PendingRemovalKeyParamDto,
    @Body() body: RemovalDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ExpeditedRemovalDto> {
    return toExpedited(await this.decisions.expedite(params.key, body.note, principal.clientId), body.note, principal.clientId);
  }

  @Post(':key/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel the removal: the person stays in /sync and may log in again',
    description:
      'Until they reappear in the directory (the cancelled removal then ends) or someone expedites it; later runs do not open a new window for them.',
  })
  @ApiOkResponse({ type: PendingRemovalDto })
  @ApiBadRequestResponse({ description: 'No note, or a malformed key.', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'No pending removal of this person.', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'Already cancelled, or other sync work holds the lock.', type: ErrorBodyDto })
  async cancel(
    @Param() params: PendingRemovalKeyParamDto,
    @Body() body: RemovalDecisionDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PendingRemovalDto> {
    return toPendingRemoval(await this.decisions.cancel(params.key, body.note, principal.clientId));
  }
}
