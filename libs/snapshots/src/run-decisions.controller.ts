import { Body, Controller, HttpCode, Param, ParseIntPipe, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BearerAuth, CurrentPrincipal, ErrorBodyDto, Scope, type Principal } from '#app/common';
import { OVERRIDE_TOKEN_MAX_MINUTES } from './decisions.js';
import { RunDecisions } from './run-decisions.service.js';
import { ApproveRunDto, CreateOverrideTokenDto, DecideRunDto, OverrideTokenDto, RejectRunDto, RunDetailDto, toRunDetail } from './sync-admin.dto.js';

const FOUR_EYES =
  'With GUARD_FOUR_EYES_USER_REMOVALS, a decision publishing more user removals than it allows needs two approvals from different clients: ' +
  'the first is recorded on the run (answer 202, the run still held, `approvals` showing it), the second, making the same decision, publishes (200). ' +
  'The same client again, or a second approval making a different decision, answers 409. An `overrideToken` publishes with one approval.';

@ApiTags('Sync: runs')
@BearerAuth(Scope.SyncAdmin)
@Controller('api/v1/sync/runs')
export class RunDecisionsController {
  constructor(private readonly decisions: RunDecisions) {}

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a held run whole: decide its renames (keep or accept) and publish', description: FOUR_EYES })
  @ApiOkResponse({ type: RunDetailDto, description: 'Published.' })
  @ApiAcceptedResponse({ type: RunDetailDto, description: 'Four-eyes: the first approval is recorded; the run waits for a second.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: "The override token is unknown, expired or another run's.", type: ErrorBodyDto })
  @ApiConflictResponse({
    description: 'The run is not held, a newer snapshot overtook it, this client already approved it, or the override token was used.',
    type: ErrorBodyDto,
  })
  async approve(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: ApproveRunDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RunDetailDto> {
    const { run, published } = await this.decisions.approve(id, body, principal.clientId);
    void reply.status(published ? 200 : 202);
    return toRunDetail(run);
  }

  @Post(':id/decide')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Decide a held run change by change or kind by kind: publish the accepted changes, keep the published version of the rejected ones',
    description:
      "Kinds: `user-removals` (key: username), `moves`, `renames` (key: the person's stable key), `group-removals`, `emptied-departments` (key: group_no), as in the run's `diff.sample` and `holdReasons`. " +
      "A change takes its own verdict, else its kind's; the rest is rejected. A decision that contradicts itself (a person kept in a department whose removal is accepted, " +
      'a username held twice) is refused with 422 naming the conflicts. ' +
      FOUR_EYES,
  })
  @ApiOkResponse({ type: RunDetailDto, description: 'Published: a new snapshot with the accepted changes.' })
  @ApiAcceptedResponse({ type: RunDetailDto, description: 'Four-eyes: the first approval is recorded; the run waits for a second.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiForbiddenResponse({ description: "The override token is unknown, expired or another run's.", type: ErrorBodyDto })
  @ApiConflictResponse({
    description:
      'The run is not held or was overtaken, this client already approved it, the decision differs from the first approval, or the override token was used.',
    type: ErrorBodyDto,
  })
  @ApiUnprocessableEntityResponse({
    description: 'A change the run does not have, or a decision that contradicts itself; nothing was published.',
    type: ErrorBodyDto,
  })
  async decide(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: DecideRunDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RunDetailDto> {
    const { run, published } = await this.decisions.decide(id, body, principal.clientId);
    void reply.status(published ? 200 : 202);
    return toRunDetail(run);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a held run; /sync keeps serving the published snapshot' })
  @ApiOkResponse({ type: RunDetailDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'The run is not held.', type: ErrorBodyDto })
  async reject(@Param('id', ParseIntPipe) id: number, @Body() body: RejectRunDto, @CurrentPrincipal() principal: Principal): Promise<RunDetailDto> {
    return toRunDetail(await this.decisions.reject(id, body.note, principal.clientId));
  }

  @Post(':id/override-token')
  @BearerAuth(Scope.Admin)
  @ApiOperation({
    summary: 'Emergency override: a single-use token letting one approval publish this held run (admin only)',
    description: 'Valid at most an hour, for this run only; shown once (only its SHA-256 digest is kept); its creation, use and refusals are audited.',
  })
  @ApiCreatedResponse({ type: OverrideTokenDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'The run is not held.', type: ErrorBodyDto })
  async overrideToken(
    @Param('id', ParseIntPipe) id: number,
    @Body() body: CreateOverrideTokenDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OverrideTokenDto> {
    return this.decisions.createOverrideToken(id, body.expiresInMinutes ?? OVERRIDE_TOKEN_MAX_MINUTES, principal.clientId);
  }
}
