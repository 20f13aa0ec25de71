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
import { DeletionGrace } from './deletion-grace.service.js';
import { PendingRemovals } from './pending-removal.repository.js';
import { PendingRemovalsController } from './pending-removals.controller.js';
import { PendingRemovalDecisions } from './pending-removals.service.js';
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
import { TextKeys } from './text-keys.js';
import { BulkIndexes } from './bulk-indexes.js';
import { CollationKeyFill } from './collation-key-fill.js';
import { UsernameOverrides } from './username-override.repository.js';
import { VersionChain } from './version-chain.repository.js';
import { VersionDiffs } from './version-diff.repository.js';

@Module({
  imports: [TypeOrmModule.forFeature([SyncRun, OverrideToken]), HrSourceModule],
  controllers: [SyncRunsController, RunDecisionsController, SnapshotsController, PendingRemovalsController],
  providers: [
    RunProgressRegistry,
    TextKeys,
    BulkIndexes,
    CollationKeyFill,
    SyncRuns,
    VersionChain,
    VersionDiffs,
    PublishedView,
    PublishedPeople,
    ListQueries,
    UsernameOverrides,
    PendingRemovals,
    DeletionGrace,
    PendingRemovalDecisions,
    SnapshotEvents,
    SnapshotPublisher,
    SnapshotReader,
    SyncLock,
    SyncLease,
    SyncService,
    RunDecisions,
    PublishedPayload,
  ],
  exports: [SyncService, PublishedPayload, SnapshotReader, SnapshotEvents, PublishedPeople, ListQueries, CollationKeyFill],
})
export class SnapshotsModule {}
