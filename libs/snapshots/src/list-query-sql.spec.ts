import { describe, expect, it } from 'vitest';
import { GROUP_QUERY_COLUMNS, USER_QUERY_COLUMNS, type ListQuery, type QueryCondition, type QueryFilter } from '#app/omflow-contract';
import { compileList, groupColumnSql, userColumnSql, userKeySql, type TextRules } from './list-query-sql.js';

const user = (name: string) => USER_QUERY_COLUMNS.find((c) => c.name === name)!;
const cond = (name: string, op: QueryCondition['op'], ...values: QueryCondition['values']): QueryCondition => ({ column: user(name), op, values });
const query = (filter: QueryFilter, more: Partial<ListQuery> = {}): ListQuery => ({
  columns: [user('id')],
  filter,
  order: [{ column: user('id'), descending: false }],
  start: 0,
  limit: 100,
  snapshot: null,
  ...more,
});
const PUBLISHED = { from: 'person u WHERE 1 = 1', params: [], sql: userColumnSql, key: userKeySql };
const MYSQL: TextRules = { collate: '', constants: '', dialect: 'mysql' };
/** Keys and folds that show where they were applied. */
const SQLITE: TextRules = { dialect: 'sqlite', key: (t) => `k(${t.trimEnd().toLowerCase()})`, fold: (t) => `f(${t.toLowerCase()})`, foldFunction: 'fold' };
const where = (q: ListQuery, text: TextRules = MYSQL) => {
  const { sql, params } = compileList(q, PUBLISHED, text).page(0, 100);
  return { where: /AND \((.*)\) ORDER BY/.exec(sql)![1], params: text.dialect === 'mysql' ? params.slice(0, -2) : params };
};

describe('compileList', () => {
  it('builds the statement from the source, the column SQL and bound values only', () => {
    const q = query(
      {
        all: [cond('username', '=', 'a'), cond('id', 'in', 1, 2), { exclude: { all: [cond('email', 'contains', '50%_off!'), cond('delete', '=', true)] } }],
      },
      {
        columns: [user('id'), user('password'), user('is_active')],
        order: [
          { column: user('nick_name'), descending: true },
          { column: user('id'), descending: false },
        ],
      },
    );
    const { sql, params } = compileList(q, { ...PUBLISHED, params: ['source'] }, MYSQL).page(20, 10);
    expect(sql).toBe(
      "SELECT u.id AS c0, NULL AS c1, (CASE WHEN u.state = 'active' THEN 1 ELSE 0 END) AS c2 FROM person u WHERE 1 = 1 AND " +
        "((u.username = ?) AND (u.id IN (?, ?)) AND (NOT COALESCE(((u.email LIKE ? ESCAPE '!') AND ((CASE WHEN u.state = 'deleted' THEN 1 ELSE 0 END) = ?)), 0))) " +
        'ORDER BY u.nick_name DESC, u.id ASC LIMIT ? OFFSET ?',
    );
    expect(params).toEqual(['source', 'a', 1, 2, '%50!%!_off!!%', 1, 10, 20]);
  });

  it('matches everything without conditions, nothing with an empty in, NULL with is-null', () => {
    expect(where(query({ all: [] })).where).toBe('1 = 1');
    expect(where(query({ all: [cond('username', 'in')] })).where).toBe('(1 = 0)');
    expect(where(query({ all: [cond('ad_no', 'is-null')] }))).toEqual({ where: '(u.ad_no IS NULL)', params: [] });
  });

  it('compares constants as literals and binds instants as stored', () => {
    expect(where(query({ all: [cond('frequency', '>', 5), cond('first_name', '=', ''), cond('is_superuser', '=', false)] }))).toEqual({
      where: "(10 > ?) AND ('' = ?) AND (0 = ?)",
      params: [5, '', 0],
    });
    expect(where(query({ all: [cond('updatetime', '<', new Date('2026-01-31T08:00:00Z'))] }))).toEqual({
      where: '(u.updated_at < ?)',
      params: ['2026-01-31 08:00:00.000'],
    });
  });

  it("names OMFLOW's collation on text columns and text constants where the database's own differs (MySQL)", () => {
    expect(
      where(query({ all: [cond('username', '=', 'A'), cond('id', '>', 1), cond('first_name', '=', '')] }), {
        dialect: 'mysql',
        collate: 'utf8mb4_general_ci',
        constants: 'utf8mb4_general_ci',
      }).where,
    ).toBe("(u.username COLLATE utf8mb4_general_ci = ?) AND (u.id > ?) AND ('' COLLATE utf8mb4_general_ci = ?)");
  });

  it('compares collation keys on SQLite, and decides conditions on text constants with the collation', () => {
    const q = query(
      { all: [cond('username', '=', 'Pengbin '), cond('email', 'in', 'A', 'b'), cond('nick_name', '<', 'M'), cond('id', '>', 1), cond('ad_no', 'is-null')] },
      {
        order: [
          { column: user('nick_name'), descending: true },
          { column: user('id'), descending: false },
        ],
      },
    );
    const { sql, params } = compileList(q, PUBLISHED, SQLITE).page(0, 10);
    expect(sql).toContain(
      'AND ((u.username_key = ?) AND (u.email_key IN (?, ?)) AND (u.nick_name_key < ?) AND (u.id > ?) AND (u.ad_no IS NULL)) ORDER BY u.nick_name_key DESC, u.id ASC LIMIT 10 OFFSET 0',
    );
    expect(params).toEqual(['k(pengbin)', 'k(a)', 'k(b)', 'k(m)', 1]);
    expect(where(query({ all: [cond('first_name', '=', '  '), cond('last_name', 'contains', 'x'), cond('password', '=', 'x')] }), SQLITE)).toEqual({
      where: '(1 = 1) AND (1 = 0) AND (NULL = ?)',
      params: ['x'],
    });
  });

  it('writes page bounds into the SQL on SQLite (a bound LIMIT recompiles the statement at every run), binds them on MySQL', () => {
    const q = query({ all: [cond('username', '=', 'a')] });
    expect(compileList(q, PUBLISHED, SQLITE).page(2000, 500)).toEqual({
      sql: expect.stringMatching(/ORDER BY u\.id ASC LIMIT 500 OFFSET 2000$/),
      params: ['k(a)'],
    });
    expect(compileList(q, PUBLISHED, MYSQL).page(2000, 500)).toEqual({ sql: expect.stringMatching(/LIMIT \? OFFSET \?$/), params: ['a', 500, 2000] });
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => compileList(q, PUBLISHED, SQLITE).page(0, bad)).toThrow(/non-negative integer/);
  });

  it('matches contains on SQLite as a substring of the LIKE folds (instr: LIKE stops at NUL)', () => {
    expect(where(query({ all: [cond('nick_name', 'contains', '50%\u0000')] }), SQLITE)).toEqual({
      where: '(instr(fold(u.nick_name), ?) > 0)',
      params: ['f(50%\u0000)'],
    });
  });

  it('maps every contract column to SQL', () => {
    for (const column of USER_QUERY_COLUMNS) if (!('constant' in column)) expect(userColumnSql(column), column.name).toMatch(/^(u\.|\()/);
    for (const column of GROUP_QUERY_COLUMNS) if (!('constant' in column)) expect(groupColumnSql(column), column.name).toMatch(/^[dp]\./);
  });
});
