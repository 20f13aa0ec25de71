export * from './compare.js';
export { OmflowReadError, type OmflowGroupRow, type OmflowUserRow, type ReadFailure } from './omflow-answers.js';
export { ReadbackEvents, type Reconciled } from './readback-events.js';
export type { ReconcileErrorCode, ReconcileOutcome, ReconcileTrigger, ReconciliationResult, ReconciliationRow } from './reconciliation.repository.js';
export { ReconciliationService, type ReconcileRequest } from './reconciliation.service.js';
export { OmflowReadbackModule } from './omflow-readback.module.js';
