export * from './bridge-metrics.js';
export * from './http-metrics.js';
export * from './metrics.module.js';
export { Registry as MetricsRegistry, prometheusContentType as METRICS_CONTENT_TYPE } from 'prom-client';
