import { RunProgressRegistry } from './run-progress.js';
import { SyncRuns } from './sync-runs.service.js';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HrSourceModule } from '#app/hr-source';
import { PublishedPayload } from './published-payload.service.js';
import { SnapshotReader } from './snapshot-reader.service.js';
import { ListQueries } from './list-queries.repository.js';
import { PublishedPeople } from './published-people.repository.js';
import { PublishedView } from './published-view.repository.js';
import { SnapshotEvents } from './snapshot-events.js';
import { SnapshotPublisher } from './snapshot-publisher.service.js';
import { SnapshotsController, SyncRunsController } from './sync-admin.controller.js';
import { SyncLease } from './sync-lease.js';
import { SyncLock } from './sync-lock.js';
import { OverrideToken } from './override-token.entity.js';
import { RunDecisionsController } from './run-decisions.controller.js';
import { RunDecisions } from './run-decisions.service.js';
import { SyncRun } from './sync-run.entity.js';
import { SyncService } from './sync.service.js';
import { UsernameOverrides } from './username-override.repository.js';
import { VersionChain } from './version-chain.repository.js';
import { VersionDiffs } from './version-diff.repository.js';

@Module({
  imports: [TypeOrmModule.forFeature([SyncRun, OverrideToken]), HrSourceModule],
  controllers: [SyncRunsController, RunDecisionsController, SnapshotsController],
  providers: [
    RunProgressRegistry,
    SyncRuns,
    VersionChain,
    VersionDiffs,
    PublishedView,
    PublishedPeople,
    ListQueries,
    UsernameOverrides,
    SnapshotEvents,
    SnapshotPublisher,
    SnapshotReader,
    SyncLock,
    SyncLease,
    SyncService,
    RunDecisions,
    PublishedPayload,
  ],
  exports: [SyncService, PublishedPayload, SnapshotReader, SnapshotEvents, PublishedPeople, ListQueries],
})
export class SnapshotsModule {}
