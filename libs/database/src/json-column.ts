import type { ValueTransformer } from 'typeorm';

/** A JSON value kept in a text column (portable: MySQL and SQLite alike). */
export const jsonColumn: ValueTransformer = {
  to: (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value)),
  from: (value: string | null) => (value === null ? null : (JSON.parse(value) as unknown)),
};
