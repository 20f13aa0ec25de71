import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { findCycles, importsOf, libraryGraph, libraryOf, relativePath, typescriptFiles, type LibraryGraph } from '../../scripts/lib-boundaries.mjs';

/**
 * The architecture's two rules, read from the sources (STYLE.md 13 and 16):
 * - libraries import each other through `#app/<lib>` only, and never in a cycle (also the lint
 *   rule `lib-boundaries/no-cycle`, which reports the import that closes one);
 * - one owner per table: only the library that owns a table names it in SQL (or in an entity);
 *   the others call the owner's API.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const MIGRATIONS = join(ROOT, 'libs/database/src/migrations');

/**
 * Which library owns each table the migrations create: the one whose SQL and entities may name
 * it. A table a migration creates must be listed here (and a table listed here must exist).
 */
const TABLE_OWNERS: Readonly<Record<string, string>> = {
  api_client: 'access',
  audit_event: 'audit',
  audit_chain_head: 'audit',
  directory_token: 'hr-source',
  sync_run: 'snapshots',
  snapshot: 'snapshots',
  person: 'snapshots',
  person_group: 'snapshots',
  user_version: 'snapshots',
  department: 'snapshots',
  group_version: 'snapshots',
  sync_state: 'snapshots',
  sync_payload_chunk: 'snapshots',
  sync_lock: 'snapshots',
  username_override: 'snapshots',
  sync_override_token: 'snapshots',
  pending_removal: 'snapshots',
  credential: 'omflow',
  auth_lockout: 'omflow',
  omflow_security_code: 'omflow',
  notification_outbox: 'notifications',
  notification_quarantine: 'notifications',
  omflow_reconciliation: 'omflow-readback',
  omflow_reconciliation_lock: 'omflow-readback',
  console_session: 'access',
};

/** Calls whose string argument is a table name: TypeORM's `@Entity('t')`, `.update('t')`, `.from('t')`..., the snapshots' `insertRows(m, 't', ...)`. */
const TABLE_CALLS = new Set([
  'Entity',
  'ViewEntity',
  'from',
  'into',
  'update',
  'getRepository',
  'insertRows',
  'hasTable',
  'getTable',
  'clearTable',
  'dropTable',
]);

/** A string that is SQL, or a piece of it: an upper-case keyword (the code base writes SQL keywords upper-case, prose does not). */
const SQL_TEXT = /\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|WHERE|INTO|VALUES|SET|TABLE)\b/;

const read = (file: string): string => readFileSync(file, 'utf8');

/** A table named in SQL text: a whole word, not a column of an alias (`u.person`), a parameter (`:person`) or a quoted value (`'person'`). */
function namesTable(sql: string, table: string): boolean {
  return new RegExp(`(?<![\\w.:@'])${table}(?!\\w)`).test(sql);
}

/** The tables among `tables` that the source names in SQL (string and template literals) or as a table argument (TABLE_CALLS). */
function tablesNamedIn(fileName: string, text: string, tables: readonly string[]): Set<string> {
  const named = new Set<string>();
  const sqlText = (sql: string) => {
    if (SQL_TEXT.test(sql)) for (const t of tables) if (namesTable(sql, t)) named.add(t);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      sqlText(node.text);
      const call = node.parent;
      if (tables.includes(node.text) && ts.isCallExpression(call) && call.arguments.includes(node)) {
        const callee = call.expression;
        const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : null;
        if (name && TABLE_CALLS.has(name)) named.add(node.text);
      }
    } else if (ts.isTemplateExpression(node)) {
      // One text for the whole template, the substitutions standing in as `?`: a keyword and a table may sit in different pieces.
      sqlText(node.head.text + node.templateSpans.map((span) => ` ? ${span.literal.text}`).join(''));
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  return named;
}

/**
 * The tables the migrations leave in place, each with the migration that created it: `new
 * Table({ name })` and `CREATE TABLE` in `up()`, minus the tables an `up()` drops, in the order
 * the migrations run (by timestamp).
 */
function tablesCreatedByMigrations(files: readonly { name: string; text: string }[]): Map<string, string> {
  const tables = new Map<string, string>();
  for (const { name, text } of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Table') {
        const options = node.arguments?.[0];
        if (options && ts.isObjectLiteralExpression(options)) {
          for (const p of options.properties) {
            if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'name' && ts.isStringLiteralLike(p.initializer)) {
              tables.set(p.initializer.text, name);
            }
          }
        }
      } else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'dropTable') {
        const arg = node.arguments[0];
        if (arg && ts.isStringLiteralLike(arg)) tables.delete(arg.text);
      } else if (ts.isStringLiteralLike(node)) {
        for (const m of node.text.matchAll(/\bCREATE TABLE (?:IF NOT EXISTS )?[`"]?(\w+)/g)) tables.set(m[1], name);
        for (const m of node.text.matchAll(/\bDROP TABLE (?:IF EXISTS )?[`"]?(\w+)/g)) tables.delete(m[1]);
      }
      ts.forEachChild(node, visit);
    };
    const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const up = (node: ts.Node): void => {
      if (ts.isMethodDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === 'up') visit(node);
      else ts.forEachChild(node, up);
    };
    up(source);
  }
  return tables;
}

/** Every place a library names a table another library owns, as `file: lib names t, a table of owner`. */
function foreignTableNames(owners: Readonly<Record<string, string>>): string[] {
  const tables = Object.keys(owners);
  const out: string[] = [];
  for (const file of typescriptFiles(join(ROOT, 'libs'))) {
    const lib = libraryOf(ROOT, file);
    const path = relativePath(ROOT, file);
    if (!lib || path.startsWith('libs/database/src/migrations/')) continue;
    for (const table of tablesNamedIn(path, read(file), tables)) {
      if (owners[table] !== lib) out.push(`${path}: ${lib} names ${table}, a table of ${owners[table]}`);
    }
  }
  return out.sort();
}

/** The tables each library names somewhere in its sources (to check that an owner uses what it owns). */
function tablesNamedBy(lib: string, tables: readonly string[]): Set<string> {
  const named = new Set<string>();
  for (const file of typescriptFiles(join(ROOT, 'libs', lib))) {
    if (libraryOf(ROOT, file) !== lib) continue;
    for (const t of tablesNamedIn(file, read(file), tables)) named.add(t);
  }
  return named;
}

/** The imports of `path` (relative to the root) that reach into a library instead of through its `#app/<lib>` entry. */
function deepImportsOf(path: string, text: string): string[] {
  const ownLib = /^libs\/([^/]+)\//.exec(path)?.[1];
  const out: string[] = [];
  for (const { specifier, line } of importsOf(text)) {
    let reached: string | undefined;
    if (specifier.startsWith('#app/')) {
      if (specifier.split('/').length > 2) reached = specifier.split('/')[1];
    } else if (specifier.startsWith('.')) {
      reached = /^libs\/([^/]+)\//.exec(relativePath(ROOT, resolve(ROOT, dirname(path), specifier)))?.[1];
      if (reached === ownLib) reached = undefined;
    } else if (/(^|\/)libs\//.test(specifier)) {
      reached = '<lib>';
    }
    if (reached) out.push(`${path}:${line} imports ${specifier}: import #app/${reached} instead`);
  }
  return out;
}

function deepImports(): string[] {
  return ['apps', 'libs', 'test', 'bench']
    .flatMap((dir) => typescriptFiles(join(ROOT, dir)))
    .flatMap((file) => deepImportsOf(relativePath(ROOT, file), read(file)));
}

function describeCycles(graph: LibraryGraph): string[] {
  return findCycles(graph).map((cycle) => {
    const hops = cycle.slice(1).map((to, i) => {
      const from = cycle[i];
      const places = graph.edges.get(from)!.get(to)!;
      return `${from} -> ${to} (${places.map((p) => `${p.file}:${p.line}`).join(', ')})`;
    });
    return `${cycle.join(' -> ')}: ${hops.join('; ')}`;
  });
}

describe('library boundaries', () => {
  it('has no import cycle between libraries', () => {
    expect(describeCycles(libraryGraph(ROOT))).toEqual([]);
  });

  it('keeps libs/metrics a leaf that every library may import: it imports no other library', () => {
    const graph = libraryGraph(ROOT);
    expect(graph.libs).toContain('metrics');
    expect([...graph.edges.get('metrics')!.keys()]).toEqual([]);
  });

  it('imports every library through its #app/<lib> entry, never by a deep path', () => {
    expect(deepImports()).toEqual([]);
  });

  it('knows the owner of every table the migrations create, and only of those', () => {
    const created = tablesCreatedByMigrations(
      typescriptFiles(MIGRATIONS)
        .filter((f) => !f.endsWith('index.ts'))
        .map((f) => ({ name: relativePath(MIGRATIONS, f), text: read(f) })),
    );
    const libs = libraryGraph(ROOT).libs;
    expect([...created.keys()].filter((t) => !(t in TABLE_OWNERS)).map((t) => `${t} (created by ${created.get(t)}) has no owner`)).toEqual([]);
    expect(
      Object.keys(TABLE_OWNERS)
        .filter((t) => !created.has(t))
        .map((t) => `${t} is not created by any migration`),
    ).toEqual([]);
    expect(Object.entries(TABLE_OWNERS).filter(([, lib]) => !libs.includes(lib))).toEqual([]);
    // An owner that never names its table is probably the wrong owner.
    const tables = Object.keys(TABLE_OWNERS);
    const namedBy = new Map([...new Set(Object.values(TABLE_OWNERS))].map((lib) => [lib, tablesNamedBy(lib, tables)]));
    const unused = Object.entries(TABLE_OWNERS).filter(([table, lib]) => !namedBy.get(lib)!.has(table));
    expect(unused.map(([table, lib]) => `${lib} owns ${table} but never names it`)).toEqual([]);
  });

  it("names no other library's table in SQL or entities (migrations aside)", () => {
    expect(foreignTableNames(TABLE_OWNERS)).toEqual([]);
  });
});

describe('the boundary checks themselves', () => {
  const graph = (edges: Record<string, string[]>): LibraryGraph => ({
    libs: Object.keys(edges).sort(),
    edges: new Map(Object.entries(edges).map(([from, tos]) => [from, new Map(tos.map((to) => [to, [{ file: `libs/${from}/src/x.ts`, line: 1 }]]))])),
  });

  it('names a cycle, direct or through other libraries', () => {
    expect(findCycles(graph({ a: ['b'], b: ['a'], c: ['a'] }))).toEqual([['a', 'b', 'a']]);
    expect(findCycles(graph({ a: ['b'], b: ['c'], c: ['a'], d: [] }))).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(graph({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
    expect(describeCycles(graph({ access: ['audit'], audit: ['access'] }))).toEqual([
      'access -> audit -> access: access -> audit (libs/access/src/x.ts:1); audit -> access (libs/audit/src/x.ts:1)',
    ]);
  });

  it('finds the imports of a source, type-only and re-exports included, not those in comments', () => {
    const text = [
      "import { A } from '#app/access';",
      "import type { B } from '#app/audit';",
      "export { C } from '#app/common';",
      "// import { D } from '#app/config';",
      "const e = await import('#app/database');",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { specifier: '#app/access', line: 1 },
      { specifier: '#app/audit', line: 2 },
      { specifier: '#app/common', line: 3 },
      { specifier: '#app/database', line: 5 },
    ]);
  });

  it('finds an import that reaches into another library, not one inside its own', () => {
    const text = [
      "import { A } from '#app/access/src/access.service.js';",
      "import { B } from '../../audit/src/audit.service.js';",
      "import { C } from './scopes.js';",
      "import { D } from '#app/common';",
      "import { E } from 'somewhere/libs/x';",
    ].join('\n');
    expect(deepImportsOf('libs/access/src/x.ts', text)).toEqual([
      'libs/access/src/x.ts:1 imports #app/access/src/access.service.js: import #app/access instead',
      'libs/access/src/x.ts:2 imports ../../audit/src/audit.service.js: import #app/audit instead',
      'libs/access/src/x.ts:5 imports somewhere/libs/x: import #app/<lib> instead',
    ]);
    expect(deepImportsOf('test/support/bridge.ts', "import { x } from '../../apps/bridge/src/bootstrap.js';")).toEqual([]);
    expect(deepImportsOf('test/x.e2e-spec.ts', "import { x } from '../libs/omflow/src/query/index.js';")).toEqual([
      'test/x.e2e-spec.ts:1 imports ../libs/omflow/src/query/index.js: import #app/omflow instead',
    ]);
  });

  it('finds a table in SQL, in an entity, a query builder or insertRows, and not in prose, values or columns', () => {
    const tables = ['person', 'snapshot', 'sync_lock', 'audit_event', 'department'];
    const named = (code: string) => [...tablesNamedIn('x.ts', code, tables)].sort();
    expect(named("db.query('SELECT id FROM person WHERE id = ?')")).toEqual(['person']);
    expect(named('const q = `SELECT ${cols} FROM ${x} JOIN snapshot s ON s.id = v.from_snapshot`;')).toEqual(['snapshot']);
    expect(named('const SOURCE = "person u WHERE u.state <> \'pending\'";')).toEqual(['person']);
    expect(named("db.query('INSERT INTO `department` (id) VALUES (?)')")).toEqual(['department']);
    expect(named("@Entity('audit_event') class A {}")).toEqual(['audit_event']);
    expect(named("qb.update('sync_lock').set({ holder: null })")).toEqual(['sync_lock']);
    expect(named("await insertRows(m, 'person', ['id'], rows);")).toEqual(['person']);
    expect(named("audit.record({ target: { type: 'snapshot', id } }); throw new Error('no person with that snapshot');")).toEqual([]);
    expect(named('db.query("SELECT id FROM x WHERE kind = \'person\' AND u.snapshot = :snapshot")')).toEqual([]);
    expect(named('/** Reads FROM person. */ const a = 1; // UPDATE snapshot')).toEqual([]);
  });

  it('reads the tables the migrations leave, and which migration created each', () => {
    const created = tablesCreatedByMigrations([
      { name: '2-b.ts', text: "class B { async up(q) { await q.dropTable('old'); await q.query('CREATE TABLE IF NOT EXISTS `raw` (id int)'); } }" },
      {
        name: '1-a.ts',
        text: "class A { async up(q) { await q.createTable(new Table({ name: 'kept', columns: [] })); await q.createTable(new Table({ name: 'old' })); } async down(q) { await q.createTable(new Table({ name: 'only_in_down' })); } }",
      },
    ]);
    expect(Object.fromEntries(created)).toEqual({ kept: '1-a.ts', raw: '2-b.ts' });
  });
});
