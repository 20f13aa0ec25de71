/** Types of lib-boundaries.mjs (plain JavaScript, so that ESLint can load it). */

export interface ImportRef {
  specifier: string;
  /** 1-based. */
  line: number;
}

export interface ImportPlace {
  /** Relative to the root, with forward slashes. */
  file: string;
  line: number;
}

export interface LibraryGraph {
  libs: string[];
  /** Library -> library it imports -> where. */
  edges: Map<string, Map<string, ImportPlace[]>>;
}

export function relativePath(root: string, file: string): string;
export function libraryOf(root: string, file: string): string | null;
export function typescriptFiles(dir: string): string[];
export function importsOf(text: string): ImportRef[];
export function libraryGraph(root: string, override?: { file: string; text: string }): LibraryGraph;
export function importPath(edges: LibraryGraph['edges'], from: string, to: string): string[] | null;
export function findCycles(graph: LibraryGraph): string[][];
