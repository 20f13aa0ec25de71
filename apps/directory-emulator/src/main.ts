import 'reflect-metadata';
import { createEmulatorApp } from './bootstrap.js';
import { EmulatorConfigError, emulatorOptionsFromEnv } from './options.js';
import { OrganisationFileError } from './organisation/org-file.js';

/** `npm run start:emulator`: options from EMULATOR_* variables (apps/directory-emulator/README.md). */
async function main(): Promise<void> {
  const { options, listen } = emulatorOptionsFromEnv(process.env);
  const app = await createEmulatorApp(options);
  await app.listen(listen.port, listen.host);
  const address = app.getHttpServer().address() as { port: number };
  console.log(
    `WorkPlus directory emulator listening on http://${listen.host}:${address.port} (organisation "${options.orgCode}", domain "${options.domainId}", client "${options.clientId}"; docs: /docs)`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof EmulatorConfigError || error instanceof OrganisationFileError) {
    console.error(`Configuration error: ${error.message}`);
  } else {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  process.exit(1);
});
