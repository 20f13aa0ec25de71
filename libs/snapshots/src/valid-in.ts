/**
 * The one rule of the version chain: a version row (user_version, group_version) is valid in
 * snapshot `s` when the snapshot that opened it is `s` or older and no snapshot up to `s` closed
 * it (`to_snapshot` NULL: still open). Every read of "the rows of snapshot s" goes through here.
 */
export function validIn(snapshotId: number, alias?: string): { sql: string; params: [number, number] } {
  const p = alias ? `${alias}.` : '';
  return { sql: `${p}from_snapshot <= ? AND (${p}to_snapshot IS NULL OR ${p}to_snapshot > ?)`, params: [snapshotId, snapshotId] };
}
