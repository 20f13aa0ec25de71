import { DataSource } from 'typeorm';
import { bridgeEnv, ConfigError, loadDotEnv, parseSpec } from '#app/config';
import { buildDataSourceOptions } from './data-source-options.js';
import { runMigrationsLocked } from './migrate.js';

/** `npm run migration:run` / `migration:revert` / `node dist/libs/database/src/cli.js show`. */
async function main(command: string | undefined): Promise<void> {
  loadDotEnv();
  // The database variables alone: the CLI publishes nothing, so the rest of the configuration is not its concern.
  const dataSource = new DataSource(buildDataSourceOptions(parseSpec(bridgeEnv.database, process.env)));
  await dataSource.initialize();
  try {
    switch (command) {
      case 'run': {
        const applied = await runMigrationsLocked(dataSource);
        console.log(applied.length ? `Applied: ${applied.map((m) => m.name).join(', ')}` : 'No pending migrations.');
        break;
      }
      case 'revert':
        await dataSource.undoLastMigration({ transaction: 'each' });
        console.log('Reverted the last migration.');
        break;
      case 'show': {
        const pending = await dataSource.showMigrations();
        console.log(pending ? 'There are pending migrations.' : 'The schema is up to date.');
        break;
      }
      default:
        throw new Error(`Unknown command ${JSON.stringify(command)}: use run, revert or show.`);
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error instanceof Error ? error.message : String(error));
  process.exit(1);
});
