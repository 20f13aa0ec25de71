import { Controller, HttpCode, Logger, Post, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditService } from '#app/audit';
import { BasicAuth, CurrentPrincipal, Scope, type Principal } from '#app/common';
import { PublishedPayload } from '#app/snapshots';
import { OmflowFailDto, OmflowSyncSuccessDto } from '#app/omflow-contract';

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
   * when the client accepts it). Every answer is audited with the snapshot it carried, once it
   * is known how it ended: a success when the whole body was handed to the network, a failure
   * when the connection closed before (the client went away, or a shutdown could not wait).
   */
  @Post('sync')
  @HttpCode(200)
  @BasicAuth(Scope.Omflow)
  @ApiOperation({ summary: 'Users and departments for OMFLOW to synchronise (seeds/000 "Synchronize data")' })
  @ApiOkResponse({
    description: 'The published organisation, or `{"status":"fail"}` before the first publish.',
    schema: { oneOf: [{ $ref: getSchemaPath(OmflowSyncSuccessDto) }, { $ref: getSchemaPath(OmflowFailDto) }] },
  })
  @ApiResponse({ status: 304, description: '`If-None-Match` named the `ETag` of the published snapshot: OMFLOW already has it (no body).' })
  async sync(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @CurrentPrincipal() principal: Principal): Promise<void> {
    const current = await this.payload.current();
    if (!current) {
      await this.audit.record({
        action: 'omflow.sync.served',
        outcome: 'failure',
        target: { type: 'snapshot', id: null },
        details: { reason: 'nothing published' },
      });
      await reply.status(200).send({ status: 'fail', message: NOTHING_PUBLISHED });
      return;
    }
    // The stored bytes go to the Node response as they are; Fastify leaves this reply alone.
    reply.hijack();
    const res = reply.raw;
    this.payload.recordPull(principal.clientId, current.snapshotId).catch((error: unknown) => this.logger.warn(`Could not record the pull: ${String(error)}`));
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('ETag', current.etag);
    res.setHeader('X-Snapshot-Id', String(current.snapshotId));
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('Cache-Control', 'no-store');
    let body: Buffer | null = null;
    if (req.headers['if-none-match'] === current.etag) res.statusCode = 304;
    else if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      res.setHeader('Content-Encoding', 'gzip');
      body = current.gzip;
    } else {
      body = current.raw();
    }
    // Complete when every byte went to the operating system. Node emits 'finish' even when the
    // write failed (the client reset the connection), and may emit the socket's 'error' only
    // after the answer's 'close': a socket that errored means cut off too.
    const socket = res.socket;
    let failed = false;
    const onError = (): void => {
      failed = true;
    };
    socket?.on('error', onError);
    const ended = new Promise<boolean>((resolve) =>
      res.once('close', () => {
        socket?.off('error', onError);
        resolve(res.writableFinished && !failed && !socket?.errored);
      }),
    );
    if (body) res.end(body);
    else res.end();
    const complete = await ended;
    const target = { type: 'snapshot', id: String(current.snapshotId) };
    const audited = complete
      ? this.audit.record({ action: 'omflow.sync.served', outcome: 'success', target })
      : this.audit.record({
          action: 'omflow.sync.served',
          outcome: 'failure',
          target,
          details: { reason: 'cut off', bytes: body?.length ?? 0 },
        });
    await audited.catch((error: unknown) => this.logger.error({ err: error }, `Could not audit the /sync answer of snapshot ${current.snapshotId}`));
  }
}
