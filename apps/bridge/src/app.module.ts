import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ScheduleModule } from '@nestjs/schedule';
import type { DestinationStream } from 'pino';
import { AccessModule, type AdminTokenSink } from '#app/access';
import { AuditModule } from '#app/audit';
import { BodyErrorRenderers, ClockModule, createValidationPipe, HttpErrorFilter } from '#app/common';
import { type BridgeConfig, ConfigModule } from '#app/config';
import { DatabaseModule } from '#app/database';
import { DirectoryProxyModule } from '#app/directory-proxy';
import { MetricsModule } from '#app/metrics';
import { NotificationsModule } from '#app/notifications';
import { OmflowModule } from '#app/omflow';
import { OmflowReadbackModule } from '#app/omflow-readback';
import { SnapshotsModule } from '#app/snapshots';
import { HealthController } from './health/health.controller.js';
import { GracefulShutdown } from './graceful-shutdown.js';
import { StatusController } from './health/status.controller.js';
import { StatusMetrics } from './health/status-metrics.js';
import { ReconcileScheduler } from './reconcile-scheduler.js';
import { SyncScheduler } from './sync-scheduler.js';

export interface BridgeModuleOptions {
  adminTokenSink?: AdminTokenSink;
  /** Where the JSON log goes instead of standard output (tests read it). */
  logDestination?: DestinationStream;
}

/** The composition root: every feature module, the global pipe, filter and guard. */
@Module({})
export class AppModule {
  static forRoot(config: BridgeConfig, options: BridgeModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        MetricsModule,
        DatabaseModule,
        TerminusModule,
        AccessModule.forRoot({ adminTokenSink: options.adminTokenSink }),
        AuditModule,
        ScheduleModule.forRoot(),
        // Finds the surfaces' body-error renderers (BodyErrorRenderers; HttpErrorFilter hands body errors to them).
        DiscoveryModule,
        SnapshotsModule,
        OmflowModule,
        OmflowReadbackModule,
        DirectoryProxyModule,
        NotificationsModule,
      ],
      controllers: [HealthController, StatusController],
      providers: [
        GracefulShutdown,
        StatusMetrics,
        SyncScheduler,
        ReconcileScheduler,
        BodyErrorRenderers,
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    };
  }
}
