import { USER_FIELDS, type UserField } from '#app/omflow-contract';
import { parentFromPath } from './file-source.js';
import { SourceReadError, type SourceNode, type SourceObject, type SourceRead } from './hr-source.js';
import { applyRule, MappingError, matchesCondition, type MappingConfig } from './mapping.js';
import type { Finding, GroupRecord, UserRecord } from './records.js';

/** An upstream organisation, mapped to OMFLOW's shapes but not yet checked. */
export interface MappedOrganisation {
  users: UserRecord[];
  groups: GroupRecord[];
  /** Employees left out by the mapping's `exclude` conditions (resigned…). */
  excluded: number;
  /** Employees read from the source, excluded ones included. */
  read: number;
  /** Employees whose mapping failed: quarantined by the checks like any other bad record. */
  findings: Finding[];
  /** Keys of employees whose mapping failed (so a published version can be kept). */
  failedKeys: string[];
}

/**
 * Consumes a source read, mapping one employee at a time (memory holds the mapped records,
 * never the raw upstream objects), and derives departments from the tree or from positions.
 */
export async function readOrganisation(read: SourceRead, mapping: MappingConfig, signal: AbortSignal): Promise<MappedOrganisation> {
  const users: UserRecord[] = [];
  const findings: Finding[] = [];
  const failedKeys: string[] = [];
  const derivedNodes = new Map<string, SourceNode>();
  let excluded = 0;
  let count = 0;

  for await (const employee of read.employees) {
    if (signal.aborted) throw new SourceReadError(`The read was cancelled: ${String(signal.reason)}`);
    count++;
    if (mapping.exclude.some((condition) => matchesCondition(condition, employee))) {
      excluded++;
      continue;
    }
    const label = typeof employee.id === 'string' ? employee.id : `#${count}`;
    let key: string | null = null;
    try {
      key = applyRule(mapping.key, employee, 'key');
      if (!key) throw new MappingError('key', `no stable id (${(mapping.key.from ?? []).join(' or ')} is empty)`);
      const user = mapEmployee(employee, key, mapping);
      users.push(user);
      if (!read.nodes) collectDisplayNodes(employee, derivedNodes);
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      findings.push({
        kind: 'mapping-error',
        record: { type: 'user', key: key ?? label, label },
        field: error.field,
        reason: `employee ${label}: field ${error.field}: ${error.message}`,
        action: 'quarantined',
      });
      if (key) failedKeys.push(key);
    }
  }

  const announced = read.announcedEmployees();
  if (announced !== null && count < announced) {
    throw new SourceReadError(`Short read: the directory announced ${announced} employees but ${count} arrived`);
  }
  if (count === 0) throw new SourceReadError('The source returned no employees; an empty organisation is never published');

  const nodes = read.nodes ?? [...derivedNodes.values()];
  const groups: GroupRecord[] = [];
  for (const node of nodes) {
    const name = applyRule(mapping.departmentName, node, 'departmentName') ?? node.id;
    groups.push({ group_no: node.id, display_name: name, parent_group_no: node.parentId });
  }
  return { users, groups, excluded, read: count, findings, failedKeys };
}

function mapEmployee(employee: SourceObject, key: string, mapping: MappingConfig): UserRecord {
  const values = {} as Record<UserField, string | null>;
  for (const field of USER_FIELDS) values[field] = applyRule(mapping.users[field], employee, field);
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

function collectDisplayNodes(employee: SourceObject, into: Map<string, SourceNode>): void {
  const positions = Array.isArray(employee.positions) ? (employee.positions as Record<string, unknown>[]) : [];
  for (const position of positions) {
    const displayNodes = position.display_nodes;
    if (!Array.isArray(displayNodes)) continue;
    for (const raw of displayNodes as Record<string, unknown>[]) {
      const id = raw.id;
      if (typeof id !== 'string' || into.has(id)) continue;
      const path = typeof raw.path === 'string' ? raw.path : `/${id}/`;
      into.set(id, { id, name: typeof raw.name === 'string' ? raw.name : id, path, parentId: parentFromPath(path, id) });
    }
  }
}
