import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { BridgeMetrics } from './bridge-metrics.js';

/** The process-wide registry of the default metrics (see createMetricsRegistry). */
let processMetrics: Registry | null = null;

/**
 * A registry for one application, holding the process and Node metrics (`collectDefaultMetrics`:
 * CPU, memory, heap, event-loop lag, GC) and whatever the application adds. The default metrics
 * describe the process, not an application, and their collectors (an event-loop delay monitor, a
 * GC observer) cannot be stopped: they are collected once per process, in a registry of their
 * own whose metrics every application registry shares, so that the tests' many bridges in one
 * process do not each leave a monitor running.
 */
export function createMetricsRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  const registry = new Registry();
  for (const { name } of processMetrics.getMetricsAsArray()) registry.registerMetric(processMetrics.getSingleMetric(name)!);
  return registry;
}

/**
 * One prom-client Registry per application (not prom-client's global one: several bridges run in
 * one test process), with the process and Node metrics and the product's (BridgeMetrics). Global:
 * every library records through BridgeMetrics without importing this module.
 */
@Global()
@Module({
  providers: [
    { provide: Registry, useFactory: createMetricsRegistry },
    { provide: BridgeMetrics, inject: [Registry], useFactory: (registry: Registry) => new BridgeMetrics(registry) },
  ],
  exports: [Registry, BridgeMetrics],
})
export class MetricsModule implements OnApplicationShutdown {
  constructor(private readonly registry: Registry) {}

  onApplicationShutdown(): void {
    this.registry.clear();
  }
}
