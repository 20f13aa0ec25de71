import type { UserField } from '#app/omflow-contract';
import { parentFromPath } from './file-source.js';
import type { SourceNode, SourceObject } from './hr-source.js';
import type { MappingConfig } from './mapping.js';
import { applyRule, MappingError, matchesCondition } from './mapping-rules.js';
import type { Finding, UserRecord } from './records.js';

// No runtime import beyond this library's light files: the directory's page-mapping worker
// thread loads this file without the rest of the bridge (see directory/page-mapper.ts).

/**
 * What became of one employee read from the source: a user (with the departments of its
 * positions' display nodes, when departments are derived from them), left out by an `exclude`
 * condition, or quarantined because its mapping failed. `id` is the upstream employee id (the
 * label of reports), or `#n` for the n-th employee read when it has none.
 */
export type MappedEmployee =
  | { kind: 'user'; id: string; user: UserRecord; nodes: SourceNode[] | null }
  | { kind: 'excluded'; id: string }
  | { kind: 'failed'; id: string; key: string | null; finding: Finding };

/**
 * Maps one employee. `fields` are the OMFLOW user fields in the contract's order (USER_FIELDS,
 * passed in so that this file needs no import of the contract library); `deriveNodes` collects
 * the departments of the positions' display nodes.
 */
export function mapEmployee(
  employee: SourceObject,
  ordinal: number,
  mapping: MappingConfig,
  fields: readonly UserField[],
  deriveNodes: boolean,
): MappedEmployee {
  const label = typeof employee.id === 'string' ? employee.id : `#${ordinal}`;
  if (mapping.exclude.some((condition) => matchesCondition(condition, employee))) return { kind: 'excluded', id: label };
  let key: string | null = null;
  try {
    key = applyRule(mapping.key, employee, 'key');
    if (!key) throw new MappingError('key', `no stable id (${(mapping.key.from ?? []).join(' or ')} is empty)`);
    const user = userOf(employee, key, mapping, fields);
    return { kind: 'user', id: label, user, nodes: deriveNodes ? displayNodesOf(employee) : null };
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    return {
      kind: 'failed',
      id: label,
      key,
      finding: {
        kind: 'mapping-error',
        record: { type: 'user', key: key ?? label, label },
        field: error.field,
        reason: `employee ${label}: field ${error.field}: ${error.message}`,
        action: 'quarantined',
      },
    };
  }
}

function userOf(employee: SourceObject, key: string, mapping: MappingConfig, fields: readonly UserField[]): UserRecord {
  const values = {} as Record<UserField, string | null>;
  for (const field of fields) values[field] = applyRule(mapping.users[field], employee, field);
  if (!values.username) throw new MappingError('username', `no username (${(mapping.users.username.from ?? []).join(' or ')} is empty)`);
  return {
    key,
    sourceId: typeof employee.id === 'string' ? employee.id : key,
    ...values,
    username: values.username,
    groups: positionsOf(employee),
  };
}

/** Department codes of the employee's positions, the primary first, without repeats. */
function positionsOf(employee: SourceObject): string[] {
  const positions = employee.positions;
  if (positions === undefined || positions === null) return [];
  if (!Array.isArray(positions)) throw new MappingError('positions', 'is not an array');
  const ordered = [...(positions as unknown[])].sort(
    (a, b) => Number(Boolean((b as { primary?: unknown }).primary)) - Number(Boolean((a as { primary?: unknown }).primary)),
  );
  const out: string[] = [];
  for (const raw of ordered) {
    const orgId = (raw as { org_id?: unknown } | null)?.org_id;
    if (typeof orgId === 'number') out.push(String(orgId));
    else if (typeof orgId === 'string' && orgId) out.push(orgId);
    else throw new MappingError('positions.org_id', 'a position has no org_id');
  }
  return [...new Set(out)];
}

/** The display nodes of the employee's positions, each once, in the order met. */
function displayNodesOf(employee: SourceObject): SourceNode[] {
  const out = new Map<string, SourceNode>();
  const positions = Array.isArray(employee.positions) ? (employee.positions as Record<string, unknown>[]) : [];
  for (const position of positions) {
    const displayNodes = position.display_nodes;
    if (!Array.isArray(displayNodes)) continue;
    for (const raw of displayNodes as Record<string, unknown>[]) {
      const id = raw.id;
      if (typeof id !== 'string' || out.has(id)) continue;
      const path = typeof raw.path === 'string' ? raw.path : `/${id}/`;
      out.set(id, { id, name: typeof raw.name === 'string' ? raw.name : id, path, parentId: parentFromPath(path, id) });
    }
  }
  return [...out.values()];
}
