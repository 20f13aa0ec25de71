import { Module } from '@nestjs/common';
import { SnapshotsModule } from '#app/snapshots';
import { AuthenticateModule } from './authenticate/index.js';
import { OmflowSyncController } from './sync.controller.js';
import { QueryModule } from './query/index.js';

/** OMFLOW's contracts: /sync (and, in later issues, /authenticate and the user query API). */
@Module({
  imports: [QueryModule, AuthenticateModule, SnapshotsModule],
  controllers: [OmflowSyncController],
})
export class OmflowModule {}
