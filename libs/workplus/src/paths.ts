/** Helpers for WorkPlus node paths (`/aaa/bbb/`, made of ids) and name paths (`/Acme/Sales/`). */

/** The segments of a path: `/a/b/` and `a/b` both give `['a', 'b']`. */
export function pathSegments(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** The canonical form `/a/b/` (root-first, slashes on both ends); `/` for no segments. */
export function normalizePath(path: string): string {
  const parts = pathSegments(path);
  return parts.length ? `/${parts.join('/')}/` : '/';
}

/** The parent node id of a node with this id path, or null for a root. */
export function parentIdOfPath(path: string): string | null {
  const parts = pathSegments(path);
  return parts.length > 1 ? parts[parts.length - 2] : null;
}
