import { Module } from '@nestjs/common';
import { HrSourceModule } from '#app/hr-source';
import { AuthenticateModule } from '#app/omflow';
import { SnapshotsModule } from '#app/snapshots';
import { DirectoryProxyService } from './directory-proxy.service.js';
import { EmployeesProxyController } from './employees-proxy.controller.js';
import { ProxyAccessGuard } from './proxy-access.guard.js';
import { ProxyBodyErrors } from './proxy-body-errors.js';
import { ProxySyncTrigger } from './proxy-sync.trigger.js';

/**
 * The WorkPlus employee API served in front of the directory (PROXY_*): the bridge's own
 * client secrets as access tokens, validation, a full audit, and a sync soon after changes.
 * Writes to the directory through HrSourceModule's DirectoryClient, asks SnapshotsModule's
 * SyncService for a refresh, and stores passwords of created users through PasswordStore.
 */
@Module({
  imports: [HrSourceModule, SnapshotsModule, AuthenticateModule],
  controllers: [EmployeesProxyController],
  providers: [DirectoryProxyService, ProxyAccessGuard, ProxySyncTrigger, ProxyBodyErrors],
  exports: [ProxySyncTrigger],
})
export class DirectoryProxyModule {}
