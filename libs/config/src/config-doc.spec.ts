import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listVars, bridgeEnv } from './bridge-config.js';
import { docSections, README_END, README_START, renderEnvExample, renderReadmeTable, replaceReadmeTable } from './config-doc.js';
import { env } from './env-spec.js';

const root = resolve(import.meta.dirname, '../../..');
const STALE = 'is out of date with libs/config/src/bridge-config.ts: run `npm run config:doc`';

describe('generated configuration documentation', () => {
  it('.env.example matches the spec', () => {
    const onDisk = readFileSync(resolve(root, '.env.example'), 'utf8');
    expect(onDisk, `.env.example ${STALE}`).toBe(renderEnvExample());
  });

  it('the README configuration table matches the spec', () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    expect(readme, `README.md must contain ${README_START} … ${README_END}`).toContain(README_START);
    const start = readme.indexOf(README_START) + README_START.length + 1;
    const table = readme.slice(start, readme.indexOf(README_END));
    expect(table, `The configuration table of README.md ${STALE}`).toBe(renderReadmeTable());
    expect(replaceReadmeTable(readme)).toBe(readme);
  });

  it('documents every variable of the bridge, once, and none of the emulator', () => {
    const documented = docSections().flatMap((s) => s.vars.map((v) => v.name));
    const declared = listVars(bridgeEnv)
      .map((v) => v.name)
      .filter((name) => !name.startsWith('EMULATOR_'));
    expect(documented).toEqual(declared);
    expect(new Set(documented).size).toBe(documented.length);
    const example = renderEnvExample();
    for (const v of listVars(bridgeEnv).filter((x) => !x.name.startsWith('EMULATOR_'))) {
      expect(example).toContain(`\n${v.name}=${v.defaultText}\n`);
      expect(renderReadmeTable()).toContain(`| \`${v.name}\` |`);
    }
  });

  it('renders defaults, doc lines, secrets and pipes correctly, and leaves EMULATOR_* variables out', () => {
    const spec = {
      http: { port: env.int('X_PORT', 8080, { doc: 'The port | or not.' }) },
      secrets: { token: env.optionalString('X_TOKEN', { doc: 'A token.', sensitive: true }) },
      emulator: { seed: env.int('EMULATOR_SEED', 1, { doc: 'Emulator only.' }) },
    };
    const sections = docSections(spec);
    expect(sections.map((s) => s.namespace)).toEqual(['http', 'secrets']);
    expect(renderEnvExample(sections)).toContain('# --- http ---\n\n# The port | or not.\nX_PORT=8080\n');
    expect(renderEnvExample(sections)).toContain('# A token.\n# Secret: never logged, never echoed in error messages.\nX_TOKEN=\n');
    expect(renderReadmeTable(sections)).toBe(
      [
        '| Variable | Default | What it does |',
        '|---|---|---|',
        '| `X_PORT` | `8080` | The port \\| or not. |',
        '| `X_TOKEN` |  | A token. *(secret)* |',
        '',
      ].join('\n'),
    );
  });

  it('replaces only the text between the markers, and refuses a README without them', () => {
    const readme = `# T\n\nbefore\n${README_START}\nold table\n${README_END}\nafter\n`;
    expect(replaceReadmeTable(readme, 'NEW\n')).toBe(`# T\n\nbefore\n${README_START}\nNEW\n${README_END}\nafter\n`);
    expect(() => replaceReadmeTable('# no markers\n', 'x')).toThrow(/config:start/);
  });
});
