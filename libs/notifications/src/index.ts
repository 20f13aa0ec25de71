export * from './notification.types.js';
export { Notifier } from './notifier.service.js';
export { NotificationsHealth, type NotificationsStatus } from './notifications-health.service.js';
export { NotificationsModule } from './notifications.module.js';
export { DeliveryWorker } from './delivery-worker.js';
export { PullWatcher } from './pull-watcher.js';
export { HEADER, REPLAY_WINDOW_SECONDS, signature, verifySignature } from './signature.js';
