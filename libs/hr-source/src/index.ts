export * from './records.js';
export * from './hr-source.js';
export * from './file-source.js';
export * from './mapping.js';
export * from './organisation-reader.js';
export * from './directory/directory-client.js';
export * from './directory/directory-source.js';
export * from './hr-source.module.js';
