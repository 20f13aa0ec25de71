import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OmflowEmulatorModule } from './omflow-emulator.module.js';
import { DEFAULT_OPTIONS, type OmflowEmulatorOptions } from './options.js';
import { OmflowStore } from './store.js';

export type OmflowEmulatorAppOptions = Partial<OmflowEmulatorOptions>;

export function resolveOmflowEmulatorOptions(options: OmflowEmulatorAppOptions = {}): OmflowEmulatorOptions {
  return { ...DEFAULT_OPTIONS, ...options };
}

/**
 * Creates the OMFLOW emulator, configured but not listening (`main.ts` and tests start it with
 * `listen`). Scheduled pulls start with the application.
 */
export async function createOmflowEmulatorApp(options: OmflowEmulatorAppOptions = {}): Promise<NestFastifyApplication> {
  const resolved = resolveOmflowEmulatorOptions(options);
  // OMFLOW (Django) answers its URLs with or without the trailing slash.
  const adapter = new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } });
  const app = await NestFactory.create<NestFastifyApplication>(OmflowEmulatorModule.forRoot(resolved), adapter, {
    logger: resolved.logger ? ['log', 'warn', 'error'] : false,
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const store = app.get(OmflowStore);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onClose', (_instance, done) => {
      store.close();
      done();
    });
  if (resolved.docs) {
    const config = new DocumentBuilder()
      .setTitle('OMFLOW emulator')
      .setDescription(
        [
          'An emulator of OMFLOW as far as the HR bridge meets it: it pulls the Custom HR `POST /sync` and applies it as OMFLOW does, ',
          "checks logins through `/authenticate`, and serves OMFLOW's user query API (`/accounts/api/security/get/`, `/rest/accounts/api/...`) ",
          "over its own store. `/_omflow/...` is the emulator's own control surface (state, pulls, hand edits, simulated failures).",
        ].join(''),
      )
      .setVersion('1.0')
      .addBasicAuth()
      .addBearerAuth()
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), { jsonDocumentUrl: 'docs-json', customSiteTitle: 'OMFLOW emulator' });
  }
  return app;
}
