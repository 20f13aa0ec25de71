export * from './app-error.js';
export * from './validation.js';
export * from './http-error.filter.js';
export * from './error-body.dto.js';
export * from './request-context.js';
export * from './pagination.dto.js';
export * from './body-error-handler.js';
export * from './json-depth.js';
