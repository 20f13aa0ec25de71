import { readFileSync } from 'node:fs';
import type { ArgumentsHost } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppError, asBodyError, BodyErrorRenderers, charsetOf, ErrorCode, HttpErrorFilter, parseJsonBody, requestContext } from '#app/common';
import type { BridgeConfig } from '#app/config';
import { BridgeMetrics, installHttpMetrics } from '#app/metrics';
import { AppModule, type BridgeModuleOptions } from './app.module.js';
import { createPino, PinoNestLogger, requestIdOf, requestLogger } from './logging.js';
import { buildOpenApi } from './openapi.js';
import { serveConsole } from './console.js';
import { registerLiveness } from './health/liveness.js';

/**
 * Creates the bridge application on Fastify, fully configured but not listening. `main.ts`,
 * the end-to-end tests and the benchmarks all use it, so they exercise the production pipeline.
 */
export async function createBridgeApp(config: BridgeConfig, options: BridgeModuleOptions = {}): Promise<NestFastifyApplication> {
  const https =
    config.http.tlsCertFile && config.http.tlsKeyFile ? { cert: readFileSync(config.http.tlsCertFile), key: readFileSync(config.http.tlsKeyFile) } : null;
  const { log, requests } = createPino(config, options.logDestination);
  // A URL Fastify's router cannot decode (`%FF`, a lone `%`) is answered before any hook or
  // route; Fastify's own answer would echo the URL, query string (and a WorkPlus access_token)
  // included. It gets the answer of a malformed request in the surface's contract instead, by
  // the global filter, once the application exists.
  let badUrl: (request: FastifyRequest, reply: FastifyReply) => void = (_request, reply) => void reply.code(400).send();
  const adapter = new FastifyAdapter({
    ...(https ? { https } : {}),
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.http.trustProxy,
    // Well-formed `x-request-id` values are kept, anything else replaced (requestIdOf).
    requestIdHeader: false,
    genReqId: requestIdOf,
    // As Express routed: `/accounts/api/security/get/` (OMFLOW's form) is `/accounts/api/security/get`, and paths match in any case.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false },
    // No Nest middleware: the request id, context and log are Fastify hooks (cheaper per request).
    skipMiddie: true,
    frameworkErrors: (_error: Error, request: FastifyRequest, reply: FastifyReply) => badUrl(request, reply),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, {
    logger: new PinoNestLogger(log),
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  const errors = new HttpErrorFilter(app.get(BodyErrorRenderers));
  badUrl = (request, reply) => {
    reply.raw.setHeader('x-request-id', request.id);
    const error = asBodyError(new AppError(ErrorCode.BadRequest, 'The request URL is not valid: it has a malformed percent-encoding.'));
    errors.catch(error, { switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }) } as unknown as ArgumentsHost);
  };
  // The request id on the Node response: Fastify merges it into its own headers, and hijacked answers keep it.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader('x-request-id', request.id);
    done();
  });
  // One listener per request, when its answer closes: the HTTP metrics and the request log.
  installHttpMetrics(fastify, app.get(BridgeMetrics), requestLogger(requests));
  // The request's context (id, source IP, later the actor) for audit and logs, around the route
  // (guards, pipes, handler, filters), once the body has been read.
  fastify.addHook('preHandler', (request, _reply, done) => requestContext.run({ requestId: request.id, sourceIp: request.ip ?? null }, done));
  registerLiveness(fastify);
  // JSON bodies: nesting depth checked before parsing, strict top level (parseJsonBody). Form
  // bodies (the security-code call may send one) are parsed; any other body is read within
  // BODY_LIMIT and ignored, as before. GET and HEAD bodies are never parsed.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, charsetOf(request.headers['content-type'])));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  await fastify.register(formbody);
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => done(null, undefined));
  app.enableShutdownHooks();
  if (config.console.enabled && !(await serveConsole(fastify))) {
    new PinoNestLogger(log).warn('CONSOLE_ENABLED but the console was not built (npm run build): /console/ answers 404.', 'Bootstrap');
  }
  if (config.http.docsEnabled) {
    SwaggerModule.setup('docs', app, () => buildOpenApi(app), { jsonDocumentUrl: 'docs-json', customSiteTitle: 'OMFLOW HR Bridge API' });
  }
  return app;
}
