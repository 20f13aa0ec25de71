import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
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
  app.useBodyParser('json', { limit: config.http.bodyLimit });
  app.enableShutdownHooks();
  if (config.http.docsEnabled) {
    SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs-json', customSiteTitle: 'OMFLOW HR Bridge API' });
  }
  return app;
}
