import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { AuditService } from '#app/audit';
import { SnapshotsModule, SyncService } from '#app/snapshots';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { Argon2Hasher } from './argon2-hasher.js';
import { AuthAdminController } from './auth-admin.controller.js';
import { AuthAdminService } from './auth-admin.service.js';
import { AuthenticateController } from './authenticate.controller.js';
import { AuthenticateService } from './authenticate.service.js';
import { HttpPasswordVerifier } from './http-password.verifier.js';
import { LocalPasswordVerifier } from './local-password.verifier.js';
import { LockoutService } from './lockout.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { PasswordStore } from './password-store.js';
import { PasswordVerifier } from './password-verifier.js';

/**
 * OMFLOW's `POST /authenticate` and the operators' routes for passwords and lockouts. Exports
 * PasswordStore, through which the directory proxy stores the password of a created user.
 */
@Module({
  imports: [SnapshotsModule],
  controllers: [AuthenticateController, AuthAdminController],
  providers: [
    Argon2Hasher,
    PasswordStore,
    LockoutService,
    LoginRateLimiter,
    AuthenticateService,
    AuthAdminService,
    {
      provide: PasswordVerifier,
      inject: [BRIDGE_CONFIG, PasswordStore, Argon2Hasher],
      useFactory: (config: BridgeConfig, store: PasswordStore, hasher: Argon2Hasher): PasswordVerifier =>
        config.auth.verifier === 'http' ? new HttpPasswordVerifier(config) : new LocalPasswordVerifier(store, hasher),
    },
  ],
  exports: [PasswordStore],
})
export class AuthenticateModule implements OnModuleInit {
  constructor(
    private readonly sync: SyncService,
    private readonly passwords: PasswordStore,
    private readonly audit: AuditService,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  /** A person renamed in a published snapshot keeps their password under the new username. */
  onModuleInit(): void {
    if (this.config.auth.verifier !== 'local') return;
    this.sync.onRenamesPublished(async (renames, snapshotId) => {
      for (const { from, to } of renames) {
        const moved = await this.passwords.rename(from, to);
        if (moved) {
          await this.audit.record({ action: 'auth.password.renamed', outcome: 'success', target: { type: 'user', id: to }, details: { from, to, snapshotId } });
        }
      }
    });
  }
}
