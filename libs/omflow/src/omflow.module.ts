import { Module } from '@nestjs/common';
import { SnapshotsModule } from '#app/snapshots';
import { AuthenticateModule } from './authenticate/index.js';
import { CustomHrBodyErrors } from './custom-hr-body-errors.js';
import { QueryModule } from './query/index.js';
import { OmflowSyncController } from './sync.controller.js';

/** OMFLOW's contracts: /sync and /authenticate (seeds/000) and the user query API (seeds/001). */
@Module({
  imports: [QueryModule, AuthenticateModule, SnapshotsModule],
  controllers: [OmflowSyncController],
  providers: [CustomHrBodyErrors],
  // PasswordVerifier, for /health (and PasswordStore).
  exports: [AuthenticateModule],
})
export class OmflowModule {}
