import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BridgeMetrics } from './bridge-metrics.js';
import { createMetricsRegistry } from './metrics.module.js';

describe('createMetricsRegistry', () => {
  it("gives each application its own registry with the process and Node metrics, never prom-client's global one", async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry();
    expect(a).not.toBe(b);
    for (const registry of [a, b]) {
      const text = await registry.metrics();
      for (const name of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) {
        expect(text, name).toContain(`# TYPE ${name} `);
      }
    }
    new BridgeMetrics(a).login('success');
    expect(await a.metrics()).toMatch(/^bridge_auth_logins_total\{outcome="success"\} 1$/m);
    expect(await b.metrics()).not.toContain('bridge_auth_logins_total');
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });
});
