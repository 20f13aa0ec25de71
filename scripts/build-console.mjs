// Builds the operator console (apps/bridge/console) into dist/console: one minified ES module
// bundle (Preact included), its stylesheet and index.html, each also gzip- and brotli-compressed
// for @fastify/static's preCompressed serving. Run by `npm run build` after `nest build`.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'apps/bridge/console');
const out = join(root, 'dist/console');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(source, 'src/main.tsx')],
  outfile: join(out, 'console.js'),
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
copyFileSync(join(source, 'console.css'), join(out, 'console.css'));

let total = 0;
for (const name of ['index.html', 'console.js', 'console.css']) {
  const bytes = readFileSync(join(out, name));
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(join(out, `${name}.gz`), gz);
  writeFileSync(join(out, `${name}.br`), brotliCompressSync(bytes));
  total += gz.length;
}
console.log(`console built in dist/console: first load ${total} bytes gzip-compressed`);
