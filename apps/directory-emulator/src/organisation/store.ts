import {
  normalizePath,
  pathSegments,
  WorkPlusCode,
  WorkPlusError,
  type WorkPlusDisplayNode,
  type WorkPlusEmployee,
  type WorkPlusEmployeeRecord,
  type WorkPlusOrgNode,
  type WorkPlusOrgTreeNode,
  type WorkPlusPosition,
} from '#app/workplus';
import { preorder } from './generator.js';
import type { EmployeeData, NodeData, OrganisationData } from './model.js';

interface NodeState {
  data: NodeData;
  path: string;
  fullNamePath: string;
  level: number;
  childIds: string[];
  /** Employees holding a position here, in the order they got it. */
  employeeIds: string[];
  displayNodes: WorkPlusDisplayNode[];
  directlyCorp: WorkPlusDisplayNode;
}

export interface EmployeeFilter {
  /** `id` (employee id or user id) or `username`. */
  type: 'id' | 'username';
  query?: string;
  /** A node path made of ids: only employees at or below it. */
  path?: string;
  /** True: `query` is a comma-separated list of exact ids/usernames; false: a fuzzy match. */
  matching: boolean;
  /** Only employees of this node (and below it with `recursion`). */
  orgId?: string;
  recursion: boolean;
}

/** The owner shown on nodes (WorkPlus shows the organisation's creator). */
const OWNER = { owner_id: 'admin', owner: 'admin', owner_name: 'admin' };

/**
 * The emulated directory, in memory, indexed for the calls it serves: employees by id, user id
 * and username; each node's direct employees in an array (so a `/view` page is a slice, O(page));
 * nodes in pre-order with subtree ranges (a subtree is a contiguous slice); serialised employees
 * cached until the employee changes.
 */
export class DirectoryStore {
  private readonly nodes = new Map<string, NodeState>();
  private rootId = '';
  private order: string[] = [];
  private readonly orderIndex = new Map<string, number>();
  private readonly subtreeEnd = new Map<string, number>();
  private readonly byNamePath = new Map<string, string>();
  private readonly employees = new Map<string, EmployeeData>();
  private readonly byUsername = new Map<string, string>();
  private readonly byUserId = new Map<string, string>();
  private readonly itemCache = new Map<string, WorkPlusEmployee>();
  private subtreeCounts: Map<string, number> | null = null;
  private rootName = '';

  constructor(
    data: OrganisationData,
    readonly domainId: string,
    readonly orgCode: string,
  ) {
    const nodes = preorder(data.nodes);
    if (!nodes.length || nodes[0].parentId !== null) throw new Error('An organisation needs exactly one root node.');
    if (nodes.length !== data.nodes.length) throw new Error('Every node must descend from the root (orphans or cycles found).');
    for (const node of nodes) this.insertNode(node);
    for (const employee of data.employees) this.insertEmployee(employee);
  }

  // ---- nodes ----

  get root(): string {
    return this.rootId;
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  get employeeCount(): number {
    return this.employees.size;
  }

  hasNode(id: string): boolean {
    return this.nodes.has(id);
  }

  /** Node ids in pre-order (parents first, siblings by sort order). */
  nodeIds(): readonly string[] {
    this.ensureOrder();
    return this.order;
  }

  /** The node ids of a subtree (the node first), in pre-order. */
  subtreeIds(id: string): string[] {
    this.requireNode(id);
    this.ensureOrder();
    const start = this.orderIndex.get(id)!;
    return this.order.slice(start, this.subtreeEnd.get(id));
  }

  nodeData(id: string): NodeData {
    return this.requireNode(id).data;
  }

  nodeLevel(id: string): number {
    return this.requireNode(id).level;
  }

  /** Finds a node by a path of names, with or without the root's name, with or without outer slashes. */
  nodeByNamePath(namePath: string): string | undefined {
    const normalized = normalizePath(namePath);
    return this.byNamePath.get(normalized) ?? this.byNamePath.get(normalizePath(`/${this.rootName}${normalized}`));
  }

  /** Finds a node by its id path (`/aaa/bbb/`): the last id, if the node's path is that path. */
  nodeByIdPath(idPath: string): string | undefined {
    const parts = pathSegments(idPath);
    const id = parts[parts.length - 1];
    const node = id === undefined ? undefined : this.nodes.get(id);
    return node && node.path === normalizePath(idPath) ? id : undefined;
  }

  requireNode(id: string): NodeState {
    const node = this.nodes.get(id);
    if (!node) throw new WorkPlusError(WorkPlusCode.OrganizationNotFound);
    return node;
  }

  /** The direct employees of a node (ids), in order. */
  directEmployeeIds(id: string): readonly string[] {
    return this.requireNode(id).employeeIds;
  }

  childIds(id: string): readonly string[] {
    return this.requireNode(id).childIds;
  }

  /** Distinct employees in the node's subtree. */
  allEmployeeCount(id: string): number {
    if (!this.subtreeCounts) this.subtreeCounts = this.countSubtrees();
    return this.subtreeCounts.get(id) ?? 0;
  }

  /** Deletes a node and its subtree: 208502 when unknown, 202013 for the root, 208507 when anyone works there. */
  deleteNode(id: string): void {
    this.requireNode(id);
    if (id === this.rootId) throw new WorkPlusError(WorkPlusCode.UnsupportedOperation, 'the root organization cannot be deleted.');
    const ids = this.subtreeIds(id);
    if (ids.some((n) => this.nodes.get(n)!.employeeIds.length > 0)) throw new WorkPlusError(WorkPlusCode.OrganizationHasEmployees);
    const node = this.nodes.get(id)!;
    const parent = this.nodes.get(node.data.parentId!)!;
    parent.childIds = parent.childIds.filter((c) => c !== id);
    for (const n of ids) {
      this.byNamePath.delete(this.nodes.get(n)!.fullNamePath);
      this.nodes.delete(n);
    }
    this.reindexOrder();
  }

  // ---- employees ----

  employee(id: string): EmployeeData | undefined {
    return this.employees.get(id);
  }

  requireEmployee(id: string): EmployeeData {
    const employee = this.employees.get(id);
    if (!employee) throw new WorkPlusError(WorkPlusCode.EmployeeNotFound);
    return employee;
  }

  employeeByUsername(username: string): EmployeeData | undefined {
    const id = this.byUsername.get(username);
    return id === undefined ? undefined : this.employees.get(id);
  }

  employeeByUserId(userId: string): EmployeeData | undefined {
    const id = this.byUserId.get(userId);
    return id === undefined ? undefined : this.employees.get(id);
  }

  /** Every employee, in insertion order. */
  allEmployees(): IterableIterator<EmployeeData> {
    return this.employees.values();
  }

  /** Adds an employee: 202011 when the id, username or user id is taken, 208502 for an unknown node. */
  addEmployee(employee: EmployeeData): void {
    if (this.employees.has(employee.id) || this.byUsername.has(employee.username) || this.byUserId.has(employee.userId)) {
      throw new WorkPlusError(WorkPlusCode.EmployeeExists);
    }
    for (const p of employee.positions) this.requireNode(p.orgId);
    this.insertEmployee(employee);
  }

  /** Replaces an employee (same id); the username may change (a rename), the user id may not. */
  replaceEmployee(next: EmployeeData): void {
    const current = this.requireEmployee(next.id);
    const owner = this.byUsername.get(next.username);
    if (owner !== undefined && owner !== next.id) throw new WorkPlusError(WorkPlusCode.EmployeeExists, `username ${next.username} is taken.`);
    for (const p of next.positions) this.requireNode(p.orgId);
    this.removeEmployee(current.id);
    this.insertEmployee(next);
  }

  removeEmployee(id: string): EmployeeData {
    const employee = this.requireEmployee(id);
    for (const orgId of new Set(employee.positions.map((p) => p.orgId))) {
      const node = this.nodes.get(orgId);
      if (!node) continue;
      const at = node.employeeIds.indexOf(id);
      if (at >= 0) node.employeeIds.splice(at, 1);
    }
    this.employees.delete(id);
    this.byUsername.delete(employee.username);
    this.byUserId.delete(employee.userId);
    this.itemCache.delete(id);
    this.subtreeCounts = null;
    return employee;
  }

  /** Sets `locked` (resign / rehire) and stamps the change. */
  setLocked(id: string, locked: boolean, now: number): void {
    const employee = this.requireEmployee(id);
    if (employee.locked === locked) return;
    employee.locked = locked;
    employee.lastModified = now;
    this.itemCache.delete(id);
  }

  /** The list call's filters (see `EmployeeFilter`). 208502 when `org_id` or `path` names no node. */
  listEmployees(filter: EmployeeFilter): EmployeeData[] {
    let scope: Set<string> | null = null;
    const scopeNode = filter.orgId !== undefined ? filter.orgId : filter.path !== undefined ? this.nodeByIdPath(filter.path) : undefined;
    if (filter.orgId !== undefined || filter.path !== undefined) {
      if (scopeNode === undefined) throw new WorkPlusError(WorkPlusCode.OrganizationNotFound);
      this.requireNode(scopeNode);
      // `path` means "under that node"; `org_id` means the node itself unless `recursion`.
      const nodeIds = filter.path !== undefined || filter.recursion ? this.subtreeIds(scopeNode) : [scopeNode];
      scope = new Set<string>();
      for (const n of nodeIds) for (const e of this.nodes.get(n)!.employeeIds) scope.add(e);
    }
    const query = filter.query?.trim() ?? '';
    if (filter.matching && query) {
      const out: EmployeeData[] = [];
      const seen = new Set<string>();
      for (const key of query
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const found = filter.type === 'username' ? this.employeeByUsername(key) : (this.employees.get(key) ?? this.employeeByUserId(key));
        if (found && !seen.has(found.id) && (!scope || scope.has(found.id))) {
          seen.add(found.id);
          out.push(found);
        }
      }
      return out;
    }
    const candidates = scope ? [...scope].map((id) => this.employees.get(id)!) : [...this.employees.values()];
    if (!query) return candidates;
    const needle = query.toLowerCase();
    return candidates.filter((e) =>
      filter.type === 'username'
        ? e.username.toLowerCase().includes(needle)
        : e.name.toLowerCase().includes(needle) || e.pinyin.includes(needle) || e.initial.includes(needle) || e.username.toLowerCase().includes(needle),
    );
  }

  // ---- wire shapes ----

  /** The employee as the list call and `/view` show it (cached until it changes). */
  toListItem(employee: EmployeeData): WorkPlusEmployee {
    const cached = this.itemCache.get(employee.id);
    if (cached) return cached;
    const root = this.nodes.get(this.rootId)!;
    const item: WorkPlusEmployee = {
      id: employee.id,
      type: 'EMPLOYEE',
      domain_id: this.domainId,
      org_code: this.orgCode,
      display_name: employee.displayName,
      name: employee.name,
      pinyin: employee.pinyin,
      initial: employee.initial,
      gender: employee.gender,
      email: employee.email,
      mobile: employee.mobile,
      status: employee.status,
      sn: employee.sn,
      user_id: employee.userId,
      username: employee.username,
      nickname: employee.nickname,
      sort_order: employee.sortOrder,
      senior: employee.senior,
      locked: employee.locked,
      employee_rank: employee.rank,
      tags: employee.tags,
      tag_names: employee.tagNames,
      positions: employee.positions.map((p): WorkPlusPosition => {
        const node = this.nodes.get(p.orgId)!;
        return {
          id: p.id,
          domain_id: this.domainId,
          code: this.orgCode,
          employee_id: employee.id,
          org_id: p.orgId,
          path: node.path,
          type: node.data.type,
          job_title: p.jobTitle,
          level: node.level,
          primary: p.primary,
          chief: p.chief,
          display_nodes: node.displayNodes,
          full_name_path: node.fullNamePath,
          org_name: node.data.name,
        };
      }),
      data_schemas: [],
      properties: employee.properties,
      created: employee.created,
      last_modified: employee.lastModified,
      root_org_info: { id: root.data.id, name: root.data.name, type: 'O', path: root.path, display: true },
      platforms: [],
    };
    this.itemCache.set(employee.id, item);
    return item;
  }

  /** The employee as get, create and update return it. */
  toRecord(employee: EmployeeData): WorkPlusEmployeeRecord {
    return {
      employee_id: { domain_id: this.domainId, code: this.orgCode, id: employee.id },
      name: employee.name,
      pinyin: employee.pinyin,
      initial: employee.initial,
      sn: employee.sn,
      email: employee.email,
      sort_order: employee.sortOrder,
      senior: employee.senior,
      user: {
        id: employee.userId,
        username: employee.username,
        name: employee.name,
        id_card: employee.idCard,
        gender: employee.gender.toLowerCase(),
        status: 'confirmed',
      },
      extension_profiles: { ...employee.extra },
      positions: employee.positions.map((p) => {
        const node = this.nodes.get(p.orgId)!;
        return {
          position_id: { domain_id: this.domainId, code: this.orgCode, id: p.id },
          employee_id: employee.id,
          org_id: p.orgId,
          path: node.path,
          type: node.data.type,
          job_title: p.jobTitle,
          primary: p.primary,
          chief: p.chief,
        };
      }),
      properties: employee.properties,
      rank: employee.rank,
      tags: employee.tags,
      disabled: employee.locked,
      deleted: false,
      create_time: employee.created,
      modify_time: employee.lastModified,
    };
  }

  /** A node's wire shape; `employees`/`children` are filled by `/view` only. */
  toOrgNode(id: string, employees: WorkPlusEmployee[] = [], children: WorkPlusOrgNode[] = []): WorkPlusOrgNode {
    const node = this.requireNode(id);
    const parent = node.data.parentId === null ? undefined : this.nodes.get(node.data.parentId);
    return {
      id: node.data.id,
      domain_id: this.domainId,
      org_code: this.orgCode,
      ...(parent ? { parent_org_id: parent.data.id } : {}),
      type: node.data.type,
      path: node.path,
      name: node.data.name,
      ...(node.data.enName ? { en_name: node.data.enName } : {}),
      sort_order: node.data.sortOrder,
      level: node.level,
      uuid: node.data.id,
      ...(node.data.sn !== undefined ? { sn: node.data.sn } : {}),
      ...OWNER,
      created: node.data.created,
      last_modified: node.data.lastModified,
      disabled: false,
      employee_count: node.employeeIds.length,
      all_employee_count: this.allEmployeeCount(id),
      children_count: node.childIds.length,
      full_name_path: node.fullNamePath,
      ...(parent ? { parent_org_name: parent.data.name } : {}),
      directly_corp: node.directlyCorp,
      employees,
      children,
    };
  }

  /** The subtree of a node, nested, without employees (`/tree`). */
  toTree(id: string): WorkPlusOrgTreeNode {
    const { employees: _e, children: _c, ...fields } = this.toOrgNode(id);
    return { ...fields, children: this.requireNode(id).childIds.map((c) => this.toTree(c)) };
  }

  // ---- internals ----

  private insertNode(data: NodeData): void {
    if (this.nodes.has(data.id)) throw new Error(`Duplicate node id ${data.id}`);
    const parent = data.parentId === null ? undefined : this.nodes.get(data.parentId);
    if (data.parentId !== null && !parent) throw new Error(`Node ${data.id} names an unknown parent ${data.parentId}`);
    const path = `${parent ? parent.path : '/'}${data.id}/`;
    const fullNamePath = `${parent ? parent.fullNamePath : '/'}${data.name}/`;
    const display: WorkPlusDisplayNode = { id: data.id, name: data.name, type: data.type, path, display: true };
    const displayNodes = parent ? [...parent.displayNodes, display] : [display];
    const directlyCorp = data.type === 'CORP' ? { ...display, type: 'O' } : parent!.directlyCorp;
    const state: NodeState = { data, path, fullNamePath, level: parent ? parent.level + 1 : 1, childIds: [], employeeIds: [], displayNodes, directlyCorp };
    this.nodes.set(data.id, state);
    this.byNamePath.set(fullNamePath, data.id);
    if (parent) parent.childIds.push(data.id);
    else {
      this.rootId = data.id;
      this.rootName = data.name;
    }
    this.reindexOrder();
  }

  private insertEmployee(employee: EmployeeData): void {
    if (this.employees.has(employee.id)) throw new Error(`Duplicate employee id ${employee.id}`);
    this.employees.set(employee.id, employee);
    this.byUsername.set(employee.username, employee.id);
    this.byUserId.set(employee.userId, employee.id);
    for (const orgId of new Set(employee.positions.map((p) => p.orgId))) {
      const node = this.nodes.get(orgId);
      if (!node) throw new WorkPlusError(WorkPlusCode.OrganizationNotFound, `organization ${orgId} not found.`);
      node.employeeIds.push(employee.id);
    }
    this.itemCache.delete(employee.id);
    this.subtreeCounts = null;
  }

  /** Pre-order and subtree ranges; called when nodes change (rare), lazily batched at construction. */
  private reindexOrder(): void {
    this.orderDirty = true;
  }

  private orderDirty = true;

  private ensureOrder(): void {
    if (!this.orderDirty) return;
    const out: string[] = [];
    this.orderIndex.clear();
    this.subtreeEnd.clear();
    const visit = (id: string): void => {
      this.orderIndex.set(id, out.length);
      out.push(id);
      for (const c of this.nodes.get(id)!.childIds) visit(c);
      this.subtreeEnd.set(id, out.length);
    };
    if (this.rootId) visit(this.rootId);
    this.order = out;
    this.orderDirty = false;
  }

  private countSubtrees(): Map<string, number> {
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (const employee of this.employees.values()) {
      seen.clear();
      for (const p of employee.positions) {
        for (const d of this.nodes.get(p.orgId)?.displayNodes ?? []) {
          if (seen.has(d.id)) continue;
          seen.add(d.id);
          counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
        }
      }
    }
    return counts;
  }
}
