import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError, ErrorCode, requestContext } from '#app/common';
import type { BridgeConfig } from '#app/config';
import type { SyncService } from '#app/snapshots';
import { ProxySyncTrigger } from './proxy-sync.trigger.js';

function config(overrides: { source?: string; after?: boolean } = {}): BridgeConfig {
  return {
    proxy: { enabled: true, auditReads: 'all', syncAfterChanges: overrides.after ?? true, syncDebounceSeconds: 10 },
    sync: { source: overrides.source ?? 'directory' },
  } as unknown as BridgeConfig;
}

/** A SyncService whose runs end when the test says. */
function stubSync() {
  const calls: { actor: unknown }[] = [];
  let finish: ((value?: unknown) => void) | null = null;
  let fail: ((error: unknown) => void) | null = null;
  const sync = {
    busy: false,
    run: vi.fn(() => {
      calls.push({ actor: requestContext.get()?.actor });
      return new Promise((resolve, reject) => {
        finish = () => resolve({ id: calls.length, status: 'published' });
        fail = reject;
      });
    }),
  };
  return { sync, calls, finish: () => finish?.(), fail: (e: unknown) => fail?.(e) };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('ProxySyncTrigger', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs one sync, as the system, for a burst of changes within the debounce period', async () => {
    const s = stubSync();
    const trigger = new ProxySyncTrigger(config(), s.sync as unknown as SyncService);
    requestContext.run({ requestId: 'r1', sourceIp: null, actor: { kind: 'client', id: 'hr-writer' } }, () => {
      trigger.changed();
      trigger.changed();
    });
    await vi.advanceTimersByTimeAsync(5_000);
    trigger.changed();
    expect(s.sync.run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(s.sync.run).toHaveBeenCalledTimes(1);
    expect(s.sync.run).toHaveBeenCalledWith({ trigger: 'proxy', requestedBy: 'directory-proxy' });
    expect(s.calls[0].actor).toEqual({ kind: 'system', id: 'directory-proxy' });
    s.finish();
    await flush();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(s.sync.run).toHaveBeenCalledTimes(1);
  });

  it('runs again after a run during which a change was made', async () => {
    const s = stubSync();
    const trigger = new ProxySyncTrigger(config(), s.sync as unknown as SyncService);
    trigger.changed();
    await vi.advanceTimersByTimeAsync(10_000);
    trigger.changed(); // while the run is in progress
    s.finish();
    await flush();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.sync.run).toHaveBeenCalledTimes(2);
  });

  it('tries again when another instance is syncing (CONFLICT)', async () => {
    const s = stubSync();
    const trigger = new ProxySyncTrigger(config(), s.sync as unknown as SyncService);
    trigger.changed();
    await vi.advanceTimersByTimeAsync(10_000);
    s.fail(new AppError(ErrorCode.Conflict, 'A run is in progress on another instance.'));
    await flush();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.sync.run).toHaveBeenCalledTimes(2);
  });

  it('does nothing when switched off or when syncs read a file', async () => {
    for (const c of [config({ after: false }), config({ source: 'file' })]) {
      const s = stubSync();
      const trigger = new ProxySyncTrigger(c, s.sync as unknown as SyncService);
      trigger.changed();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(s.sync.run).not.toHaveBeenCalled();
      expect(trigger.pending).toBe(false);
    }
  });
});
