export * from './secrets.js';
export * from './access.service.js';
export * from './access.guard.js';
export * from './access.module.js';
export { ApiClient, type ClientOrigin } from './api-client.entity.js';
export * from './provisioning.js';
export * from './bearer-token.js';
export { ConsoleSessionService, SESSION_COOKIE, CSRF_HEADER } from './console-session.service.js';
