export * from './env-spec.js';
export * from './bridge-config.js';
export * from './config.module.js';
export * from './load-env-file.js';
