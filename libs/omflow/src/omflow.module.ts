import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuditService } from '#app/audit';
import { installBodyErrorHandler } from '#app/common';
import { SnapshotsModule } from '#app/snapshots';
import { AuthenticateModule } from './authenticate/index.js';
import { QueryModule } from './query/index.js';
import { OmflowSyncController } from './sync.controller.js';

/** The Custom HR calls OMFLOW makes, whose every failure is `{"status":"fail"}` with HTTP 200. */
export const CUSTOM_HR_PATHS = ['/authenticate', '/sync'];

/** OMFLOW's contracts: /sync and /authenticate (seeds/000) and the user query API (seeds/001). */
@Module({
  imports: [QueryModule, AuthenticateModule, SnapshotsModule],
  controllers: [OmflowSyncController],
})
export class OmflowModule implements OnModuleInit {
  private readonly logger = new Logger(OmflowModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly audit: AuditService,
  ) {}

  /**
   * OMFLOW reads the body of /sync and /authenticate: a malformed or oversized request body is
   * answered `{"status":"fail","message":…}` with HTTP 200 like every other failure there.
   */
  onModuleInit(): void {
    installBodyErrorHandler(this.adapterHost, CUSTOM_HR_PATHS, async (error, req, res) => {
      const login = req.path.startsWith('/authenticate');
      await this.audit
        .record({
          action: login ? 'auth.login.failed' : 'omflow.sync.served',
          outcome: 'failure',
          details: { reason: 'malformed_request', message: error.message },
        })
        .catch((auditError: unknown) => this.logger.error({ err: auditError }, 'Could not audit a malformed OMFLOW request'));
      res.status(200).json({ status: 'fail', message: error.message });
    });
  }
}
