import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OmflowReadbackModule } from '#app/omflow-readback';
import { SnapshotsModule } from '#app/snapshots';
import { DeliveryWorker } from './delivery-worker.js';
import { DriftNotificationsSubscriber } from './drift-notifications.subscriber.js';
import { NotificationOutboxRow, QuarantineNotice } from './notification-outbox.entity.js';
import { NotificationOutbox, QuarantineNotices } from './notification-outbox.repository.js';
import { NotificationsController } from './notifications.controller.js';
import { NotificationsHealth } from './notifications-health.service.js';
import { NotificationsService } from './notifications.service.js';
import { Notifier } from './notifier.service.js';
import { PullWatcher } from './pull-watcher.js';
import { SyncNotificationsSubscriber } from './sync-notifications.subscriber.js';

/**
 * Signed webhook notifications (NOTIFY_*): a durable outbox (notification_outbox), delivered in
 * the background with retries; the sync runs' events and OMFLOW's pulls turned into
 * notifications; the admin routes. Other libraries reach it through the snapshots' events, so
 * that nothing below depends on it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([NotificationOutboxRow, QuarantineNotice]), SnapshotsModule, OmflowReadbackModule],
  controllers: [NotificationsController],
  providers: [
    NotificationOutbox,
    QuarantineNotices,
    Notifier,
    DeliveryWorker,
    SyncNotificationsSubscriber,
    DriftNotificationsSubscriber,
    PullWatcher,
    NotificationsHealth,
    NotificationsService,
  ],
  exports: [Notifier, NotificationsHealth],
})
export class NotificationsModule {}
