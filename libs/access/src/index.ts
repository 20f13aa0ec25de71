export * from './secrets.js';
export * from './access.service.js';
export * from './access.guard.js';
export * from './access.module.js';
export { ApiClient, type ClientOrigin } from './api-client.entity.js';
export * from './provisioning.js';
export * from './bearer-token.js';
/**
 * Transitional: the auth policy (scopes, principal, route decorators) lives in #app/common since
 * issue 12. Re-exported here only for the files of libs/snapshots and libs/omflow/src/query that
 * the other half of issue 12 is rewriting; import it from #app/common, and drop this line once
 * those files do.
 */
export { actorKindOf, BASIC_SECURITY, BearerAuth, CurrentPrincipal, ExternalAuth, hasScope, Scope, type Principal } from '#app/common';
