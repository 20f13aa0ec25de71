import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OMFLOW_COLLATIONS, type OmflowCollationName } from '#app/omflow-contract';
import { startBridge, TEST_ADMIN_TOKEN, type RunningBridge } from '../support/bridge.js';
import { testConfig } from '../support/config.js';
import { testDatabases, type TestDatabase } from '../support/databases.js';
import { DEPARTMENTS, writeOrganisation, type TestDepartment, type TestPerson } from '../support/organisation.js';
import { COLLATION_PROBES } from './collation-probes.js';

/**
 * The query API's text semantics on SQLite against MariaDB, under each OMFLOW_COLLATION: the same
 * organisation (display names and department names made of non-ASCII, accented and padded probe
 * texts, kept as the directory spells them) published on both, then every operator and ordering
 * asked of both; the answers must be the same. Some answers are also stated outright (they hold
 * on MariaDB, the reference), so that SQLite alone is checked where no MariaDB is configured.
 */
type Row = Record<string, unknown>;
type Body = Row;

const PROBE_DEPARTMENTS: TestDepartment[] = [
  { id: 'd-strasse', name: 'Straße', parent: 'root' },
  { id: 'd-strasse-2', name: 'STRASSE', parent: 'root' },
  { id: 'd-elodie', name: 'Élodie', parent: 'root' },
  { id: 'd-ivan', name: 'Иван', parent: 'root' },
  { id: 'd-ivan-2', name: 'иван', parent: 'root' },
  { id: 'd-pad', name: 'Web ', parent: 'root' },
  { id: 'd-han', name: '研发', parent: 'root' },
  { id: 'd-istanbul', name: 'İstanbul', parent: 'root' },
];
const ALL_DEPARTMENTS = [...DEPARTMENTS, ...PROBE_DEPARTMENTS];

/** One person per probe text (its display name); `pengbin` and the two alice.harris emails among them. */
function organisation(): TestPerson[] {
  return COLLATION_PROBES.map((probe, i) => ({
    userId: `c${i}`,
    username: i === 0 ? 'pengbin' : `user${i}`,
    name: probe,
    email: i === 1 ? 'alice.harris@example.com' : i === 2 ? 'alice.harris2@example.com' : i === 3 ? 'Alice_Harris@example.com' : undefined,
    departments: [PROBE_DEPARTMENTS[i % PROBE_DEPARTMENTS.length].id],
  }));
}

/** Display names and department names as the directory spells them (no trimming), so that padded texts are stored. */
const RAW_MAPPING = { users: { nick_name: { from: ['display_name'] } }, departmentName: { from: ['name'] } };

const usersBody = (body: Body): Body => ({ search_columns: ['username'], limit: 500, ...body });
const cond = (column: string, condition: string, value: unknown) => ({ column, condition, value });

/** Every question asked of both databases. */
function questions(): { label: string; path: 'user' | 'group'; body: Body }[] {
  const out: { label: string; path: 'user' | 'group'; body: Body }[] = [];
  const user = (label: string, body: Body) => out.push({ label, path: 'user', body: usersBody(body) });
  for (const column of ['nick_name', 'email', 'username']) {
    user(`order by ${column}`, { order_columns: [column] });
    user(`order by -${column}`, { order_columns: [`-${column}`] });
  }
  const needles = new Set<string>(['ss', 'ß', 'i', 'I', 'İ', 'ı', '😀', '😁', ' ', 'e', 'harris2', 'HARRIS@', 'иван', 'elodie', 'E\u0301', 'strasse']);
  for (const probe of COLLATION_PROBES) {
    user(`nick_name = ${JSON.stringify(probe)}`, { search_conditions: [cond('nick_name', '=', probe)] });
    user(`nick_name > ${JSON.stringify(probe)}`, { search_conditions: [cond('nick_name', '>', probe)], order_columns: ['nick_name'] });
    user(`nick_name < ${JSON.stringify(probe)}`, { search_conditions: [cond('nick_name', '<', probe)] });
    user(`nick_name in ${JSON.stringify(probe)}`, { search_conditions: [cond('nick_name', 'in', [probe.toUpperCase(), `${probe} `])] });
    user(`exclude nick_name = ${JSON.stringify(probe)}`, { exclude_conditions: [cond('nick_name', '=', probe.toLowerCase())] });
    for (const needle of [probe, probe.toLowerCase(), probe.toUpperCase(), [...probe].slice(1, 4).join('')]) needles.add(needle);
  }
  for (const needle of needles) user(`nick_name contains ${JSON.stringify(needle)}`, { search_conditions: [cond('nick_name', 'contains', needle)] });
  for (const value of ['pengbin ', 'PENGBIN', 'pengbin\t', 'pengbin  ', ' pengbin'])
    user(`username = ${JSON.stringify(value)}`, { search_conditions: [cond('username', '=', value)] });
  user('first_name = "  " (a constant)', { search_conditions: [cond('first_name', '=', '  ')] });
  const group = (label: string, body: Body) => out.push({ label, path: 'group', body: { search_columns: ['group_no'], ...body } });
  group('groups by display_name', { order_columns: ['display_name'] });
  group('groups by -display_name', { order_columns: ['-display_name'] });
  for (const name of ['strasse', 'STRAßE', 'elodie', 'ИВАН', 'web', 'Web  ', 'istanbul', '研发']) {
    group(`display_name = ${JSON.stringify(name)}`, { search_conditions: [cond('display_name', '=', name)] });
    group(`display_name contains ${JSON.stringify(name)}`, { search_conditions: [cond('display_name', 'contains', name)] });
  }
  return out;
}

interface Side {
  kind: TestDatabase['kind'];
  bridge: RunningBridge;
  code: string;
}

async function openSide(db: TestDatabase, collation: OmflowCollationName, file: string, mapping: string): Promise<Side> {
  const bridge = await startBridge(
    testConfig(
      await db.create(),
      {},
      { BRIDGE_ADMIN_TOKEN: TEST_ADMIN_TOKEN, HR_SOURCE: 'file', HR_FILE: file, MAPPING_FILE: mapping, OMFLOW_COLLATION: collation },
    ),
  );
  const admin = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const run = await request(bridge.url).post('/api/v1/sync/runs?wait=true').set(admin).send({});
  expect(run.body.status, JSON.stringify(run.body)).toBe('published');
  const created = await request(bridge.url)
    .post('/api/v1/clients')
    .set(admin)
    .send({ id: 'collation-tool', name: 'collation', scopes: ['users:query'] });
  const secret = String(created.body.secret);
  const code = await request(bridge.url).get('/accounts/api/security/get/').auth('collation-tool', secret);
  return { kind: db.kind, bridge, code: String(code.body.result.security) };
}

async function ask(side: Side, path: 'user' | 'group', body: Body, field = path === 'user' ? 'username' : 'group_no'): Promise<string[]> {
  const res = await request(side.bridge.url)
    .post(`/rest/accounts/api/${path}/list/`)
    .send({ security: side.code, omflow_restapi: 1, ...body });
  expect(res.body.status, `${side.kind}: ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(200);
  return (res.body.result as Row[]).map((r) => String(r[field]));
}

const [sqlite, mysql] = testDatabases();
const dir = mkdtempSync(join(tmpdir(), 'bridge-collation-'));
const file = join(dir, 'org.json');
const mapping = join(dir, 'mapping.json');
writeOrganisation(file, organisation(), ALL_DEPARTMENTS);
writeFileSync(mapping, JSON.stringify(RAW_MAPPING));
const nameOf = (username: string) => COLLATION_PROBES[username === 'pengbin' ? 0 : Number(username.slice(4))];

describe.each(OMFLOW_COLLATIONS)('query API text semantics under %s', (collation) => {
  const sides: Side[] = [];

  beforeAll(async () => {
    sides.push(await openSide(sqlite, collation, file, mapping));
    if (mysql) sides.push(await openSide(mysql, collation, file, mapping));
  });
  afterAll(async () => {
    for (const side of sides) await side.bridge.close();
    await sqlite.dropAll();
    await mysql?.dropAll();
  });

  it.skipIf(!mysql)('answers every operator and ordering on SQLite exactly as on MariaDB', async () => {
    const [lite, maria] = sides;
    const differences: string[] = [];
    const list = questions();
    for (const q of list) {
      const [a, b] = [await ask(lite, q.path, q.body), await ask(maria, q.path, q.body)];
      if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${q.label}: SQLite ${JSON.stringify(a)}, MariaDB ${JSON.stringify(b)}`);
    }
    expect(list.length).toBeGreaterThan(250);
    expect(differences).toEqual([]);
  });

  it('compares case- and accent-insensitively beyond ASCII, pads spaces as the collation does, and orders by it', async () => {
    for (const side of sides) {
      const names = async (condition: string, value: unknown) =>
        (await ask(side, 'user', usersBody({ search_conditions: [cond('nick_name', condition, value)] }))).map(nameOf);
      expect(await names('contains', 'иван'), side.kind).toEqual(expect.arrayContaining(['Иван Петров', 'иван петров']));
      expect(await names('contains', 'elodie'), side.kind).toEqual(expect.arrayContaining(['Élodie', 'elodie', 'ELODIE']));
      expect(await names('=', 'STRASSE'), side.kind).toEqual(expect.arrayContaining(collation === 'utf8mb4_general_ci' ? ['strasse', 'STRASSE'] : ['Straße']));
      expect(await names('=', 'Ivan'), side.kind).toEqual([]);
      const pengbin = await ask(side, 'user', usersBody({ search_conditions: [cond('username', '=', 'pengbin ')] }));
      // PAD SPACE (unicode_ci, general_ci) ignores trailing spaces; utf8mb4_0900_ai_ci is NO PAD.
      expect(pengbin, side.kind).toEqual(collation === 'utf8mb4_0900_ai_ci' ? [] : ['pengbin']);
      const emails = await ask(
        side,
        'user',
        { search_columns: ['email'], order_columns: ['email'], search_conditions: [cond('email', 'contains', 'alice')] },
        'email',
      );
      // general_ci weighs '2' (0x32) before '@' (0x40); the UCA collations put punctuation first.
      expect(emails, side.kind).toEqual(
        collation === 'utf8mb4_general_ci'
          ? ['alice.harris2@example.com', 'alice.harris@example.com', 'alice_harris@example.com']
          : ['alice_harris@example.com', 'alice.harris@example.com', 'alice.harris2@example.com'],
      );
      expect(await ask(side, 'group', { search_columns: ['group_no'], search_conditions: [cond('display_name', '=', 'ИВАН')] }), side.kind).toEqual([
        'd-ivan',
        'd-ivan-2',
      ]);
      const byName = await request(side.bridge.url)
        .post('/rest/accounts/api/user/list-by-group/')
        .send({ security: side.code, omflow_restapi: 1, org_name: ['ИВАН', 'web'] });
      expect(Object.keys(byName.body.result as Row).sort(), side.kind).toEqual(
        collation === 'utf8mb4_0900_ai_ci' ? ['d-ivan', 'd-ivan-2', 'rd-web'] : ['d-ivan', 'd-ivan-2', 'd-pad', 'rd-web'],
      );
    }
  });
});
