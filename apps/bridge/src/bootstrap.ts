import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { verifyJsonDepth } from '#app/common';
import type { BridgeConfig } from '#app/config';
import { AppModule, type BridgeModuleOptions } from './app.module.js';
import { assignRequestId } from './logging.js';
import { buildOpenApi } from './openapi.js';

/**
 * Creates the bridge application, fully configured but not listening. `main.ts` and the
 * end-to-end tests both use it, so tests exercise the same pipeline as production.
 */
export async function createBridgeApp(config: BridgeConfig, options: BridgeModuleOptions = {}): Promise<NestExpressApplication> {
  const httpsOptions =
    config.http.tlsCertFile && config.http.tlsKeyFile ? { cert: readFileSync(config.http.tlsCertFile), key: readFileSync(config.http.tlsKeyFile) } : undefined;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bufferLogs: true,
    bodyParser: false,
    httpsOptions,
  });
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
  app.use(assignRequestId);
  // The nesting depth is checked on the raw bytes, before JSON.parse (see MAX_JSON_DEPTH), by
  // body-parser's `verify` hook. Nest leaves `verify` out of its option types (its `rawBody`
  // option uses the hook; this app does not enable `rawBody`), hence the options in a variable.
  // GET and HEAD bodies mean nothing (no route reads one) and are not parsed, as Fastify does:
  // a probe or a list call never fails on a stray body.
  const jsonOptions = {
    limit: config.http.bodyLimit,
    verify: verifyJsonDepth(),
    type: (req: IncomingMessage) => req.method !== 'GET' && req.method !== 'HEAD' && Boolean((req as Request).is('application/json')),
  };
  app.useBodyParser('json', jsonOptions);
  app.enableShutdownHooks();
  if (config.http.docsEnabled) {
    SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs-json', customSiteTitle: 'OMFLOW HR Bridge API' });
  }
  return app;
}
