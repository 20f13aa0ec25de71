import { Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { BasicAuth, CurrentPrincipal, Scope, type Principal } from '#app/access';
import { AuditService } from '#app/audit';
import { PublishedPayload } from '#app/snapshots';
import { OmflowFailDto, OmflowSyncSuccessDto } from './sync.dto.js';

export const NOTHING_PUBLISHED =
  'No snapshot has been published yet: the first sync has not succeeded (see /api/v1/sync/runs). An empty organisation is never served, since OMFLOW would delete every user.';

@ApiTags('OMFLOW: Custom HR')
@ApiExtraModels(OmflowSyncSuccessDto, OmflowFailDto)
@Controller()
export class OmflowSyncController {
  private readonly logger = new Logger(OmflowSyncController.name);

  constructor(
    private readonly payload: PublishedPayload,
    private readonly audit: AuditService,
  ) {}

  /**
   * The published snapshot, prepared when it was published and served as stored bytes (gzip
   * when the client accepts it). Every answer is audited with the snapshot it carried.
   */
  @Post('sync')
  @HttpCode(200)
  @BasicAuth(Scope.Omflow)
  @ApiOperation({ summary: 'Users and departments for OMFLOW to synchronise (seeds/000 "Synchronize data")' })
  @ApiOkResponse({
    description: 'The published organisation, or `{"status":"fail"}` before the first publish.',
    schema: { oneOf: [{ $ref: getSchemaPath(OmflowSyncSuccessDto) }, { $ref: getSchemaPath(OmflowFailDto) }] },
  })
  async sync(@Req() req: Request, @Res() res: Response, @CurrentPrincipal() principal: Principal): Promise<void> {
    const current = await this.payload.current();
    if (!current) {
      await this.audit.record({
        action: 'omflow.sync.served',
        outcome: 'failure',
        target: { type: 'snapshot', id: null },
        details: { reason: 'nothing published' },
      });
      res.status(200).json({ status: 'fail', message: NOTHING_PUBLISHED });
      return;
    }
    // The answer is a read: its audit record is written while the bytes go out, not before.
    const audited = this.audit.record({ action: 'omflow.sync.served', outcome: 'success', target: { type: 'snapshot', id: String(current.snapshotId) } });
    this.payload.recordPull(principal.clientId, current.snapshotId).catch((error: unknown) => this.logger.warn(`Could not record the pull: ${String(error)}`));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('ETag', current.etag);
    res.setHeader('X-Snapshot-Id', String(current.snapshotId));
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'no-store');
    if (req.headers['if-none-match'] === current.etag) res.status(304).end();
    else if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(current.gzip);
    } else {
      res.end(current.raw());
    }
    await audited.catch((error: unknown) => this.logger.error({ err: error }, `Could not audit the /sync answer of snapshot ${current.snapshotId}`));
  }
}
