export * from './portable.js';
export * from './data-source-options.js';
export * from './database.module.js';
export { migrations } from './migrations/index.js';
export * from './transaction-runner.js';
export * from './json-column.js';
export * from './sql-datetime.js';
export * from './instance-identity.js';
export * from './migrate.js';
