export * from './omflow.module.js';
export { CUSTOM_HR_PATHS } from './custom-hr-body-errors.js';
export { NOTHING_PUBLISHED } from './sync.controller.js';
export { OMFLOW_SECURITY_CODE, QUERY_PATHS, UserQueryService } from './query/index.js';
export {
  AuthenticateModule,
  PasswordStore,
  Argon2Hasher,
  PasswordVerifier,
  LockoutService,
  unknownUserKey,
  type SetPasswordOptions,
  type UpstreamContact,
} from './authenticate/index.js';
