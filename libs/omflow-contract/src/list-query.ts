import type { QueryColumn } from './query-columns.js';

/** A typed value of a condition: numbers, text, true/false, instants (dates are UTC). */
export type QueryValue = string | number | boolean | Date;

/**
 * One comparison. `values` holds one value for `=`, `>`, `<` and `contains` (a case-insensitive
 * substring), any number for `in` (none matches nothing), none for `is-null`. Text compares
 * case-insensitively, as OMFLOW's MySQL collations do.
 */
export interface QueryCondition {
  column: QueryColumn;
  op: '=' | '>' | '<' | 'in' | 'contains' | 'is-null';
  values: readonly QueryValue[];
}

/**
 * Conditions combined: `all` is a conjunction (empty: every row); `exclude` leaves out the rows
 * matching its filter, and keeps a row for which the filter is unknown (a comparison with an
 * empty value), as Django's `exclude()` does.
 */
export type QueryFilter = QueryCondition | { all: readonly QueryFilter[] } | { exclude: QueryFilter };

export interface QueryOrder {
  column: QueryColumn;
  descending: boolean;
}

/**
 * A list request of the query API, checked and reduced to what it asks for, with no SQL: which
 * columns, which rows, in which order, which slice. The database side compiles it.
 */
export interface ListQuery {
  /** The columns of each answered row, in order. */
  columns: readonly QueryColumn[];
  filter: QueryFilter;
  /** Sort keys, the last one the unique `id` (so that pages never overlap). */
  order: readonly QueryOrder[];
  /** Django's `[start:limit]`: rows start … limit-1. */
  start: number;
  limit: number;
  /** A past kept snapshot to answer from (user list only); null: the published one. */
  snapshot: number | null;
}
