export { AuthenticateModule } from './authenticate.module.js';
export { PasswordStore, type SetPasswordOptions, MAX_PASSWORD_LENGTH } from './password-store.js';
export { PasswordVerifier, type UpstreamContact, type VerifyResult, type VerifyFailure } from './password-verifier.js';
export { Argon2Hasher } from './argon2-hasher.js';
export { LockoutService, unknownUserKey } from './lockout.service.js';
