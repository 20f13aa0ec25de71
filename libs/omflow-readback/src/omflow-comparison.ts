import { Inject, Injectable } from '@nestjs/common';
import { BRIDGE_CONFIG, type BridgeConfig } from '#app/config';
import { SnapshotReader } from '#app/snapshots';
import { defaultGroupCode, matchKey, Reconciliation, userDrift, type GroupCodes } from './compare.js';
import type { OmflowGroupRow, OmflowUserRow } from './omflow-answers.js';
import { OmflowQueryClient } from './omflow-query.client.js';

/** OMFLOW users whose snapshot records are read at once, to compare their fields. */
const COMPARE_BATCH = 500;

/** The snapshot to compare with is no longer kept. */
export class SnapshotGone extends Error {}

/**
 * One comparison's reading: OMFLOW's departments, memberships and users through its query API,
 * the snapshot's through the snapshots' read API, fed to the pure comparison (compare.ts).
 *
 * Memory: the pulled snapshot's slim index (as a sync run holds the published one), each OMFLOW
 * user's department codes, a page of OMFLOW's users and the records of a batch of them; never
 * both organisations whole.
 */
@Injectable()
export class OmflowComparison {
  constructor(
    private readonly client: OmflowQueryClient,
    private readonly reader: SnapshotReader,
    @Inject(BRIDGE_CONFIG) private readonly config: BridgeConfig,
  ) {}

  /** Compares OMFLOW's departments and users with snapshot `snapshotId`. */
  async compare(snapshotId: number, signal: AbortSignal): Promise<Reconciliation> {
    const index = await this.reader.snapshotIndex(snapshotId);
    if (!index)
      throw new SnapshotGone(
        `The snapshot OMFLOW last pulled (${snapshotId}) is no longer kept (SNAPSHOT_RETENTION): nothing to compare with until OMFLOW pulls again.`,
      );
    const rec = new Reconciliation(this.config.readback.samples);

    const groups: OmflowGroupRow[] = [];
    for await (const page of this.client.groups(signal)) groups.push(...page);
    const codes: GroupCodes = new Map(groups.map((g) => [g.id, g.group_no]));
    const knownCodes = new Set(groups.map((g) => g.group_no));
    rec.compareDepartments(
      [...index.groups.values()].map((g) => g.record),
      groups,
      codes,
    );

    // Each person's departments in OMFLOW (its list-by-group answers), by the key OMFLOW matches usernames with.
    const memberships = new Map<string, string[]>();
    for await (const batch of this.client.members(
      groups.map((g) => g.group_no),
      signal,
    )) {
      for (const [code, usernames] of batch) {
        for (const username of usernames) {
          const key = matchKey(username);
          const list = memberships.get(key);
          if (list) list.push(code);
          else memberships.set(key, [code]);
        }
      }
    }

    // The snapshot's people by the key OMFLOW matches usernames with; each one met in OMFLOW leaves.
    const expected = new Map<string, { key: string; id: number; username: string }>();
    for (const [key, user] of index.users) expected.set(matchKey(user.username), { key, id: user.id, username: user.username });
    index.users.clear();
    rec.counts.users.snapshot = expected.size;

    let batch: { row: OmflowUserRow; key: string; id: number }[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const records = await this.reader.snapshotUsers(
        snapshotId,
        batch.map((b) => b.id),
      );
      for (const { row, key } of batch) {
        const record = records.get(key);
        if (record)
          rec.driftedUser(row, userDrift(record, row, defaultGroupCode(row.default_group, codes, knownCodes), memberships.get(matchKey(row.username)) ?? []));
      }
      batch = [];
    };
    for await (const page of this.client.users(signal)) {
      signal.throwIfAborted();
      for (const row of page) {
        if (row.delete) {
          rec.counts.users.omflowDeleted++;
          continue;
        }
        rec.counts.users.omflow++;
        const match = matchKey(row.username);
        const person = expected.get(match);
        if (!person) {
          rec.unexpectedUser(row);
          continue;
        }
        expected.delete(match);
        batch.push({ row, key: person.key, id: person.id });
      }
      if (batch.length >= COMPARE_BATCH) await flush();
    }
    await flush();
    for (const person of expected.values()) rec.missingUser(person.username);
    return rec;
  }
}
