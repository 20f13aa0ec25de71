import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.js';
import { people, writeOrganisation } from '../support/organisation.js';
import { bridgeBuilt, databaseEnv, killProcess, launchBridgeProcess, runUntilCrash, type BridgeProcess } from '../support/process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const built = bridgeBuilt('test/notifications/crash.e2e-spec.ts');
const SECRET = 'whsec-test-0123456789abcdef0123456789abcdef';

/** A run whose process is killed is failed as `interrupted` by the next process to take the lock: that is notified too. */
describe.skipIf(!built).each(testDatabases())('a crashed run notified as failed (interrupted) by the next start ($kind)', (db) => {
  const children: BridgeProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'notify-crash-'));
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    for (const child of children) await killProcess(child);
    await receiver?.close();
    await db.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends sync.run.failed with reason interrupted once the restarted bridge finds the run', async () => {
    const database = await db.create();
    const file = join(dir, `org-${db.kind}.json`);
    writeOrganisation(file, people(8));
    const env = { ...databaseEnv(database), HR_FILE: file, NOTIFY_WEBHOOK_URLS: `${receiver.url}/hooks`, NOTIFY_WEBHOOK_SECRET: SECRET };

    const first = await launchBridgeProcess(dir, { ...env, SYNC_TEST_CRASH_AT: 'after-write' }, children);
    expect(await runUntilCrash(first)).toMatchObject({ answered: false, exit: { signal: 'SIGKILL' } });

    await launchBridgeProcess(dir, env, children);
    const [hook] = await receiver.waitFor((r) => r.headers['x-bridge-event-type'] === 'sync.run.failed', 1, 30_000);
    const event = JSON.parse(hook.body) as { data: { reason: string; message: string; run: { id: number } } };
    expect(event.data.reason).toBe('interrupted');
    expect(event.data.message).toMatch(/Interrupted: the process running it .* ended before the run did/);
  }, 120_000);
});
