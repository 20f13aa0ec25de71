/**
 * The credentials the suites give a bridge: the administrator's token and the OMFLOW client.
 * Kept apart from bridge.ts so that suites running the built bridge as a process need not load
 * the application's sources.
 */

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

/** Headers of a request made by the administrator (the environment's admin token). */
export const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** The OMFLOW client of the suites (OMFLOW_CLIENT_ID / OMFLOW_CLIENT_SECRET): HTTP Basic on /sync and /authenticate. */
export const OMFLOW = { id: 'omflow', secret: 'omflow-secret-0123456789' } as const;

/** OMFLOW's `Authorization` header, for raw HTTP clients (supertest: `.auth(OMFLOW.id, OMFLOW.secret)`). */
export const OMFLOW_BASIC = `Basic ${Buffer.from(`${OMFLOW.id}:${OMFLOW.secret}`).toString('base64')}`;

/** The environment of a bridge that the administrator and OMFLOW can call: their credentials, then `env`. */
export function bridgeEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, OMFLOW_CLIENT_ID: OMFLOW.id, OMFLOW_CLIENT_SECRET: OMFLOW.secret, ...env };
}

/**
 * The suites written before the deletion grace window remove a missing person at once (the
 * behaviour they test, GUARD_DELETION_GRACE_HOURS=0); the grace suite sets the window it tests.
 */
export const GRACE_OFF = { GUARD_DELETION_GRACE_HOURS: '0' } as const;
