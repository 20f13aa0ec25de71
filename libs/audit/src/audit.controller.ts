import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BearerAuth, ErrorBodyDto, Scope } from '#app/common';
import { exportChunks, streamToResponse } from './audit-export.js';
import { AuditReader } from './audit-reader.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditService } from './audit.service.js';
import {
  AuditEventDto,
  AuditEventPageDto,
  AuditSeqParamDto,
  ExportAuditQueryDto,
  ListAuditEventsQueryDto,
  RetentionResultDto,
  RunRetentionDto,
  toAuditEventResponse,
  toAuditFilter,
  toCheckpoints,
  VerifyAuditBodyDto,
  VerifyAuditQueryDto,
  VerifyReportDto,
} from './audit.dto.js';

/** The auditors' view of the trail: read-only for the `audit:read` scope; retention for `admin`. Each route declares its scope. */
@ApiTags('Audit')
@ApiBadRequestResponse({ description: 'Invalid query.', type: ErrorBodyDto })
@Controller('api/v1/audit')
export class AuditController {
  constructor(
    private readonly reader: AuditReader,
    private readonly audit: AuditService,
    private readonly retention: AuditRetentionService,
  ) {}

  @Get('events')
  @BearerAuth(Scope.AuditRead)
  @ApiOperation({ summary: 'List events, filtered, newest or oldest first, by sequence cursor' })
  @ApiOkResponse({ type: AuditEventPageDto })
  async list(@Query() query: ListAuditEventsQueryDto): Promise<AuditEventPageDto> {
    const page = await this.reader.page(toAuditFilter(query), { order: query.order ?? 'newest', cursor: query.cursor, limit: query.limit ?? 50 });
    return { items: page.items.map(toAuditEventResponse), nextCursor: page.nextCursor };
  }

  @Get('events/:seq')
  @BearerAuth(Scope.AuditRead)
  @ApiOperation({ summary: 'Get one event' })
  @ApiOkResponse({ type: AuditEventDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto })
  async get(@Param() params: AuditSeqParamDto): Promise<AuditEventDto> {
    return toAuditEventResponse(await this.reader.get(params.seq));
  }

  @Get('export')
  @BearerAuth(Scope.AuditRead)
  @ApiOperation({ summary: 'Export the filtered events as NDJSON or CSV, streamed (the export itself is audited)' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'One event per line: the JSON of an event (NDJSON), or a CSV row under a header.', schema: { type: 'string' } })
  @ApiServiceUnavailableResponse({ description: 'The export could not be audited.', type: ErrorBodyDto })
  async export(@Query() query: ExportAuditQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const format = query.format ?? 'ndjson';
    const filter = toAuditFilter(query);
    await this.audit.record({
      action: 'audit.exported',
      outcome: 'success',
      target: { type: 'audit_trail', id: null },
      details: { format, filter: { ...query } },
    });
    reply.hijack();
    const res = reply.raw;
    res.statusCode = 200;
    res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="audit-${new Date().toISOString().replace(/[:.]/g, '')}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    );
    await streamToResponse(res, exportChunks(this.reader.walk(filter, query.order ?? 'oldest'), format));
  }

  @Get('verify')
  @BearerAuth(Scope.AuditRead)
  @ApiOperation({ summary: 'Walk the hash chain (whole trail or a range), check it against the checkpoint file, and report every broken range' })
  @ApiOkResponse({ type: VerifyReportDto })
  verify(@Query() query: VerifyAuditQueryDto): Promise<VerifyReportDto> {
    return this.reader.verify({ fromSeq: query.fromSeq, toSeq: query.toSeq, maxBroken: query.maxBroken });
  }

  @Post('verify')
  @HttpCode(200)
  @BearerAuth(Scope.AuditRead)
  @ApiOperation({ summary: 'Like GET verify, also checking the trail against checkpoints kept outside the bridge (given in the body)' })
  @ApiOkResponse({ type: VerifyReportDto })
  verifyWith(@Body() body: VerifyAuditBodyDto): Promise<VerifyReportDto> {
    return this.reader.verify({ fromSeq: body.fromSeq, toSeq: body.toSeq, maxBroken: body.maxBroken }, toCheckpoints(body.checkpoints));
  }

  @Post('retention/run')
  @HttpCode(200)
  @BearerAuth(Scope.Admin)
  @ApiOperation({ summary: 'Archive the events older than the retention age to an NDJSON file, then remove them (admin)' })
  @ApiOkResponse({ type: RetentionResultDto })
  runRetention(@Body() body: RunRetentionDto): Promise<RetentionResultDto> {
    return this.retention.run(body.olderThanDays);
  }
}
