import { USER_FIELDS } from '#app/omflow-contract';
import { mapEmployee, type MappedEmployee } from './employee-mapper.js';
import { SourceReadError, type SourceNode, type SourceObject, type SourceRead } from './hr-source.js';
import { applyRule, type MappingConfig } from './mapping.js';
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
 * A source that maps its employees itself (`read.mapped`: the directory, in a worker thread)
 * hands on what became of each; the outcome is the same.
 */
export async function readOrganisation(read: SourceRead, mapping: MappingConfig, signal: AbortSignal): Promise<MappedOrganisation> {
  const users: UserRecord[] = [];
  const findings: Finding[] = [];
  const failedKeys: string[] = [];
  const derivedNodes = new Map<string, SourceNode>();
  let excluded = 0;
  let count = 0;

  const outcomes = read.mapped ?? mapped(read.employees ?? none(), mapping, !read.nodes);
  for await (const outcome of outcomes) {
    if (signal.aborted) throw new SourceReadError(`The read was cancelled: ${String(signal.reason)}`);
    count++;
    switch (outcome.kind) {
      case 'excluded':
        excluded++;
        break;
      case 'user':
        users.push(outcome.user);
        if (!read.nodes) for (const node of outcome.nodes ?? []) if (!derivedNodes.has(node.id)) derivedNodes.set(node.id, node);
        break;
      case 'failed':
        findings.push(outcome.finding);
        if (outcome.key) failedKeys.push(outcome.key);
        break;
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

/** Raw employees mapped here, one at a time. */
async function* mapped(employees: AsyncIterable<SourceObject>, mapping: MappingConfig, deriveNodes: boolean): AsyncIterable<MappedEmployee> {
  let ordinal = 0;
  for await (const employee of employees) yield mapEmployee(employee, ++ordinal, mapping, USER_FIELDS, deriveNodes);
}

async function* none(): AsyncIterable<SourceObject> {}
