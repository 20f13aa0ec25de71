import { readFileSync } from 'node:fs';
import { parentIdOfPath, pathSegments, type OrgNodeType, type WorkPlusOrganisationFile } from '#app/workplus';
import { pinyinOf } from './names.js';
import type { EmployeeData, NodeData, OrganisationData } from './model.js';
import type { DirectoryStore } from './store.js';

/** A problem with an organisation file, with a message that names the file and the record. */
export class OrganisationFileError extends Error {}

type Raw = Record<string, unknown>;

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback);
const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const bool = (v: unknown): boolean => v === true;
const nodeType = (v: unknown): OrgNodeType => (v === 'DEPT' ? 'DEPT' : 'CORP');

/**
 * Reads an organisation in the export shape: the list envelope `{status, message, result:
 * [employees]}` (or a bare array of employees), optionally with `tree` (nodes, flat). Nodes come
 * from `tree` and from the employees' `positions[].display_nodes`; a node's parent is the one
 * before it in its id path. Domain and organisation code are the emulator's, not the file's.
 */
export function loadOrganisationFile(file: string): OrganisationData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new OrganisationFileError(`Cannot read the organisation file ${file}: ${(error as Error).message}`);
  }
  return parseOrganisation(parsed, file);
}

export function parseOrganisation(parsed: unknown, file = 'organisation'): OrganisationData {
  const envelope = (Array.isArray(parsed) ? { result: parsed } : parsed) as Partial<WorkPlusOrganisationFile> | null;
  if (!envelope || typeof envelope !== 'object' || !Array.isArray(envelope.result)) {
    throw new OrganisationFileError(`${file}: expected the list envelope {"status":0,"message":"ok","result":[employees]} or an array of employees`);
  }
  const nodes = new Map<string, NodeData>();
  const addNode = (raw: Raw, where: string): void => {
    const id = str(raw.id);
    const path = str(raw.path);
    if (!id || !path || pathSegments(path).at(-1) !== id) throw new OrganisationFileError(`${file}: ${where} needs an id and a path ending with that id`);
    if (nodes.has(id)) return;
    nodes.set(id, {
      id,
      name: str(raw.name, id),
      type: nodeType(raw.type),
      parentId: parentIdOfPath(path),
      sortOrder: num(raw.sort_order, nodes.size + 1),
      sn: typeof raw.sn === 'string' ? raw.sn : undefined,
      created: num(raw.created, 0),
      lastModified: num(raw.last_modified, 0),
    });
  };
  if (envelope.tree !== undefined) {
    if (!Array.isArray(envelope.tree)) throw new OrganisationFileError(`${file}: "tree" must be an array of nodes`);
    (envelope.tree as unknown[]).forEach((n, i) => addNode(n as Raw, `tree node #${i}`));
  }
  const employees: EmployeeData[] = (envelope.result as unknown[]).map((item, i) => {
    if (typeof item !== 'object' || item === null) throw new OrganisationFileError(`${file}: employee #${i} is not an object`);
    const raw = item as Raw;
    const id = str(raw.id);
    const username = str(raw.username);
    if (!id || !username) throw new OrganisationFileError(`${file}: employee #${i} needs an id and a username`);
    const positions = Array.isArray(raw.positions) ? (raw.positions as Raw[]) : [];
    for (const p of positions) {
      const display = Array.isArray(p.display_nodes) ? (p.display_nodes as Raw[]) : [];
      display.forEach((d, k) => addNode({ ...d, type: d.type === 'DEPT' ? 'DEPT' : 'CORP', sort_order: k + 1 }, `employee #${i}'s display node`));
      if (!nodes.has(str(p.org_id)))
        throw new OrganisationFileError(`${file}: employee #${i} holds a position in ${str(p.org_id)}, which no node or display node describes`);
    }
    const name = str(raw.name, username);
    const derived = pinyinOf(name);
    return {
      id,
      userId: str(raw.user_id, id),
      username,
      name,
      displayName: str(raw.display_name, name),
      pinyin: str(raw.pinyin, derived.pinyin),
      initial: str(raw.initial, derived.initial),
      gender: str(raw.gender),
      email: str(raw.email),
      mobile: str(raw.mobile),
      sn: str(raw.sn),
      nickname: str(raw.nickname),
      sortOrder: num(raw.sort_order, 999),
      senior: bool(raw.senior),
      locked: bool(raw.locked),
      status: str(raw.status, 'ACTIVATED'),
      rank: num(raw.employee_rank, 0),
      tags: Array.isArray(raw.tags) ? (raw.tags as unknown[]).filter((t): t is number => typeof t === 'number') : [],
      tagNames: Array.isArray(raw.tag_names) ? (raw.tag_names as unknown[]).map((t) => str(t)) : [],
      properties: [],
      positions: positions.map((p, k) => ({
        id: str(p.id, `${id}-${k}`),
        orgId: str(p.org_id),
        jobTitle: str(p.job_title),
        primary: bool(p.primary),
        chief: bool(p.chief),
      })),
      created: num(raw.created, 0),
      lastModified: num(raw.last_modified, 0),
      idCard: '',
      extra: {},
    };
  });
  const roots = [...nodes.values()].filter((n) => n.parentId === null);
  if (roots.length !== 1) throw new OrganisationFileError(`${file}: expected exactly one root node, found ${roots.length}`);
  for (const node of nodes.values()) {
    if (node.parentId !== null && !nodes.has(node.parentId)) throw new OrganisationFileError(`${file}: node ${node.id} has an unknown parent ${node.parentId}`);
  }
  return { name: roots[0].name, nodes: [...nodes.values()], employees };
}

/** The export shape of the store's whole organisation: the list envelope, plus `tree` (flat, pre-order) when asked. */
export function exportOrganisation(store: DirectoryStore, withTree: boolean): WorkPlusOrganisationFile {
  const result = [...store.allEmployees()].map((e) => store.toListItem(e));
  return { status: 0, message: 'ok', result, ...(withTree ? { tree: store.nodeIds().map((id) => store.toOrgNode(id)) } : {}) };
}
