import { describe, expect, it } from 'vitest';
import { columnMap, USER_COLUMNS } from './query-columns.js';
import { MAX_VALUE_LENGTH, parseDate, parseListQuery } from './query-parser.js';

const USERS = columnMap(USER_COLUMNS);
const parse = (body: Record<string, unknown>) => parseListQuery(body, USERS, 'id', { collate: '', dialect: 'mysql' });

describe('parseListQuery', () => {
  it('defaults to every column, ordered by id, rows 0..99', () => {
    const q = parse({});
    expect(q.columns.map((c) => c.name)).toHaveLength(23);
    expect(q).toMatchObject({ where: '1 = 1', params: [], orderBy: 'u.id ASC', start: 0, limit: 100, snapshot: null });
  });

  it('ANDs search conditions and wraps the exclude conjunction so NULLs are kept', () => {
    const q = parse({
      search_conditions: [
        { column: 'username', condition: '=', value: 'a' },
        { column: 'id', condition: 'in', value: [1, 2] },
      ],
      exclude_conditions: [
        { column: 'email', condition: 'contains', value: '50%_off!' },
        { column: 'delete', condition: '=', value: true },
      ],
    });
    expect(q.where).toBe(
      "(u.username = ?) AND (u.id IN (?, ?)) AND NOT COALESCE(((u.email LIKE ? ESCAPE '!') AND ((CASE WHEN u.state = 'deleted' THEN 1 ELSE 0 END) = ?)), 0)",
    );
    expect(q.params).toEqual(['a', 1, 2, '%50!%!_off!!%', 1]);
  });

  it('orders by whitelisted expressions only, with id as the tie-break, skipping constants', () => {
    expect(parse({ order_columns: ['-nick_name', 'password', 'id'] }).orderBy).toBe('u.nick_name DESC, u.id ASC');
    expect(parse({ order_columns: ['gender'] }).orderBy).toBe('u.gender ASC, u.id ASC');
  });

  it('adds the collation for past snapshots to text columns only', () => {
    const q = parseListQuery(
      {
        search_conditions: [
          { column: 'username', condition: '=', value: 'A' },
          { column: 'id', condition: '>', value: 1 },
        ],
      },
      USERS,
      'id',
      { collate: 'NOCASE', dialect: 'sqlite' },
    );
    expect(q.where).toBe('(u.username COLLATE NOCASE = ?) AND (u.id > ?)');
  });

  it('matches contains with instr on SQLite, whose LIKE stops at NUL', () => {
    const q = parseListQuery({ search_conditions: [{ column: 'nick_name', condition: 'contains', value: '50%\u0000' }] }, USERS, 'id', {
      collate: '',
      dialect: 'sqlite',
    });
    expect(q.where).toBe('(instr(lower(u.nick_name), lower(?)) > 0)');
    expect(q.params).toEqual(['50%\u0000']);
  });

  it(`bounds every text value to ${MAX_VALUE_LENGTH} characters`, () => {
    const long = 'x'.repeat(MAX_VALUE_LENGTH + 1);
    expect(() => parse({ search_conditions: [{ column: 'nick_name', condition: 'contains', value: long }] })).toThrow(/search_conditions\[0\]: .*at most 1000/);
    expect(() => parse({ exclude_conditions: [{ column: 'username', condition: 'in', value: ['a', long] }] })).toThrow(/exclude_conditions\[0\]\.value\[1\]/);
    expect(() => parse({ search_conditions: [{ column: 'updatetime', condition: '>', value: long }] })).toThrow(/at most/);
    expect(parse({ search_conditions: [{ column: 'username', condition: '=', value: long.slice(1) }] }).params).toEqual([long.slice(1)]);
  });

  it('names what is wrong', () => {
    expect(() => parse({ search_conditions: [{ column: 'x; DROP', condition: '=', value: 1 }] })).toThrow(/unknown column "x; DROP"/);
    expect(() => parse({ search_conditions: [{ column: 'id', condition: 'like', value: 1 }] })).toThrow(/unknown condition "like"/);
    expect(() => parse({ start: -1 })).toThrow(/negative/);
    expect(() => parse({ search_conditions: [{ column: 'last_login', condition: '<', value: 5 }] })).toThrow(/takes a date/);
  });
});

describe('parseDate', () => {
  it('reads dates and date-times as UTC unless a zone is given', () => {
    expect(parseDate('2026-01-31')).toBe('2026-01-31 00:00:00.000');
    expect(parseDate('2026-01-31T08:30:00Z')).toBe('2026-01-31 08:30:00.000');
    expect(parseDate('2026-01-31 08:30:00.123456+08:00')).toBe('2026-01-31 00:30:00.123');
    expect(parseDate('2026-02-30')).toBeNull();
    expect(parseDate('31/01/2026')).toBeNull();
  });
});
