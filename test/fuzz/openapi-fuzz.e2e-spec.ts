import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeEnv, OMFLOW, TEST_ADMIN_TOKEN } from '../support/credentials.js';
import { testDatabases } from '../support/databases.js';
import { startEmulator, type RunningEmulator } from '../support/emulator.js';
import { AnswerContract, type OpenApiDocument, type Operation } from './answer-contract.js';
import { missingBuild, staleBuild, startBridgeProcess, type BridgeProcess } from './bridge-process.js';
import { send, type RawAnswer, type RawRequest } from './raw-http.js';
import { authorise, basic, PROXY_PREFIX, requestOf, type FuzzRequest, type Pools, type Secrets } from './fuzz-requests.js';
import type { Schema } from './schema-arbitraries.js';
import { differences, stateReader, type Fingerprint, type StateReader } from './state-fingerprint.js';

/**
 * A schema-driven fuzz test of every operation of the bridge's OpenAPI document, on a real
 * bridge, a real database and a real directory emulator. Requests are generated from each
 * operation's parameters and body schema, valid and invalid, with hostile strings, bodies and
 * path segments and missing, wrong, misplaced or under-scoped credentials. Every answer must be
 * no 5xx, have a documented status, match the schema documented for it, carry none of the
 * test's secrets, refuse a request without a credential where the document says to put it,
 * and, when it is an error, leave the database (and the emulated directory) as it was.
 *
 * Deterministic: the requests come from fast-check with a fixed seed (FUZZ_SEED), a fixed
 * number per operation (FUZZ_RUNS), sent one at a time. FUZZ_ONLY=<operationId substring>
 * narrows a rerun to some operations.
 *
 * The bridge is the built one (`node dist/apps/bridge/src/main.js`): only `nest build` runs
 * the Swagger plugin that puts the DTOs' properties into the document production serves.
 */
const missing = missingBuild();
if (missing) console.warn(`test/fuzz/openapi-fuzz.e2e-spec.ts skipped: ${missing}`);
const SEED = Number(process.env.FUZZ_SEED ?? 20_251_125);
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const ONLY = process.env.FUZZ_ONLY ?? '';

const QUERY_CLIENT = 'fuzz-query';
const LIMITED_CLIENT = 'fuzz-limited';
const VICTIMS = ['fuzz-victim-1', 'fuzz-victim-2', 'fuzz-victim-3'];

describe.skipIf(Boolean(missing)).each(testDatabases())('schema-driven fuzz of every documented operation ($kind)', (db) => {
  let emulator: RunningEmulator;
  let bridge: BridgeProcess;
  let reader: StateReader;
  let doc: OpenApiDocument;
  let secrets: Secrets;
  let pools: (template: string) => Pools;

  const call = (req: RawRequest) => send(bridge.url, req);
  const json = async (method: string, path: string, body?: unknown, auth = `Bearer ${TEST_ADMIN_TOKEN}`): Promise<RawAnswer> =>
    call({
      method,
      path,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    });

  beforeAll(async () => {
    const stale = staleBuild();
    if (stale) throw new Error(stale);
    emulator = await startEmulator({ employees: 12, departments: 3, seed: 7 });
    const database = await db.create();
    bridge = await startBridgeProcess(database, {
      ...bridgeEnv(),
      LOG_LEVEL: 'error',
      SYNC_CRON: 'off',
      SYNC_ON_START: 'false',
      BODY_LIMIT: '256kb',
      AUTH_VERIFIER: 'local',
      AUTH_ARGON2_MEMORY_KIB: '1024',
      AUTH_ARGON2_TIME_COST: '1',
      AUTH_ARGON2_PARALLELISM: '1',
      AUDIT_ARCHIVE_DIR: mkdtempSync(join(tmpdir(), 'bridge-fuzz-archive-')),
      PROXY_SYNC_AFTER_CHANGES: 'false',
      ...emulator.bridgeEnv({ DIRECTORY_RETRIES: '0' }),
    });
    reader = await stateReader(database);

    const run = await json('POST', '/api/v1/sync/runs?wait=true', {});
    expect(run.status, run.text).toBe(200);
    expect((run.json as { status: string }).status).toBe('published');
    const client = async (id: string, scopes: string[]) => {
      const res = await json('POST', '/api/v1/clients', { id, name: id, scopes });
      expect(res.status, res.text).toBe(201);
      return { id, secret: (res.json as { secret: string }).secret };
    };
    const query = await client(QUERY_CLIENT, ['users:query']);
    const limited = await client(LIMITED_CLIENT, ['audit:read']);
    for (const victim of VICTIMS) await client(victim, ['sync:admin']);
    const issued = await call({ method: 'GET', path: '/accounts/api/security/get/', headers: { authorization: basic(query.id, query.secret) } });
    secrets = { admin: TEST_ADMIN_TOKEN, query, limited, code: (issued.json as { result: { security: string } }).result.security };

    const docs = await call({ method: 'GET', path: '/docs-json', headers: {} });
    expect(docs.status).toBe(200);
    doc = docs.json as OpenApiDocument;

    const employees = (
      (await (await fetch(`${emulator.url}/_emulator/export`)).json()) as { result: { id: string; username: string; positions: { org_id: string }[] }[] }
    ).result;
    const usernames = employees.slice(0, 3).map((e) => e.username);
    const nodes = [...new Set(employees.flatMap((e) => e.positions.map((p) => p.org_id)))].slice(0, 2);
    const common: Pools = {
      code: [emulator.orgCode],
      employeeId: employees.slice(0, 3).map((e) => e.id),
      username: [...usernames, usernames[0].toUpperCase(), 'nobody'],
      ip: ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.1.2.3'],
      seq: [1, 2, 3],
      against: [1],
      from: ['2020-01-01T00:00:00Z'],
      to: ['2999-01-01T00:00:00Z'],
      // The OMFLOW query API: columns, conditions and slices that exist.
      security: [secrets.code],
      column: ['id', 'username', 'nick_name', 'email', 'delete', 'updatetime', 'group_no', 'display_name'],
      value: ['a', 'WEI', '', 3, true, ['a', 'b'], '2026-01-01'],
      order_columns: [[], ['-id'], ['nick_name', '-id']],
      start: [0, 1],
      limit: [5, 100],
      snapshot: [1],
      org_no: [nodes, ['nope']],
      org_name: [[]],
      // The directory proxy: nodes that exist.
      org_id: nodes,
      positions: [nodes.map((org_id) => ({ org_id, job_title: '测试' }))],
    };
    pools = (template) => ({
      ...common,
      id: template.startsWith('/api/v1/clients') ? [...VICTIMS, 'admin', OMFLOW.id, 'no-such-client'] : [1, 2, 999_999],
    });
  });

  afterAll(async () => {
    await reader?.close();
    await bridge?.stop();
    await emulator?.close();
    await db.dropAll();
  });

  it(`answers ${RUNS} generated requests per operation within its documented contract (seed ${SEED})`, async () => {
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(ONLY ? 0 : 40);
    const outcome = await fuzz(operations, { seed: SEED, runs: RUNS, upstreamFailures: false });
    expect(outcome.problems.length, outcome.report).toBe(0);
    expect(outcome.elapsed, outcome.summary).toBeLessThan(60_000);
  }, 120_000);

  it(`answers the proxy's documented 502s, changing nothing, when every directory call fails (seed ${SEED + 1000})`, async () => {
    const proxied = operationsOf(doc).filter((o) => o.template.startsWith(PROXY_PREFIX));
    await emulatorFaults({ error_rate: 1 });
    try {
      const outcome = await fuzz(proxied, { seed: SEED + 1000, runs: Math.ceil(RUNS / 4), upstreamFailures: true });
      expect(outcome.problems.length, outcome.report).toBe(0);
      expect(outcome.statuses.get(502), 'no call reached the failing directory').toBeGreaterThan(0);
    } finally {
      await emulatorFaults({});
    }
  }, 60_000);

  /** Waits until the run at `location` (a 202 of POST /api/v1/sync/runs) has ended. */
  async function runEnded(location: string): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const run = await json('GET', location);
      if ((run.json as { status?: string } | undefined)?.status !== 'running') return;
      await sleep(100);
    }
    throw new Error(`${location} did not end within a minute`);
  }

  /**
   * Sends `runs` generated requests to each operation, one at a time, and checks every answer.
   * With `upstreamFailures`, the documented 502, 503 and 504 of the proxy are expected answers.
   */
  async function fuzz(
    operations: { template: string; method: string; op: Operation }[],
    options: { seed: number; runs: number; upstreamFailures: boolean },
  ): Promise<{ problems: Problem[]; statuses: Map<number, number>; elapsed: number; summary: string; report: string }> {
    const contract = new AnswerContract(doc);
    const problems: Problem[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    let sent = 0;
    for (const [index, { template, method, op }] of operations.entries()) {
      const seed = options.seed + index;
      const proxied = template.startsWith(PROXY_PREFIX);
      const requests = fc.sample(requestOf(template, method, op, pools(template), resolver(doc)), { seed, numRuns: options.runs });
      let state: Fingerprint | null = null;
      for (const generated of requests) {
        const req = authorise(generated, op, secrets);
        state ??= await snapshot(proxied);
        const found: string[] = [];
        let answer: RawAnswer;
        try {
          answer = await call(req);
        } catch (error) {
          problems.push({ operation: `${method.toUpperCase()} ${template}`, problem: `no answer: ${(error as Error).message}`, example: example(seed, req) });
          state = null;
          continue;
        }
        sent++;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const upstream = options.upstreamFailures && proxied && [502, 503, 504].includes(answer.status);
        if (answer.status >= 500 && !upstream) found.push(`server error ${answer.status}: ${answer.text.slice(0, 200)}`);
        found.push(...contract.check(method, template, answer));
        const error = isError(template, answer);
        if (!error && op.security?.length && req.credential !== 'valid' && req.credential !== 'limited') {
          found.push(`a request with credential "${req.credential}" succeeded (${answer.status} ${answer.text.slice(0, 120)})`);
        }
        const leaked = leakedSecrets(secrets).filter((secret) => answer.text.includes(secret.value) || JSON.stringify(answer.headers).includes(secret.value));
        if (leaked.length) found.push(`the answer carries ${leaked.map((s) => s.name).join(', ')}`);
        if (error) {
          const after = await snapshot(proxied);
          const changed = differences(state, after);
          if (changed.length) found.push(`an error answer (${answer.status} ${answer.text.slice(0, 120)}) changed state: ${changed.join('; ')}`);
          state = after;
        } else if (method !== 'get') {
          // An accepted sync run goes on in the background: its writes must not be blamed on the next request.
          const location = answer.headers.location;
          if (answer.status === 202 && typeof location === 'string') await runEnded(location);
          // A change was made: take the state again before the next request. (A read that
          // changed something would show up as a change blamed on the next error: seen, not hidden.)
          state = null;
        }
        for (const problem of found) problems.push({ operation: `${method.toUpperCase()} ${template}`, problem, example: example(seed, req) });
      }
    }
    const elapsed = Date.now() - started;
    const summary = `${sent} requests over ${operations.length} operations in ${(elapsed / 1000).toFixed(1)} s; reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`;
    const report = `${problems.length} problem(s), ${summary}:\n${grouped(problems)}\n\nThe bridge's log:\n${bridge.output().slice(-4000)}`;
    return { problems, statuses, elapsed, summary, report };
  }

  async function emulatorFaults(settings: Record<string, number>): Promise<void> {
    const res = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(res.status).toBe(200);
  }

  /** The database, and for proxied calls the emulated directory too. */
  async function snapshot(withDirectory: boolean): Promise<Fingerprint> {
    const state = await reader.fingerprint();
    if (withDirectory) {
      const text = await (await fetch(`${emulator.url}/_emulator/export`)).text();
      state.tables['(directory emulator)'] = createHash('sha256').update(text).digest('hex').slice(0, 16);
    }
    return state;
  }
});

/** The test's secrets that no answer may ever carry (a new client's own secret, in the answer that creates it, is not one of them). */
function leakedSecrets(secrets: Secrets): { name: string; value: string }[] {
  return [
    { name: 'the admin token', value: secrets.admin },
    { name: "OMFLOW's secret", value: OMFLOW.secret },
    { name: "the query client's secret", value: secrets.query.secret },
    { name: "the limited client's secret", value: secrets.limited.secret },
  ];
}

/** Every operation of the document (FUZZ_ONLY narrows them), in a stable order. */
function operationsOf(doc: OpenApiDocument): { template: string; method: string; op: Operation }[] {
  return Object.entries(doc.paths)
    .flatMap(([template, item]) => Object.entries(item).map(([method, op]) => ({ template, method, op })))
    .filter(({ op, template }) => !ONLY || `${op.operationId ?? ''} ${template}`.includes(ONLY))
    .sort((a, b) => `${a.template} ${a.method}`.localeCompare(`${b.template} ${b.method}`));
}

function resolver(doc: OpenApiDocument): (ref: string) => Schema {
  return (ref) => {
    const name = ref.replace('#/components/schemas/', '');
    const schema = doc.components.schemas[name];
    if (!schema) throw new Error(`unresolved ${ref}`);
    return schema;
  };
}

/** An answer that refuses or fails, in the contract of its surface (HTTP 200 ones included). */
function isError(template: string, answer: RawAnswer): boolean {
  if (answer.status >= 400) return true;
  const body = answer.json as { status?: unknown } | undefined;
  if (template === '/sync' || template === '/authenticate') return body?.status === 'fail';
  if (template.startsWith('/rest/') || template.startsWith('/accounts/')) return body?.status !== 200;
  if (template.startsWith(PROXY_PREFIX)) return body?.status !== 0;
  return false;
}

interface Problem {
  operation: string;
  problem: string;
  example: string;
}

/** One request, as a line a person can replay. */
function example(seed: number, req: FuzzRequest): string {
  const body = req.body ? ` body ${JSON.stringify(req.body.toString('utf8').slice(0, 160))}${req.body.length > 160 ? `… (${req.body.length} bytes)` : ''}` : '';
  return `[seed ${seed}] ${req.method} ${req.path.slice(0, 200)} (${req.label}, credential ${req.credential})${body}`;
}

/** Problems by operation and kind (numbers and quoted details folded), each with its count and first example. */
function grouped(problems: Problem[]): string {
  const groups = new Map<string, { count: number; first: Problem }>();
  for (const p of problems) {
    const key = `${p.operation}: ${p.problem.replace(/\(\d+ [^)]*\)|"[^"]*"|[0-9a-f]{8,}/g, '…').slice(0, 160)}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { count: 1, first: p });
  }
  return [...groups.entries()]
    .map(([key, { count, first }]) => `- ${key} (×${count})\n    ${first.problem.slice(0, 400)}\n    e.g. ${first.example}`)
    .join('\n');
}
