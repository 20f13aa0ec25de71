import 'reflect-metadata';
import { ConfigError, loadBridgeConfig, loadDotEnv, type BridgeConfig } from '#app/config';
import { createBridgeApp } from './bootstrap.js';

function readConfig(): BridgeConfig {
  try {
    loadDotEnv();
    return loadBridgeConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  // The application drains and stops within SHUTDOWN_GRACE_SECONDS; should anything still hang,
  // the process goes 5 s later, before an orchestrator's kill (docker: 30 s) would cut it short.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(
        () => {
          console.error(`Shutdown (${signal}) did not finish within SHUTDOWN_GRACE_SECONDS + 5 s: exiting now.`);
          process.exit(1);
        },
        (config.instance.shutdownGraceSeconds + 5) * 1000,
      ).unref();
    });
  }
  // A generated first admin token is printed once the service is up, after the line that says
  // where it listens; should the start fail after generating it, it is printed with the failure
  // (it is shown only once: lost, the database would have to be edited to get another).
  const banners: string[] = [];
  const printBanners = (): void => {
    for (const banner of banners.splice(0)) process.stdout.write(banner);
  };
  try {
    const app = await createBridgeApp(config, { adminTokenSink: (banner) => banners.push(banner) });
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    printBanners();
    throw error;
  }
  const scheme = config.http.tlsCertFile ? 'https' : 'http';
  console.log(
    `OMFLOW HR Bridge listening on ${scheme}://${config.http.host}:${config.http.port} (docs: /docs, database: ${config.database.url ? 'MySQL' : `SQLite ${config.database.sqlitePath}`})`,
  );
  printBanners();
}

main().catch((error: unknown) => {
  // A configuration problem found while wiring the application (e.g. MAPPING_FILE) is one line too.
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
