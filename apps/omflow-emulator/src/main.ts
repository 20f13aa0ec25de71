import 'reflect-metadata';
import { createOmflowEmulatorApp } from './bootstrap.js';
import { OmflowEmulatorConfigError, omflowEmulatorOptionsFromEnv } from './options.js';

/** `npm run start:omflow-emulator`: options from OMFLOW_EMULATOR_* variables (apps/omflow-emulator/README.md). */
async function main(): Promise<void> {
  const { options, listen } = omflowEmulatorOptionsFromEnv(process.env);
  const app = await createOmflowEmulatorApp(options);
  await app.listen(listen.port, listen.host);
  const address = app.getHttpServer().address() as { port: number };
  console.log(
    `OMFLOW emulator listening on http://${listen.host}:${address.port} (pulling ${options.hrUrl}/sync as "${options.hrUser}" ${options.pullSeconds ? `every ${options.pullSeconds} s` : 'on demand'}; database ${options.db}; docs: /docs)`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof OmflowEmulatorConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
