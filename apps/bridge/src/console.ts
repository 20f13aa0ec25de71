import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { bridgePackage } from './package.js';

/**
 * The console's pages may load only the bridge's own scripts, styles and API: no inline script,
 * no other origin, no framing. (Preact sets styles through the CSSOM, which CSP allows.)
 */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build` puts the console (dist/console of the package), from source or from dist alike. */
function consoleDirectory(): string {
  return join(bridgePackage()?.dir ?? process.cwd(), 'dist', 'console');
}

/**
 * Serves the built console at /console/ with its security headers. Returns false (and serves
 * nothing) when it was not built.
 */
export async function serveConsole(fastify: FastifyInstance): Promise<boolean> {
  const root = consoleDirectory();
  if (!existsSync(join(root, 'index.html'))) return false;
  await fastify.register(async (scope) => {
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', CONSOLE_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('x-frame-options', 'DENY');
      void reply.header('cross-origin-opener-policy', 'same-origin');
      // index.html always revalidates; the bundle's name changes with its content.
      if (!reply.getHeader('cache-control')) void reply.header('cache-control', 'no-cache');
      return payload;
    });
    // The page itself at /console/ (and /console: routing ignores the trailing slash), its files below it.
    const index = readFileSync(join(root, 'index.html'));
    scope.get('/console', (_request, reply) => reply.type('text/html; charset=utf-8').send(index));
    await scope.register(fastifyStatic, { root, prefix: '/console/', decorateReply: false, index: false, redirect: false, preCompressed: true });
  });
  return true;
}
