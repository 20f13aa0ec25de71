// The library import graph of the monorepo, shared by the `lib-boundaries/no-cycle` lint rule
// (eslint.config.js) and test/architecture/boundaries.spec.ts. Plain JavaScript because ESLint
// loads it as is; its types are in lib-boundaries.d.mts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import ts from 'typescript';

/** `#app/<lib>`: the only way one library (or an app, or a test) reaches another. */
const ENTRY = /^#app\/([^/]+)$/;

/** `libs/<lib>/src/...` sources that count for the graph: not specs (they may reach further, as tests do). */
const LIB_SOURCE = /^libs\/([^/]+)\/src\/.+(?<!\.spec)(?<!\.e2e-spec)\.ts$/;

/** The path of `file` relative to `root`, with forward slashes. */
export function relativePath(root, file) {
  return relative(root, file).split(sep).join('/');
}

/** The library whose non-spec source `file` is, or null (apps, tests, specs, anything else). */
export function libraryOf(root, file) {
  return LIB_SOURCE.exec(relativePath(root, file))?.[1] ?? null;
}

/** Every `.ts` file below `dir` (node_modules and dist left out). */
export function typescriptFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...typescriptFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out.sort();
}

/**
 * The module specifiers a source imports or re-exports (`import type` and `import()` included),
 * each with its 1-based line. TypeScript's own pre-processor: comments and strings that only
 * look like imports are not counted.
 */
export function importsOf(text) {
  const lineStarts = ts.computeLineStarts(text);
  return ts.preProcessFile(text, true, true).importedFiles.map((ref) => ({
    specifier: ref.fileName,
    line: ts.computeLineAndCharacterOfPosition(lineStarts, ref.pos).line + 1,
  }));
}

/** Parsed imports by file, kept while the file's size and time stay the same (the lint rule asks once per linted file). */
const cache = new Map();

function cachedImports(file) {
  const { mtimeMs, size } = statSync(file);
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs && hit.size === size) return hit.imports;
  const imports = importsOf(readFileSync(file, 'utf8'));
  cache.set(file, { mtimeMs, size, imports });
  return imports;
}

/**
 * The import graph between libraries: for each library, the libraries its sources import
 * through `#app/<lib>`, with every importing place. `override` replaces one file's text (the
 * lint rule passes the editor's unsaved text).
 */
export function libraryGraph(root, override) {
  const libs = readdirSync(join(root, 'libs'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const edges = new Map(libs.map((lib) => [lib, new Map()]));
  for (const lib of libs) {
    for (const file of typescriptFiles(join(root, 'libs', lib))) {
      if (libraryOf(root, file) !== lib) continue;
      const imports = override && override.file === file ? importsOf(override.text) : cachedImports(file);
      for (const { specifier, line } of imports) {
        const target = ENTRY.exec(specifier)?.[1];
        if (!target || target === lib) continue;
        const places = edges.get(lib).get(target) ?? [];
        places.push({ file: relativePath(root, file), line });
        edges.get(lib).set(target, places);
      }
    }
  }
  return { libs, edges };
}

/** The shortest chain of imports from library `from` to library `to` ([from, ..., to]), or null. */
export function importPath(edges, from, to) {
  const previous = new Map([[from, null]]);
  const queue = [from];
  while (queue.length) {
    const lib = queue.shift();
    if (lib === to) {
      const path = [];
      for (let at = to; at !== null; at = previous.get(at)) path.unshift(at);
      return path;
    }
    for (const next of edges.get(lib)?.keys() ?? []) {
      if (!previous.has(next)) {
        previous.set(next, lib);
        queue.push(next);
      }
    }
  }
  return null;
}

/**
 * Cycles between libraries, each as [a, b, ..., a]: at least one through every group of
 * libraries that reach each other, enough to name what to break (what else the group holds
 * shows once that is broken).
 */
export function findCycles({ libs, edges }) {
  const cycles = [];
  const seen = new Set();
  for (const lib of libs) {
    if (seen.has(lib)) continue;
    for (const next of [...(edges.get(lib)?.keys() ?? [])].sort()) {
      const back = importPath(edges, next, lib);
      if (!back) continue;
      const cycle = [lib, ...back];
      cycle.forEach((l) => seen.add(l));
      cycles.push(cycle);
      break;
    }
  }
  return cycles;
}
