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
  employees: AsyncIterable<SourceObject>;
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
  abstract read(signal: AbortSignal): Promise<SourceRead>;
}
