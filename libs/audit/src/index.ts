export type { AuditEventInput, AuditOutcome } from './audit.types.js';
export { ACTOR_KINDS, AUDIT_OUTCOMES } from './audit.types.js';
export { AuditService } from './audit.service.js';
export { AuditRetentionService, type RetentionResult } from './audit-retention.service.js';
export { AuditClock } from './audit-clock.js';
export { AuditModule } from './audit.module.js';
export { redact, REDACTED } from './redact.js';
export { AuditReader, type AuditFilter, type AuditOrder, type VerifyReport } from './audit-reader.service.js';
