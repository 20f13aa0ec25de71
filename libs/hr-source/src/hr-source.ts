import type { MappedEmployee } from './employee-mapper.js';

/** A JSON object as parsed from the upstream; mapping reads it by field path and checks every value. */
export type SourceObject = Record<string, unknown>;

/** A node of the organisation tree: a department (or the company root). */
export interface SourceNode {
  id: string;
  name: string;
  /** Parent node id; null for a root. */
  parentId: string | null;
  /** Node-id path, `/root/…/id/`. */
  path: string;
  sortOrder?: number;
}

/** What one read of the upstream yields. */
export interface SourceRead {
  /** Employees, one at a time, so that memory stays bounded for any size of organisation. */
  employees?: AsyncIterable<SourceObject>;
  /**
   * Instead of `employees`: what became of each employee, mapped by the source itself with the
   * same mapping (the directory maps its pages in a worker thread, so that the parsed pages
   * never reach the main thread's heap).
   */
  mapped?: AsyncIterable<MappedEmployee>;
  /**
   * The department tree when the source has one; null to derive departments from the
   * `display_nodes` of employees' positions.
   */
  nodes: SourceNode[] | null;
  /**
   * How many employees the upstream announced, when it does; checked after the stream ends.
   * A read that yields fewer fails (a short read is never published).
   */
  announcedEmployees(): number | null;
}

/** Items of one kind read so far, and how many the source announced (null while unknown). */
export interface ReadCount {
  done: number;
  expected: number | null;
}

/**
 * What a read has fetched so far, updated by the source as it goes (a run shows it as its
 * progress): departments, employees and upstream pages. A source that learns a total (the
 * directory announces its counts on its first pages; a file knows everything at once) sets
 * `expected`.
 */
export interface ReadProgress {
  departments: ReadCount;
  employees: ReadCount;
  pages: ReadCount;
}

/** A progress that nobody watches, for reads without one. */
export function newReadProgress(): ReadProgress {
  return { departments: { done: 0, expected: null }, employees: { done: 0, expected: null }, pages: { done: 0, expected: null } };
}

/** Passes `employees` on, counting each one handed on in `progress.employees.done`. */
export async function* counted<T>(employees: AsyncIterable<T>, progress: ReadProgress): AsyncIterable<T> {
  for await (const employee of employees) {
    progress.employees.done++;
    yield employee;
  }
}

/** Why a read failed, for the run report; the run fails and nothing is published. */
export class SourceReadError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'SourceReadError';
  }
}

/**
 * Where employees come from. Two implementations ship: `directory` (the WorkPlus API) and
 * `file` (an export in the directory's list format; the bundled sample is the default).
 */
export abstract class HrSource {
  abstract readonly kind: 'directory' | 'file';
  /** A short description for logs and run reports (never a secret). */
  abstract describe(): string;
  /** Reads the organisation; `progress` is updated as departments, employees and pages arrive. */
  abstract read(signal: AbortSignal, progress?: ReadProgress): Promise<SourceRead>;
}
