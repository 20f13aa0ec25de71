import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ErrorBodyDto, Public } from '#app/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { METRICS_CONTENT_TYPE, MetricsRegistry } from '#app/metrics';
import { NotificationsHealth } from '#app/notifications';
import { PasswordVerifier } from '#app/omflow';
import { ReconciliationService } from '#app/omflow-readback';
import { pullStale, SnapshotReader } from '#app/snapshots';
import { StatusDto } from './status.dto.js';

/**
 * What an operator wants to know at a glance: is something published, did the last run work,
 * does OMFLOW still pull, could the last login reach the server checking passwords. It never fails readiness (OMFLOW being away is no reason to take the
 * bridge out of a load balancer): it says so instead.
 */
@ApiTags('Health')
@Public()
@Controller()
export class StatusController {
  constructor(
    private readonly reader: SnapshotReader,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
    private readonly registry: MetricsRegistry,
    private readonly notifications: NotificationsHealth,
    private readonly verifier: PasswordVerifier,
    private readonly reconciliation: ReconciliationService,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Sync and OMFLOW status details (never fails readiness)' })
  @ApiOkResponse({ type: StatusDto })
  async health(): Promise<StatusDto> {
    const status = await this.reader.status();
    const stale = pullStale(status, this.config.sync.pullStaleSeconds);
    const warnings: string[] = [];
    if (status.publishedSnapshotId === null) warnings.push('Nothing is published yet: /sync answers "fail" until the first sync succeeds.');
    if (status.lastRun?.status === 'failed') warnings.push(`The last sync run (${status.lastRun.id}) failed; see /api/v1/sync/runs/${status.lastRun.id}.`);
    if (status.heldRuns) warnings.push(`${status.heldRuns} sync run(s) wait for approval.`);
    const quarantined = status.lastRun?.quarantined ?? { users: 0, groups: 0 };
    if (quarantined.users || quarantined.groups) {
      warnings.push(
        `The last sync run (${status.lastRun!.id}) left out ${quarantined.users} people and ${quarantined.groups} departments for problems in their data; see /api/v1/sync/runs/${status.lastRun!.id}.`,
      );
    }
    const contact = this.verifier.lastContact();
    if (contact && !contact.ok) {
      warnings.push(
        `The server checking passwords (AUTH_VERIFIER=${this.verifier.kind}) could not be reached at the last login (${contact.at.toISOString()}, ${contact.reason ?? 'upstream_error'}): logins fail with "cannot be checked" until it answers.`,
      );
    }
    if (stale) warnings.push(`OMFLOW has not pulled /sync for more than ${this.config.sync.pullStaleSeconds} s.`);
    const notifications = await this.notifications.status();
    if (notifications.warning) warnings.push(notifications.warning);
    const readback = await this.reconciliation.healthWarning();
    if (readback.warning) warnings.push(readback.warning);
    return {
      status: warnings.length ? 'degraded' : 'ok',
      warnings,
      sync: {
        publishedSnapshotId: status.publishedSnapshotId,
        publishedAt: status.publishedAt?.toISOString() ?? null,
        lastRunStatus: status.lastRun?.status ?? null,
        lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
        heldRuns: status.heldRuns,
        pendingRemovals: status.pendingRemovals,
        lastRunQuarantined: quarantined,
      },
      omflow: { lastPullAt: status.lastPullAt?.toISOString() ?? null, lastPullSnapshotId: status.lastPullSnapshotId, stale },
      readback: {
        configured: this.reconciliation.configured,
        lastId: readback.row?.id ?? null,
        lastOutcome: readback.row?.outcome ?? null,
        inSync: readback.row ? readback.row.inSync : null,
        lastAt: readback.row?.finishedAt?.toISOString() ?? null,
      },
      notifications: {
        webhooks: notifications.webhooks,
        failing: notifications.failing,
        abandoned: notifications.abandoned,
        lastError: notifications.lastError,
      },
    };
  }

  @Get('metrics')
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @ApiProduces('text/plain')
  @ApiOperation({
    summary: 'Prometheus metrics: HTTP, sync runs and phases, data quality, logins, query rows, audit latency, the published state, process and Node',
  })
  @ApiOkResponse({ description: 'Prometheus text exposition format.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ description: 'Metrics are turned off (METRICS_ENABLED=false).', type: ErrorBodyDto })
  async metrics(): Promise<string> {
    if (!this.config.http.metricsEnabled) throw new NotFoundException();
    return this.registry.metrics();
  }
}
