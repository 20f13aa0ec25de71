import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from '#app/metrics';
import { ReconciliationRepository, type ReconcileOutcome, type ReconciliationRow } from './reconciliation.repository.js';

const OUTCOMES: readonly Exclude<ReconcileOutcome, 'running'>[] = ['in-sync', 'drifted', 'not-pulled', 'failed'];
const KINDS = ['missing_users', 'unexpected_users', 'drifted_users', 'missing_departments', 'unexpected_departments', 'drifted_departments'] as const;

function differences(row: ReconciliationRow | null, kind: (typeof KINDS)[number]): number {
  const counts = row?.result?.counts;
  if (!counts) return 0;
  switch (kind) {
    case 'missing_users':
      return counts.users.missing;
    case 'unexpected_users':
      return counts.users.unexpected;
    case 'drifted_users':
      return counts.users.drifted;
    case 'missing_departments':
      return counts.departments.missing;
    case 'unexpected_departments':
      return counts.departments.unexpected;
    case 'drifted_departments':
      return counts.departments.drifted;
  }
}

/**
 * The read-back's gauges on /metrics, read from the last stored comparison when Prometheus
 * scrapes, so that every instance reports the same (one read per scrape, shared by the gauges).
 */
@Injectable()
export class ReadbackMetrics {
  private reading: Promise<ReconciliationRow | null> | null = null;

  constructor(
    private readonly repository: ReconciliationRepository,
    registry: MetricsRegistry,
  ) {
    const registers = [registry];
    const differencesGauge: Gauge<'kind'> = new Gauge({
      name: 'bridge_omflow_reconciliation_differences',
      help: 'Differences the last comparison of OMFLOW with the snapshot it pulled found, by kind (missing_users, unexpected_users, drifted_users, and the same for departments).',
      labelNames: ['kind'],
      registers,
      collect: async () => {
        const row = await this.last();
        for (const kind of KINDS) differencesGauge.set({ kind }, differences(row, kind));
      },
    });
    const outcomeGauge: Gauge<'outcome'> = new Gauge({
      name: 'bridge_omflow_reconciliation_outcome',
      help: '1 for the outcome of the last comparison with OMFLOW (in-sync, drifted, not-pulled, failed), 0 for the others; all 0 before the first.',
      labelNames: ['outcome'],
      registers,
      collect: async () => {
        const row = await this.last();
        for (const outcome of OUTCOMES) outcomeGauge.set({ outcome }, row?.outcome === outcome ? 1 : 0);
      },
    });
    const inSync: Gauge = new Gauge({
      name: 'bridge_omflow_reconciliation_in_sync',
      help: '1 when the last comparison found OMFLOW in sync with the snapshot it pulled.',
      registers,
      collect: async () => inSync.set((await this.last())?.inSync ? 1 : 0),
    });
    const lastRun: Gauge = new Gauge({
      name: 'bridge_omflow_reconciliation_last_run_timestamp_seconds',
      help: 'When the last comparison with OMFLOW ended (0: never).',
      registers,
      collect: async () => lastRun.set(((await this.last())?.finishedAt?.getTime() ?? 0) / 1000),
    });
    const duration: Gauge = new Gauge({
      name: 'bridge_omflow_reconciliation_duration_seconds',
      help: 'How long the last comparison with OMFLOW took.',
      registers,
      collect: async () => duration.set(((await this.last())?.durationMs ?? 0) / 1000),
    });
  }

  private last(): Promise<ReconciliationRow | null> {
    if (!this.reading) {
      const reading = this.repository.lastEnded();
      this.reading = reading;
      const done = () => {
        if (this.reading === reading) this.reading = null;
      };
      reading.then(done, done);
    }
    return this.reading;
  }
}
