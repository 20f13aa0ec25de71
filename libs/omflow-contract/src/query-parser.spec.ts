import { describe, expect, it } from 'vitest';
import type { QueryFilter } from './list-query.js';
import { columnMap, USER_QUERY_COLUMNS } from './query-columns.js';
import { MAX_VALUE_LENGTH, parseDate, parseListQuery } from './query-parser.js';

const USERS = columnMap(USER_QUERY_COLUMNS);
const parse = (body: Record<string, unknown>) => parseListQuery(body, USERS, 'id');
const col = (name: string) => USERS.get(name)!;
/** The filter with columns by name, to compare. */
const named = (f: QueryFilter): unknown =>
  'all' in f ? { all: f.all.map(named) } : 'exclude' in f ? { exclude: named(f.exclude) } : { column: f.column.name, op: f.op, values: f.values };

describe('parseListQuery', () => {
  it('defaults to every column, ordered by id, rows 0..99', () => {
    const q = parse({});
    expect(q.columns.map((c) => c.name)).toHaveLength(23);
    expect(q).toMatchObject({ filter: { all: [] }, order: [{ column: col('id'), descending: false }], start: 0, limit: 100, snapshot: null });
  });

  it('ANDs search conditions and wraps the exclude conjunction, with typed values and no SQL', () => {
    const q = parse({
      search_conditions: [
        { column: 'username', condition: '=', value: 'a' },
        { column: 'id', condition: 'in', value: [1, 2] },
        { column: 'ad_no', condition: '=', value: null },
        { column: 'updatetime', condition: '>', value: '2026-01-31' },
      ],
      exclude_conditions: [
        { column: 'email', condition: 'contains', value: '50%_off!' },
        { column: 'delete', condition: '=', value: 1 },
      ],
    });
    expect(named(q.filter)).toEqual({
      all: [
        { column: 'username', op: '=', values: ['a'] },
        { column: 'id', op: 'in', values: [1, 2] },
        { column: 'ad_no', op: 'is-null', values: [] },
        { column: 'updatetime', op: '>', values: [new Date('2026-01-31T00:00:00Z')] },
        {
          exclude: {
            all: [
              { column: 'email', op: 'contains', values: ['50%_off!'] },
              { column: 'delete', op: '=', values: [true] },
            ],
          },
        },
      ],
    });
  });

  it('orders by known columns only, with id as the tie-break, skipping constants and repeats', () => {
    const order = (body: Record<string, unknown>) => parse(body).order.map((o) => `${o.descending ? '-' : ''}${o.column.name}`);
    expect(order({ order_columns: ['-nick_name', 'password', 'id', 'nick_name'] })).toEqual(['-nick_name', 'id']);
    expect(order({ order_columns: ['gender'] })).toEqual(['gender', 'id']);
    expect(order({ order_columns: ['-id'] })).toEqual(['-id']);
  });

  it('selects the asked columns once each, in the asked order', () => {
    expect(parse({ search_columns: ['email', 'id', 'email'] }).columns.map((c) => c.name)).toEqual(['email', 'id']);
  });

  it(`bounds every text value to ${MAX_VALUE_LENGTH} characters`, () => {
    const long = 'x'.repeat(MAX_VALUE_LENGTH + 1);
    expect(() => parse({ search_conditions: [{ column: 'nick_name', condition: 'contains', value: long }] })).toThrow(/search_conditions\[0\]: .*at most 1000/);
    expect(() => parse({ exclude_conditions: [{ column: 'username', condition: 'in', value: ['a', long] }] })).toThrow(/exclude_conditions\[0\]\.value\[1\]/);
    expect(() => parse({ search_conditions: [{ column: 'updatetime', condition: '>', value: long }] })).toThrow(/at most/);
    expect(named(parse({ search_conditions: [{ column: 'username', condition: '=', value: long.slice(1) }] }).filter)).toEqual({
      all: [{ column: 'username', op: '=', values: [long.slice(1)] }],
    });
  });

  it('names what is wrong', () => {
    expect(() => parse({ search_conditions: [{ column: 'x; DROP', condition: '=', value: 1 }] })).toThrow(/unknown column "x; DROP"/);
    expect(() => parse({ search_conditions: [{ column: 'id', condition: 'like', value: 1 }] })).toThrow(/unknown condition "like"/);
    expect(() => parse({ start: -1 })).toThrow(/negative/);
    expect(() => parse({ search_conditions: [{ column: 'last_login', condition: '<', value: 5 }] })).toThrow(/takes a date/);
    expect(() => parse({ search_conditions: [{ column: 'is_active', condition: '=', value: 'yes' }] })).toThrow(/"is_active" takes true or false/);
    expect(() => parse({ search_conditions: [{ column: 'id', condition: '=', value: '3.0' }] })).toThrow(/"id" takes a number/);
    expect(() => parse({ search_conditions: [{ column: 'id', condition: '=', value: '1__0' }] })).toThrow(/"id" takes a number/);
    expect(() => parse({ search_conditions: [{ column: 'username', condition: 'in', value: [{ a: 1 }] }] })).toThrow(/"username" takes a string/);
  });

  it("coerces values as Django's fields do, and drops a null from in", () => {
    const values = (column: string, condition: string, value: unknown) => {
      const f = parse({ search_conditions: [{ column, condition, value }] }).filter as unknown as { all: { values: unknown[] }[] };
      return f.all[0].values;
    };
    expect(values('id', '=', '3')).toEqual([3]);
    expect(values('id', '=', ' -1_000 ')).toEqual([-1000]);
    expect(values('id', '=', 3.9)).toEqual([3]);
    expect(values('id', '<', 3.1)).toEqual([4]);
    expect(values('id', '>', 3.9)).toEqual([3]);
    expect(values('id', '=', true)).toEqual([1]);
    expect(values('id', 'in', ['1', 2, null])).toEqual([1, 2]);
    expect(values('id', 'in', [null])).toEqual([]);
    expect(values('username', '=', 42)).toEqual(['42']);
    expect(values('username', '=', false)).toEqual(['False']);
    expect(values('nick_name', 'contains', 7)).toEqual(['7']);
    expect(values('delete', 'in', ['t', 'True', '1', 'f', 'False', '0', 1, 0])).toEqual([true, true, true, false, false, false, true, false]);
    expect(values('delete', '>', false)).toEqual([false]);
  });
});

describe('parseDate', () => {
  it('reads dates and date-times as UTC unless a zone is given', () => {
    expect(parseDate('2026-01-31')?.toISOString()).toBe('2026-01-31T00:00:00.000Z');
    expect(parseDate('2026-01-31T08:30:00Z')?.toISOString()).toBe('2026-01-31T08:30:00.000Z');
    expect(parseDate('2026-01-31 08:30:00.123456+08:00')?.toISOString()).toBe('2026-01-31T00:30:00.123Z');
    expect(parseDate('2026-02-30')).toBeNull();
    expect(parseDate('31/01/2026')).toBeNull();
  });
});
