#!/usr/bin/env node
// Runs one benchmark from the build: `npm run bench -- <name> [args]` → dist/bench/<name>.bench.js.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const [name, ...args] = process.argv.slice(2);
const available = existsSync('dist/bench')
  ? readdirSync('dist/bench')
      .filter((f) => f.endsWith('.bench.js'))
      .map((f) => f.replace('.bench.js', ''))
  : [];
if (!name || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <${available.join('|') || 'name'}> [options]`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--expose-gc', `dist/bench/${name}.bench.js`, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
