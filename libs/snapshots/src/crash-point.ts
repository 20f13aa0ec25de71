import type { BridgeConfig } from '#app/config';

/** The SYNC_TEST_CRASH_AT test hook: dies at once, as `kill -9` would, at the named point. Off by default. */
export function crashPoint(config: BridgeConfig, point: 'after-write' | 'after-publish'): void {
  if (config.sync.testCrashAt === point) process.kill(process.pid, 'SIGKILL');
}
