export * from './codes.js';
export * from './envelope.js';
export * from './types.js';
export * from './employee.dto.js';
export * from './token.dto.js';
export * from './list-employees-query.dto.js';
export * from './paths.js';
export * from './api-paths.js';
