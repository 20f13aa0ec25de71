import { readFileSync, writeFileSync } from 'node:fs';
import { renderEnvExample, replaceReadmeTable } from './config-doc.js';

/** `npm run config:doc`: rewrites `.env.example` and the README configuration table from the spec. */
function main(): void {
  writeFileSync('.env.example', renderEnvExample());
  const readme = readFileSync('README.md', 'utf8');
  const updated = replaceReadmeTable(readme);
  if (updated !== readme) writeFileSync('README.md', updated);
  console.log('Wrote .env.example and the configuration table of README.md.');
}

main();
