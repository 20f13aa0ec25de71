import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HrSourceModule } from '#app/hr-source';
import { PublishedPayload } from './published-payload.service.js';
import { SnapshotReader } from './snapshot-reader.service.js';
import { SnapshotStore } from './snapshot-store.js';
import { SnapshotsController, SyncRunsController } from './sync-admin.controller.js';
import { SyncLease } from './sync-lease.js';
import { SyncLock } from './sync-lock.js';
import { SyncRun } from './sync-run.entity.js';
import { SyncService } from './sync.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([SyncRun]), HrSourceModule],
  controllers: [SyncRunsController, SnapshotsController],
  providers: [SnapshotStore, SnapshotReader, SyncLock, SyncLease, SyncService, PublishedPayload],
  exports: [SyncService, PublishedPayload, SnapshotReader],
})
export class SnapshotsModule {}
