import { describe, expect, it } from 'vitest';
import type { Finding } from '#app/hr-source';
import type { SyncRun } from '#app/snapshots';
import { chatText } from './chat-message.js';
import { failedData, heldData, MAX_LISTED_PEOPLE, quarantinedData, quarantinedPeople, removalsDueData, scrub } from './notification-payloads.js';
import type { NotificationEvent, NotificationType } from './notification.types.js';
import { webhookTargets } from './webhook-targets.js';

const run = (over: Partial<SyncRun>): SyncRun =>
  ({
    id: 7,
    status: 'held',
    trigger: 'schedule',
    dryRun: false,
    startedAt: new Date('2026-11-30T01:00:00Z'),
    finishedAt: new Date('2026-11-30T01:00:05Z'),
    snapshotId: 12,
    baseSnapshotId: 11,
    counts: { users: 90, groups: 9 },
    findings: [],
    findingCount: 0,
    diff: null,
    holdReasons: null,
    error: null,
    failureReason: null,
    ...over,
  }) as SyncRun;

const event = (type: NotificationType, data: object): NotificationEvent => ({
  id: 'e',
  type,
  occurredAt: '2026-11-30T01:00:05.000Z',
  data: data as Record<string, unknown>,
});

describe('notification payloads', () => {
  it('sync.run.held says why, with the counts and the REST paths to decide', () => {
    const data = heldData(run({ holdReasons: [{ kind: 'user-removals', message: '30 removals exceed 10', count: 30, limit: 10 }] }), 'https://bridge.example');
    expect(data.reasons).toEqual([{ kind: 'user-removals', message: '30 removals exceed 10', count: 30, limit: 10 }]);
    const emptied = [{ group_no: 'D7', name: 'Payroll', before: 15 }];
    const held = heldData(run({ holdReasons: [{ kind: 'emptied-departments', message: '1 department emptied', count: 1, limit: 5, departments: emptied }] }));
    expect(held.reasons).toEqual([{ kind: 'emptied-departments', message: '1 department emptied', count: 1, limit: 5, departments: emptied }]);
    expect(data.decide).toEqual({
      run: 'https://bridge.example/api/v1/sync/runs/7',
      approve: { method: 'POST', url: 'https://bridge.example/api/v1/sync/runs/7/approve' },
      reject: { method: 'POST', url: 'https://bridge.example/api/v1/sync/runs/7/reject' },
      decide: { method: 'POST', url: 'https://bridge.example/api/v1/sync/runs/7/decide' },
      changes: 'https://bridge.example/api/v1/sync/runs/7/diff',
    });
    expect(chatText(event('sync.run.held', data))).toMatch(
      /sync run 7 is held for a decision: 30 removals exceed 10\. .*https:\/\/bridge\.example\/api\/v1\/sync\/runs\/7/,
    );
  });

  it('sync.run.failed carries the reason and a message without credentials in URLs', () => {
    const data = failedData(
      run({ status: 'failed', failureReason: 'source', error: 'cannot reach https://user:pw@dir.example/api/v1/token?secret=s3cr3t#frag (ECONNREFUSED)' }),
    );
    expect(data.reason).toBe('source');
    expect(data.message).toBe('cannot reach https://dir.example/api/v1/token (ECONNREFUSED)');
    expect(scrub('x'.repeat(2000))).toHaveLength(1000);
  });

  it('person.quarantined lists people left out (quarantined or kept at their published version), bounded', () => {
    const finding = (key: string, action: Finding['action'], type: 'user' | 'department' = 'user'): Finding => ({
      kind: 'missing-email',
      record: { type, key, label: `name-${key}` },
      field: 'email',
      reason: 'no email',
      action,
    });
    const people = quarantinedPeople([
      finding('a', 'quarantined'),
      finding('b', 'kept-published'),
      finding('c', 'truncated'),
      finding('d', 'quarantined', 'department'),
    ]);
    expect([...people.keys()]).toEqual(['a', 'b']);
    const many = Array.from({ length: MAX_LISTED_PEOPLE + 5 }, (_, i) => ({ key: `k${i}`, username: null, findings: [finding(`k${i}`, 'quarantined')] }));
    const data = quarantinedData(run({}), many);
    expect(data.count).toBe(MAX_LISTED_PEOPLE + 5);
    expect(data.people).toHaveLength(MAX_LISTED_PEOPLE);
    expect(data.truncated).toBe(true);
    expect(chatText(event('person.quarantined', data))).toMatch(/left out 105 people .*: k0, k1, .*k9 and 95 more/);
  });

  it('sync.removals.due takes dates or strings', () => {
    const data = removalsDueData({
      count: 2,
      people: [
        { key: 'a', username: 'ann', dueAt: new Date('2026-12-01T00:00:00Z') },
        { key: 'b', username: 'bob', dueAt: '2026-12-02T00:00:00.000Z' },
      ],
    });
    expect(data.people.map((p) => p.dueAt)).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z']);
    expect(chatText(event('sync.removals.due', data))).toMatch(/removal of 2 people .* ann, bob/);
  });
});

describe('webhook targets', () => {
  it('labels each webhook by format, position and origin only (never a path or query)', () => {
    const targets = webhookTargets({
      webhookUrls: ['https://hooks.example/a?token=t1', 'http://10.0.0.1:9000/b'],
      chatWebhookUrls: ['https://hooks.slack.com/services/T0/B0/secretpath'],
    });
    expect(targets.map((t) => [t.label, t.format])).toEqual([
      ['json#1 https://hooks.example', 'json'],
      ['json#2 http://10.0.0.1:9000', 'json'],
      ['chat#1 https://hooks.slack.com', 'chat'],
    ]);
    expect(new Set(targets.map((t) => t.id)).size).toBe(3);
    for (const t of targets) expect(t.id).toMatch(/^[0-9a-f]{16}$/);
  });
});
