import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { BridgeMetrics } from './bridge-metrics.js';

/**
 * One prom-client Registry per application (not prom-client's global one: several bridges run in
 * one test process), holding the process and Node metrics (`collectDefaultMetrics`: CPU, memory,
 * heap, event-loop lag, GC) and the product's (BridgeMetrics). Global: every library records
 * through BridgeMetrics without importing this module.
 */
@Global()
@Module({
  providers: [
    {
      provide: Registry,
      useFactory: (): Registry => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
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
