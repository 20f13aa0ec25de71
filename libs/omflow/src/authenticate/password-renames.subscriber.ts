import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SnapshotEvents, type RenamesPublished } from '#app/snapshots';
import { PasswordStore } from './password-store.js';

/**
 * A person renamed in a published snapshot keeps their password under the new username
 * (AUTH_VERIFIER=local; an upstream verifier keeps its own). Subscribed to the snapshots'
 * events when the module starts.
 */
@Injectable()
export class PasswordRenamesSubscriber implements OnModuleInit {
  constructor(
    private readonly events: SnapshotEvents,
    private readonly passwords: PasswordStore,
    private readonly audit: AuditService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.auth.verifier === 'local') this.events.onRenamesPublished((event) => this.follow(event));
  }

  /** Moves each renamed person's password to the new username, with an audit event per move. */
  async follow({ renames, snapshotId }: RenamesPublished): Promise<void> {
    for (const { from, to } of renames) {
      const moved = await this.passwords.rename(from, to);
      if (moved) {
        await this.audit.record({ action: 'auth.password.renamed', outcome: 'success', target: { type: 'user', id: to }, details: { from, to, snapshotId } });
      }
    }
  }
}
