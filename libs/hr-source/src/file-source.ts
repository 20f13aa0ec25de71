import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { SAMPLE_ORGANISATION_FILE } from '#app/config';
import { counted, HrSource, newReadProgress, SourceReadError, type ReadProgress, type SourceNode, type SourceObject, type SourceRead } from './hr-source.js';

/**
 * Where to read `path`: as given (relative to the working directory), except the bundled sample
 * organisation (the embedded default, `apps/bridge/assets/...`), which is found in the
 * installation when the bridge was started from another directory (a service manager's working
 * directory, a test's temporary one): the nearest folder above this module that holds it.
 */
export function locate(path: string): string {
  if (path !== SAMPLE_ORGANISATION_FILE || isAbsolute(path) || existsSync(path)) return path;
  for (let dir = import.meta.dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, path);
    if (existsSync(candidate)) return candidate;
  }
  return path;
}

/**
 * Reads an organisation from a file in the directory's own list format: the envelope
 * `{"status":0,"message":"ok","result":[employees…]}` (or a bare array of employees). An
 * optional top-level `tree` (array of nodes with id, name, path, parent_id) gives departments
 * that have no employees; otherwise departments come from the positions' `display_nodes`.
 */
export class FileSource extends HrSource {
  readonly kind = 'file' as const;

  constructor(private readonly path: string) {
    super();
  }

  describe(): string {
    return `file ${this.path}`;
  }

  async read(signal: AbortSignal, progress: ReadProgress = newReadProgress()): Promise<SourceRead> {
    let text: string;
    try {
      text = await readFile(locate(this.path), { encoding: 'utf8', signal });
    } catch (error) {
      throw new SourceReadError(`Cannot read ${this.path}: ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SourceReadError(`${this.path} is not valid JSON: ${(error as Error).message}`);
    }
    const { employees, tree } = unwrap(parsed, this.path);
    // A file is one page that holds everything: its totals are known at once.
    progress.pages = { done: 1, expected: 1 };
    progress.departments = { done: tree?.length ?? 0, expected: tree?.length ?? null };
    progress.employees = { done: 0, expected: employees.length };
    return {
      employees: counted(iterate(employees), progress),
      nodes: tree,
      announcedEmployees: () => employees.length,
    };
  }
}

function unwrap(parsed: unknown, path: string): { employees: SourceObject[]; tree: SourceNode[] | null } {
  if (Array.isArray(parsed)) return { employees: objects(parsed, path), tree: null };
  if (typeof parsed !== 'object' || parsed === null) throw new SourceReadError(`${path}: expected the directory's list envelope or an array of employees`);
  const envelope = parsed as { status?: unknown; message?: unknown; result?: unknown; tree?: unknown };
  if (envelope.status !== undefined && envelope.status !== 0) {
    throw new SourceReadError(`${path}: the envelope says status ${JSON.stringify(envelope.status)} (${JSON.stringify(envelope.message)})`);
  }
  if (!Array.isArray(envelope.result)) throw new SourceReadError(`${path}: "result" must be an array of employees`);
  return { employees: objects(envelope.result, path), tree: envelope.tree === undefined ? null : nodes(envelope.tree, path) };
}

function objects(items: unknown[], path: string): SourceObject[] {
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new SourceReadError(`${path}: employee #${i} is not an object`);
  });
  return items as SourceObject[];
}

function nodes(tree: unknown, path: string): SourceNode[] {
  if (!Array.isArray(tree)) throw new SourceReadError(`${path}: "tree" must be an array of nodes`);
  return tree.map((raw, i) => {
    const node = raw as Record<string, unknown>;
    const id = node.id;
    const name = node.name;
    const nodePath = node.path;
    if (typeof id !== 'string' || !id || typeof name !== 'string' || typeof nodePath !== 'string') {
      throw new SourceReadError(`${path}: tree node #${i} needs string id, name and path`);
    }
    return { id, name, path: nodePath, parentId: parentFromPath(nodePath, id), sortOrder: typeof node.sort_order === 'number' ? node.sort_order : undefined };
  });
}

/** `/a/b/c/` → `b` for node `c`; null for a root. */
export function parentFromPath(path: string, id: string): string | null {
  const parts = path.split('/').filter(Boolean);
  const at = parts.lastIndexOf(id);
  const index = at === -1 ? parts.length : at;
  return index > 0 ? parts[index - 1] : null;
}

async function* iterate(items: SourceObject[]): AsyncIterable<SourceObject> {
  for (const item of items) yield await Promise.resolve(item);
}
