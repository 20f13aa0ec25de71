import { DataSource } from 'typeorm';
import { loadBridgeConfig, loadDotEnv } from '#app/config';
import { buildDataSourceOptions } from '#app/database';

/**
 * The DataSource for the TypeORM CLI, e.g. `npx typeorm migration:show -d dist/ormconfig.js`
 * after `npm run build`. The application builds its own from the same options.
 */
loadDotEnv();
export default new DataSource(buildDataSourceOptions(loadBridgeConfig().database));
