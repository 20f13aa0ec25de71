import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { AuditCheckpoints } from './audit-checkpoints.js';
import { AuditChainHead, AuditEvent } from './audit-event.entity.js';
import { AuditKeyring, loadAuditKeyring } from './audit-keys.js';
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
  providers: [
    // Loaded once at start-up: a malformed key file stops the process with a message naming the line.
    { provide: AuditKeyring, useFactory: (config: BridgeConfig) => loadAuditKeyring(config), inject: [BRIDGE_CONFIG] },
    AuditStore,
    AuditCheckpoints,
    AuditService,
    AuditReader,
    AuditRetentionService,
  ],
  exports: [AuditService, AuditRetentionService, AuditCheckpoints],
})
export class AuditModule {}
