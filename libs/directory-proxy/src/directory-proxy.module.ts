import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { installBodyErrorHandler } from '#app/common';
import { HrSourceModule } from '#app/hr-source';
import { AuthenticateModule } from '#app/omflow';
import { SnapshotsModule } from '#app/snapshots';
import { DirectoryProxyService } from './directory-proxy.service.js';
import { EmployeesProxyController } from './employees-proxy.controller.js';
import { ProxyAccessGuard } from './proxy-access.guard.js';
import { ProxySyncTrigger } from './proxy-sync.trigger.js';
import { toProxyAnswer } from './proxy-envelope.filter.js';

/** Where the proxy answers, every error included, in the WorkPlus envelope. */
export const PROXY_PATHS = ['/v1/admin/organizations'];

/**
 * The WorkPlus employee API served in front of the directory (PROXY_*): the bridge's own
 * client secrets as access tokens, validation, a full audit, and a sync soon after changes.
 * Writes to the directory through HrSourceModule's DirectoryClient, asks SnapshotsModule's
 * SyncService for a refresh, and stores passwords of created users through PasswordStore.
 */
@Module({
  imports: [HrSourceModule, SnapshotsModule, AuthenticateModule],
  controllers: [EmployeesProxyController],
  providers: [DirectoryProxyService, ProxyAccessGuard, ProxySyncTrigger],
  exports: [ProxySyncTrigger],
})
export class DirectoryProxyModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Malformed or oversized bodies answer in the WorkPlus envelope too. */
  onModuleInit(): void {
    installBodyErrorHandler(this.adapterHost, PROXY_PATHS, (error, _req, res) => {
      const { httpStatus, envelope } = toProxyAnswer(error);
      res.status(httpStatus).json(envelope);
    });
  }
}
