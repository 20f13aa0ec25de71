import { bridgeEnv } from './bridge-config.js';
import type { EnvVar } from './env-spec.js';

/**
 * Documentation generated from the configuration spec, so that `.env.example` and the README
 * table cannot drift from what the bridge actually reads (`npm run config:doc` rewrites both;
 * `config-doc.spec.ts` fails when they are stale).
 */

export const README_START = '<!-- config:start -->';
export const README_END = '<!-- config:end -->';

/** A namespace of variables (`http`, `database`, …) in declaration order. */
export interface DocSection {
  namespace: string;
  vars: EnvVar<unknown>[];
}

type SpecNode = EnvVar<unknown> | { readonly [key: string]: SpecNode };
type SpecTree = { readonly [key: string]: SpecNode };

function isVar(node: SpecNode): node is EnvVar<unknown> {
  return typeof (node as Partial<EnvVar<unknown>>).parse === 'function';
}

function flatten(node: SpecNode): EnvVar<unknown>[] {
  return isVar(node) ? [node] : Object.values(node).flatMap(flatten);
}

/**
 * The bridge's variables by top-level namespace. The directory emulator is a separate app with
 * its own `EMULATOR_*` variables: they are never part of the bridge's documentation.
 */
export function docSections(spec: SpecTree = bridgeEnv): DocSection[] {
  return Object.entries(spec)
    .map(([namespace, node]) => ({ namespace, vars: flatten(node).filter((v) => !v.name.startsWith('EMULATOR_')) }))
    .filter((section) => section.vars.length > 0);
}

/** `.env.example`: every variable with its doc line and default, grouped by namespace. */
export function renderEnvExample(sections: DocSection[] = docSections()): string {
  const out = [
    '# OMFLOW HR Bridge configuration. Generated from libs/config/src/bridge-config.ts by',
    '# `npm run config:doc`: edit the spec, not this file.',
    '# Copy to .env (real environment variables win over .env). Empty means "not set".',
  ];
  for (const { namespace, vars } of sections) {
    out.push('', `# --- ${namespace} ---`);
    for (const v of vars) {
      out.push('', ...v.doc.split('\n').map((line) => `# ${line}`.trimEnd()));
      if (v.sensitive) out.push('# Secret: never logged, never echoed in error messages.');
      out.push(`${v.name}=${v.defaultText}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The README configuration table (markdown), without the markers. */
export function renderReadmeTable(sections: DocSection[] = docSections()): string {
  const rows = ['| Variable | Default | What it does |', '|---|---|---|'];
  for (const { vars } of sections) {
    for (const v of vars) {
      const def = v.defaultText === '' ? '' : `\`${cell(v.defaultText)}\``;
      rows.push(`| \`${v.name}\` | ${def} | ${cell(v.doc)}${v.sensitive ? ' *(secret)*' : ''} |`);
    }
  }
  return `${rows.join('\n')}\n`;
}

/**
 * README.md with the text between the config markers replaced by the generated table. Throws
 * when the markers are missing or out of order.
 */
export function replaceReadmeTable(readme: string, table: string = renderReadmeTable()): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md must contain ${README_START} followed by ${README_END}`);
  return `${readme.slice(0, start + README_START.length)}\n${table}${readme.slice(end)}`;
}
