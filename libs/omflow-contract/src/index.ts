export * from './user-fields.js';
export * from './limits.js';
export * from './sync.dto.js';
export * from './query-columns.js';
export * from './list-query.js';
export * from './query-parser.js';
export * from './collation/collation.js';
