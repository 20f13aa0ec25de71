import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService, type AuditOutcome } from '#app/audit';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';

/** Records query API calls at the level QUERY_AUDIT asks for (off, failures, all). */
@Injectable()
export class QueryAudit {
  private readonly logger = new Logger(QueryAudit.name);
  private readonly level: BridgeConfig['query']['audit'];

  constructor(
    private readonly audit: AuditService,
    @Inject(BRIDGE_CONFIG) config: BridgeConfig,
  ) {
    this.level = config.query.audit;
  }

  /**
   * Records a successful read while `work` runs instead of before it. A read changes nothing, so
   * its answer does not wait for the audit commit; a record that cannot be stored is logged.
   * Failures are still recorded before they are answered (`record`).
   */
  async during<T>(action: string, details: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
    const audited = this.record(action, 'success', details).catch((error: unknown) => {
      this.logger.error({ err: error }, `Could not audit ${action}`);
    });
    try {
      return await work();
    } finally {
      await audited;
    }
  }

  record(action: string, outcome: AuditOutcome, details: Record<string, unknown>, target?: { type: string; id: string | null }): Promise<void> {
    if (this.level === 'off' || (this.level === 'failures' && outcome === 'success')) return Promise.resolve();
    return this.audit.record({ action, outcome, details, ...(target ? { target } : {}) });
  }
}

/** The audit action of each query API route. */
export function queryActionOf(path: string): string {
  if (path.includes('/security/')) return 'omflow.query.security_code';
  if (path.includes('/list-by-group')) return 'omflow.query.users_by_group';
  if (path.includes('/group/list')) return 'omflow.query.groups';
  return 'omflow.query.users';
}
