import type { ActorKind } from './request-context.js';

/**
 * The auth policy every library shares: what a client may do and who the caller is. Here, below
 * access (which authenticates) and every library that declares what its routes need, so that
 * none of them has to import access for it.
 */

/** What a client may do. `admin` implies every other scope. */
export const Scope = {
  Omflow: 'omflow',
  UsersQuery: 'users:query',
  DirectoryRead: 'directory:read',
  DirectoryWrite: 'directory:write',
  SyncAdmin: 'sync:admin',
  AuditRead: 'audit:read',
  Admin: 'admin',
} as const;

export type Scope = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

/** The authenticated caller, attached to the request by every strategy. */
export interface Principal {
  clientId: string;
  name: string;
  scopes: readonly Scope[];
  /** Organisation codes the client may reach through the directory proxy; null = all. */
  organisations: readonly string[] | null;
  /** How the client proved itself on this request. */
  via: 'basic' | 'bearer' | 'security-code' | 'access-token' | 'session';
}

export function hasScope(principal: Pick<Principal, 'scopes'>, scope: Scope): boolean {
  return principal.scopes.includes(Scope.Admin) || principal.scopes.includes(scope);
}

/** The actor an authenticated caller is recorded as (request context, audit trail). */
export function actorKindOf(principal: Principal): ActorKind {
  if (principal.scopes.includes(Scope.Admin)) return 'admin';
  if (principal.scopes.includes(Scope.Omflow)) return 'omflow';
  return 'client';
}
