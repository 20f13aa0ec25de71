import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditClock } from './audit-clock.js';
import { AuditChainHead, AuditEvent } from './audit-event.entity.js';
import { AuditReader } from './audit-reader.service.js';
import { AuditRetentionService } from './audit-retention.service.js';
import { AuditStore } from './audit-store.js';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

/** The audit trail: every module records through AuditService; auditors read over /api/v1/audit. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditEvent, AuditChainHead])],
  controllers: [AuditController],
  providers: [AuditClock, AuditStore, AuditService, AuditReader, AuditRetentionService],
  exports: [AuditService, AuditRetentionService],
})
export class AuditModule {}
