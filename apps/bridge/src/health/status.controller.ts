import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto, Public } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SnapshotReader, type SyncStatus } from '#app/snapshots';

export class StatusDto {
  /** `ok`, or `degraded` when nothing is published, the last run failed, runs wait for a decision or OMFLOW stopped pulling. */
  status: 'ok' | 'degraded';
  /** What needs attention, in words. */
  warnings: string[];
  sync: {
    publishedSnapshotId: number | null;
    publishedAt: string | null;
    lastRunStatus: string | null;
    lastSuccessAt: string | null;
    heldRuns: number;
  };
  omflow: {
    lastPullAt: string | null;
    lastPullSnapshotId: number | null;
    /** No pull for longer than OMFLOW_PULL_STALE_SECONDS. */
    stale: boolean;
  };
}

/**
 * What an operator wants to know at a glance: is something published, did the last run work,
 * does OMFLOW still pull. It never fails readiness (OMFLOW being away is no reason to take the
 * bridge out of a load balancer): it says so instead.
 */
@ApiTags('Health')
@Public()
@Controller()
export class StatusController {
  constructor(
    private readonly reader: SnapshotReader,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Sync and OMFLOW status details (never fails readiness)' })
  @ApiOkResponse({ type: StatusDto })
  async health(): Promise<StatusDto> {
    const status = await this.reader.status();
    const stale = this.stale(status);
    const warnings: string[] = [];
    if (status.publishedSnapshotId === null) warnings.push('Nothing is published yet: /sync answers "fail" until the first sync succeeds.');
    if (status.lastRun?.status === 'failed') warnings.push(`The last sync run (${status.lastRun.id}) failed; see /api/v1/sync/runs/${status.lastRun.id}.`);
    if (status.heldRuns) warnings.push(`${status.heldRuns} sync run(s) wait for approval.`);
    if (stale) warnings.push(`OMFLOW has not pulled /sync for more than ${this.config.sync.pullStaleSeconds} s.`);
    return {
      status: warnings.length ? 'degraded' : 'ok',
      warnings,
      sync: {
        publishedSnapshotId: status.publishedSnapshotId,
        publishedAt: status.publishedAt?.toISOString() ?? null,
        lastRunStatus: status.lastRun?.status ?? null,
        lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
        heldRuns: status.heldRuns,
      },
      omflow: { lastPullAt: status.lastPullAt?.toISOString() ?? null, lastPullSnapshotId: status.lastPullSnapshotId, stale },
    };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics: published snapshot, last pull, last success, held runs' })
  @ApiOkResponse({ description: 'Prometheus text exposition format.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'Metrics are turned off (METRICS_ENABLED=false).', type: ErrorBodyDto })
  async metrics(): Promise<string> {
    if (!this.config.http.metricsEnabled) throw new NotFoundException();
    const s = await this.reader.status();
    const seconds = (d: Date | null): number => (d ? d.getTime() / 1000 : 0);
    const lines = [
      ['bridge_published_snapshot_id', 'gauge', 'The snapshot /sync serves (0: none).', s.publishedSnapshotId ?? 0],
      ['bridge_sync_payload_bytes', 'gauge', 'Size of the uncompressed /sync answer.', s.payloadBytes ?? 0],
      ['bridge_sync_last_success_timestamp_seconds', 'gauge', 'End of the last run that published or found nothing new.', seconds(s.lastSuccessAt)],
      ['bridge_sync_last_run_failed', 'gauge', '1 when the last run failed.', s.lastRun?.status === 'failed' ? 1 : 0],
      ['bridge_sync_held_runs', 'gauge', 'Runs waiting for an approval.', s.heldRuns],
      ['bridge_omflow_last_pull_timestamp_seconds', 'gauge', 'When OMFLOW last pulled /sync (0: never).', seconds(s.lastPullAt)],
      ['bridge_omflow_pull_stale', 'gauge', '1 when OMFLOW has not pulled for longer than OMFLOW_PULL_STALE_SECONDS.', this.stale(s) ? 1 : 0],
    ] as const;
    return lines.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join('');
  }

  private stale(status: SyncStatus): boolean {
    // Before the first publish OMFLOW has nothing to pull: not stale.
    if (status.publishedAt === null) return false;
    const since = status.lastPullAt ?? status.publishedAt;
    return Date.now() - since.getTime() > this.config.sync.pullStaleSeconds * 1000;
  }
}
