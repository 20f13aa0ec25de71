import { Body, Controller, Get, Header, HttpCode, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BearerAuth, CurrentPrincipal, ErrorBodyDto, OffsetPageQueryDto, Scope, type Principal } from '#app/common';
import { OmflowSyncSuccessDto } from '#app/omflow-contract';
import { SnapshotReader } from './snapshot-reader.service.js';
import {
  DiffPageQueryDto,
  DiffQueryDto,
  ListRunsQueryDto,
  RepublishedDto,
  RunDetailDto,
  RunDiffDto,
  RunPageDto,
  SnapshotDiffDto,
  SnapshotDto,
  SnapshotPageDto,
  StartRunDto,
  StartRunQueryDto,
  SyncStatusDto,
  toDiffPageDto,
  toDiffPageRequest,
  toRunDetail,
  toRunSummary,
} from './sync-admin.dto.js';
import { SyncRuns } from './sync-runs.service.js';
import { SyncService } from './sync.service.js';
import type { SnapshotRow } from './version-chain.repository.js';
import { DIFF_KINDS } from './diff.js';

const DIFF_PAGE_DESCRIPTION =
  'Paged: `summary` counts the whole diff; `kind` (repeated or comma-separated: ' +
  DIFF_KINDS.map((k) => `\`${k}\``).join(', ') +
  '; default all) chooses the kinds listed, each paged on its own by `offset` and `limit` (default 100, at most 1000); ' +
  '`q` keeps the changes of people whose username, name or email contains it (case-insensitive; departments: code or name), ' +
  '`matched` counting them by kind. Changed users and departments carry `fields`, each with `before` and `after`.';

@ApiTags('Sync: runs')
@BearerAuth(Scope.SyncAdmin)
@Controller('api/v1/sync')
export class SyncRunsController {
  constructor(
    private readonly sync: SyncService,
    private readonly runs: SyncRuns,
    private readonly reader: SnapshotReader,
  ) {}

  @Get('status')
  @ApiOperation({ summary: 'What /sync serves, when OMFLOW last pulled, and whether runs wait for a decision' })
  @ApiOkResponse({ type: SyncStatusDto })
  async status(): Promise<SyncStatusDto> {
    const status = await this.reader.status();
    return {
      publishedSnapshotId: status.publishedSnapshotId,
      publishedAt: status.publishedAt?.toISOString() ?? null,
      payloadBytes: status.payloadBytes,
      lastPullAt: status.lastPullAt?.toISOString() ?? null,
      lastPullClient: status.lastPullClient,
      lastPullSnapshotId: status.lastPullSnapshotId,
      lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
      running: this.sync.busy,
      heldRuns: status.heldRuns,
    };
  }

  @Post('runs')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a sync now (or a dry run): answered at once with the run, or with the run already going (here or on another instance)',
    description: 'Follow it at `Location` (`GET /api/v1/sync/runs/{id}`, with its `progress`) or its `/events` stream. `?wait=true` answers when it ends.',
  })
  @ApiAcceptedResponse({
    type: RunDetailDto,
    description: 'The run started, or the one already going; `Location` is its address.',
    headers: { Location: { description: 'The run: /api/v1/sync/runs/{id}', schema: { type: 'string' } } },
  })
  @ApiOkResponse({ type: RunDetailDto, description: 'With `?wait=true`: the run once it ended.' })
  @ApiConflictResponse({ description: 'Other sync work (an approval, a republish) holds the lock.', type: ErrorBodyDto })
  async start(
    @Body() body: StartRunDto,
    @Query() query: StartRunQueryDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RunDetailDto> {
    const { run, ended } = await this.runs.start({ trigger: 'manual', dryRun: body.dryRun ?? false, requestedBy: principal.clientId }, query.wait ?? false);
    void reply.status(ended ? 200 : 202).header('Location', `/api/v1/sync/runs/${run.id}`);
    return toRunDetail(run);
  }

  @Get('runs')
  @ApiOperation({ summary: 'Run history, newest first' })
  @ApiOkResponse({ type: RunPageDto })
  async list(@Query() query: ListRunsQueryDto): Promise<RunPageDto> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const page = await this.reader.listRuns({ status: query.status, offset, limit });
    return { items: page.items.map(toRunSummary), total: page.total, offset, limit };
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One run with its progress, findings and diff' })
  @ApiOkResponse({ type: RunDetailDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@Param('id', ParseIntPipe) id: number): Promise<RunDetailDto> {
    return toRunDetail(await this.runs.get(id));
  }

  @Get('runs/:id/diff')
  @ApiOperation({
    summary: "A page of a run's diff: its snapshot against the one published when it started (what a held run would change)",
    description: DIFF_PAGE_DESCRIPTION,
  })
  @ApiOkResponse({ type: RunDiffDto })
  @ApiBadRequestResponse({ description: 'An unknown `kind`, or a bad `offset`, `limit` or `q`.', type: ErrorBodyDto })
  @ApiNotFoundResponse({ description: 'No such run, or its snapshots were removed by retention.', type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'The run wrote no snapshot (a dry run, a failed run, or one still reading).', type: ErrorBodyDto })
  async diff(@Param('id', ParseIntPipe) id: number, @Query() query: DiffPageQueryDto): Promise<RunDiffDto> {
    const page = toDiffPageRequest(query);
    return toDiffPageDto(page, await this.reader.runDiff(id, page));
  }

  @Get('runs/:id/events')
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: "A run's progress as server-sent events until it ends",
    description:
      'Events: `progress` (the run\'s `progress`, each time it changes, at most 4 a second), then `run` (the ended run, as `GET /api/v1/sync/runs/{id}`), and the stream closes. ' +
      'Each event has an `id:`; `retry:` is sent first; a comment every 15 s keeps the connection alive. An ended run gets its `run` event at once.',
  })
  @ApiOkResponse({ description: '`text/event-stream`: `event: progress` / `event: run` with JSON `data:`.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async events(@Param('id', ParseIntPipe) id: number, @Res() reply: FastifyReply): Promise<void> {
    const run = await this.runs.get(id);
    reply.hijack();
    await this.runs.stream(run, reply.raw);
  }
}

function toSnapshotDto(snapshot: SnapshotRow, publishedId: number | null): SnapshotDto {
  return {
    ...snapshot,
    createdAt: snapshot.createdAt.toISOString(),
    publishedAt: snapshot.publishedAt?.toISOString() ?? null,
    published: snapshot.id === publishedId,
  };
}

@ApiTags('Sync: snapshots')
@ApiExtraModels(OmflowSyncSuccessDto)
@BearerAuth(Scope.SyncAdmin)
@Controller('api/v1/snapshots')
export class SnapshotsController {
  constructor(
    private readonly sync: SyncService,
    private readonly reader: SnapshotReader,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Kept snapshots, newest first' })
  @ApiOkResponse({ type: SnapshotPageDto })
  async list(@Query() query: OffsetPageQueryDto): Promise<SnapshotPageDto> {
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 50;
    const page = await this.reader.listSnapshots(offset, limit);
    return { items: page.items.map((s) => toSnapshotDto(s, page.publishedId)), total: page.total, offset, limit };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One snapshot' })
  @ApiOkResponse({ type: SnapshotDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@Param('id', ParseIntPipe) id: number): Promise<SnapshotDto> {
    const { snapshot, published } = await this.reader.snapshot(id);
    return toSnapshotDto(snapshot, published ? id : null);
  }

  @Get(':id/content')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiProduces('application/json')
  @ApiOperation({ summary: 'The snapshot whole, exactly as /sync answers it' })
  @ApiOkResponse({
    description: '`{status, user_info_list, group_info_list}` as in the OMFLOW Custom HR contract.',
    schema: { $ref: getSchemaPath(OmflowSyncSuccessDto) },
  })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async content(@Param('id', ParseIntPipe) id: number): Promise<string> {
    return this.reader.contentJson(id);
  }

  @Get(':id/diff')
  @ApiOperation({
    summary: 'A page of the users and departments added, changed (field by field) and removed since another snapshot',
    description: DIFF_PAGE_DESCRIPTION,
  })
  @ApiOkResponse({ type: SnapshotDiffDto })
  @ApiBadRequestResponse({ description: 'An unknown `kind`, or a bad `against`, `offset`, `limit` or `q`.', type: ErrorBodyDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async diff(@Param('id', ParseIntPipe) id: number, @Query() query: DiffQueryDto): Promise<SnapshotDiffDto> {
    const page = toDiffPageRequest(query);
    return toDiffPageDto(page, await this.reader.diff(id, query.against, page));
  }

  @Post(':id/publish')
  @HttpCode(200)
  @ApiOperation({ summary: 'Publish this snapshot again (rollback): /sync serves it from now on' })
  @ApiOkResponse({ type: RepublishedDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  @ApiConflictResponse({ description: 'A run is in progress, or the snapshot has no users (an empty organisation is never published).', type: ErrorBodyDto })
  async publish(@Param('id', ParseIntPipe) id: number, @CurrentPrincipal() principal: Principal): Promise<RepublishedDto> {
    return this.sync.republish(id, principal.clientId);
  }
}
