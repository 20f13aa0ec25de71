import type { Socket } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BODY_LIMIT, installBodyParsing } from './body.js';
import { EmulatorModule } from './emulator.module.js';
import { installEtags } from './etag.js';
import { FaultsService } from './faults.js';
import { DEFAULT_OPTIONS, type EmulatorOptions } from './options.js';

export type EmulatorAppOptions = Partial<Omit<EmulatorOptions, 'faults'>> & { faults?: Partial<EmulatorOptions['faults']> };

/** A request the HTTP parser rejects answers as Node's own server did under Express (status line only; Fastify would add a JSON body). */
function nodeClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy(error);
    return;
  }
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
}

/** Every option, the defaults filled in. */
export function resolveEmulatorOptions(options: EmulatorAppOptions = {}): EmulatorOptions {
  return { ...DEFAULT_OPTIONS, ...options, faults: { ...DEFAULT_OPTIONS.faults, ...options.faults } };
}

/**
 * Creates the directory emulator, configured but not listening (`main.ts`, tests and benchmarks
 * start it with `listen`). The organisation is generated (or loaded) here.
 */
export async function createEmulatorApp(options: EmulatorAppOptions = {}): Promise<NestFastifyApplication> {
  const resolved = resolveEmulatorOptions(options);
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    // As Node's default under Express: the bridge's client sees the same `Keep-Alive: timeout=5`.
    keepAliveTimeout: 5000,
    // Express's routing: case-insensitive, a trailing slash allowed, route parameters of any length.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 65_535 },
    clientErrorHandler: nodeClientError,
  });
  const fastify = adapter.getInstance();
  installBodyParsing(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(EmulatorModule.forRoot(resolved), adapter, {
    logger: resolved.logger ? ['log', 'warn', 'error'] : false,
    bodyParser: false,
    // A bad organisation file must reject (tests, main.ts prints it), not abort the process.
    abortOnError: false,
  });
  app.get(FaultsService).install(fastify);
  installEtags(fastify);
  app.enableShutdownHooks();
  if (resolved.docs) {
    const config = new DocumentBuilder()
      .setTitle('WorkPlus directory emulator')
      .setDescription(
        [
          'An emulator of the WorkPlus (BeeWorks) employee directory: `POST /v1/token`, the employee calls and the organisation calls ',
          'under `/v1/admin/organizations/{code}`, each answering the envelope `{status, message, result}`. ',
          "`/_emulator/...` is the emulator's own control surface (faults, mutations, token expiry).",
        ].join(''),
      )
      .setVersion('1.0')
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
      jsonDocumentUrl: 'docs-json',
      customSiteTitle: 'WorkPlus directory emulator',
    });
  }
  return app;
}
