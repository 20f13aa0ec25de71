import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { EmulatorModule } from './emulator.module.js';
import { FaultsService } from './faults.js';
import { DEFAULT_OPTIONS, type EmulatorOptions } from './options.js';

export type EmulatorAppOptions = Partial<Omit<EmulatorOptions, 'faults'>> & { faults?: Partial<EmulatorOptions['faults']> };

/** Every option, the defaults filled in. */
export function resolveEmulatorOptions(options: EmulatorAppOptions = {}): EmulatorOptions {
  return { ...DEFAULT_OPTIONS, ...options, faults: { ...DEFAULT_OPTIONS.faults, ...options.faults } };
}

/**
 * Creates the directory emulator, configured but not listening (`main.ts`, tests and benchmarks
 * start it with `listen`). The organisation is generated (or loaded) here.
 */
export async function createEmulatorApp(options: EmulatorAppOptions = {}): Promise<NestExpressApplication> {
  const resolved = resolveEmulatorOptions(options);
  const app = await NestFactory.create<NestExpressApplication>(EmulatorModule.forRoot(resolved), {
    logger: resolved.logger ? ['log', 'warn', 'error'] : false,
    bodyParser: false,
    // A bad organisation file must reject (tests, main.ts prints it), not abort the process.
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // Large imports are a legitimate use of the directory.
  app.useBodyParser('json', { limit: '50mb' });
  const faults = app.get(FaultsService);
  app.use('/v1', faults.middleware());
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
