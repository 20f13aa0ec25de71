import { Module } from '@nestjs/common';
import { SnapshotsModule } from '#app/snapshots';
import { BRIDGE_CONFIG, type BridgeConfig, demoLogins } from '#app/config';
import { Argon2Hasher } from './argon2-hasher.js';
import { AuthAdminController } from './auth-admin.controller.js';
import { AuthAdminService } from './auth-admin.service.js';
import { AuthenticateController } from './authenticate.controller.js';
import { AuthenticateService } from './authenticate.service.js';
import { HttpPasswordVerifier } from './http-password.verifier.js';
import { LdapPasswordVerifier } from './ldap-password.verifier.js';
import { LocalPasswordVerifier } from './local-password.verifier.js';
import { LockoutService } from './lockout.service.js';
import { LoginRateLimiter } from './login-rate-limiter.js';
import { PasswordHasher } from './password-hasher.js';
import { PasswordRenamesSubscriber } from './password-renames.subscriber.js';
import { PasswordStore } from './password-store.js';
import { PasswordVerifier } from './password-verifier.js';

/**
 * OMFLOW's `POST /authenticate` and the operators' routes for passwords and lockouts. Exports
 * PasswordStore, through which the directory proxy stores the password of a created user
 * (stored passwords follow published renames: PasswordRenamesSubscriber), and PasswordVerifier,
 * whose last contact with its upstream /health reports.
 */
@Module({
  imports: [SnapshotsModule],
  controllers: [AuthenticateController, AuthAdminController],
  providers: [
    Argon2Hasher,
    PasswordHasher,
    PasswordStore,
    LockoutService,
    LoginRateLimiter,
    AuthenticateService,
    AuthAdminService,
    PasswordRenamesSubscriber,
    {
      provide: PasswordVerifier,
      inject: [BRIDGE_CONFIG, PasswordStore, PasswordHasher],
      useFactory: (config: BridgeConfig, store: PasswordStore, hasher: PasswordHasher): PasswordVerifier => {
        switch (config.auth.verifier) {
          case 'http':
            return new HttpPasswordVerifier(config);
          case 'ldap':
            return new LdapPasswordVerifier(config);
          case 'local':
            return new LocalPasswordVerifier(store, hasher, demoLogins(config));
        }
      },
    },
  ],
  exports: [PasswordStore, PasswordVerifier],
})
export class AuthenticateModule {}
