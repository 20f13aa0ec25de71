import { Inject, Injectable, Logger } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import {
  type CreateEmployeeDto,
  type EmployeeFieldsDto,
  type EmployeePositionDto,
  ImportEmployeeDto,
  type ListEmployeesQueryDto,
  WorkPlusCode,
  WorkPlusError,
  type WorkPlusEmployee,
  type WorkPlusEmployeeRecord,
  type WorkPlusImportResult,
  type WorkPlusListAllResult,
  type WorkPlusOrgNode,
  type WorkPlusOrgTreeNode,
  type WorkPlusPageOrgsResult,
  type WorkPlusViewResult,
} from '#app/workplus';
import { EMULATOR_OPTIONS } from './emulator-state.js';
import { FaultsService } from './faults.js';
import type { EmulatorOptions } from './options.js';
import { generateOrganisation, newPosition, PersonFactory } from './organisation/generator.js';
import type { EmployeeData, OrganisationData, PositionData } from './organisation/model.js';
import { pinyinOf } from './organisation/names.js';
import { loadOrganisationFile } from './organisation/org-file.js';
import { Prng } from './organisation/prng.js';
import { DirectoryStore, type EmployeeFilter } from './organisation/store.js';
import type { MutationsDto, PageOrgsQueryDto, ViewQueryDto } from './queries.dto.js';

export interface MutationResult {
  seed: number;
  hired: { id: string; user_id: string; username: string; org_id: string }[];
  moved: { id: string; username: string; from_org_id: string; to_org_id: string }[];
  renamed: { id: string; user_id: string; from_username: string; to_username: string }[];
  resigned: { id: string; username: string }[];
}

/** The organisation the emulator starts with: loaded from the file of the options, or generated. */
export function initialOrganisation(options: EmulatorOptions): OrganisationData {
  if (options.orgFile) return loadOrganisationFile(options.orgFile);
  return generateOrganisation({
    employees: options.employees,
    departments: options.departments,
    seed: options.seed,
    dataProblems: options.dataProblems,
    rootName: options.orgName,
    emailDomain: options.emailDomain,
  });
}

/** A non-negative integer query parameter (validated as digits by the DTO), or the fallback. */
function count(value: string | undefined, fallback: number): number {
  return value === undefined || value === '' ? fallback : Number(value);
}

/** Removes the last rows of a page (at least one, about half) for the "short page" fault. */
function shorten<T>(rows: T[]): T[] {
  return rows.slice(0, rows.length - Math.max(1, Math.floor(rows.length / 2)));
}

/** The department the `empty_department_size` fault empties, and the people it answers as locked. */
export interface EmptiedDepartment {
  id: string;
  name: string;
  employeeIds: ReadonlySet<string>;
}

/** The directory's behaviour: the employee and organisation calls, and the emulator's mutations. */
@Injectable()
export class DirectoryService {
  private readonly logger = new Logger(DirectoryService.name);
  readonly store: DirectoryStore;
  /** Ids of records created through the API: deterministic per seed. */
  private readonly ids: Prng;
  private readonly tagIds = new Map<string, number>();
  private mutationBatches = 0;
  /** What the `empty_department_size` fault picked, for the fault settings' generation it was picked under. */
  private emptiedFor: { generation: number; department: EmptiedDepartment | null } | null = null;

  constructor(
    @Inject(EMULATOR_OPTIONS) private readonly options: EmulatorOptions,
    private readonly faults: FaultsService,
  ) {
    const started = performance.now();
    this.store = new DirectoryStore(initialOrganisation(options), options.domainId, options.orgCode);
    this.ids = new Prng(options.seed ^ 0x1d5);
    const source = options.orgFile ? `loaded from ${options.orgFile}` : `generated from seed ${options.seed}`;
    this.logger.log(
      `Organisation ${source}: ${this.store.employeeCount} employees, ${this.store.nodeCount} nodes in ${Math.round(performance.now() - started)} ms`,
    );
  }

  // ---- employees ----

  list(q: ListEmployeesQueryDto): WorkPlusEmployee[] {
    const filter: EmployeeFilter = {
      type: q.type ?? 'id',
      query: q.query,
      path: q.path || undefined,
      matching: q.matching === 'true',
      orgId: q.org_id || undefined,
      recursion: q.recursion === 'true',
    };
    return this.store.listEmployees(filter).map((e) => this.listItem(e));
  }

  get(id: string): WorkPlusEmployeeRecord {
    const record = this.store.toRecord(this.store.requireEmployee(id));
    return this.emptied()?.employeeIds.has(id) ? { ...record, disabled: true } : record;
  }

  /**
   * The department the `empty_department_size` fault empties: the smallest one with at least that
   * many active people whose primary position (else first position) is there, ties to the first
   * in pre-order; null when the fault is off or no department is that large. Picked once per
   * setting of the faults, so every answer agrees until the faults change.
   */
  emptied(): EmptiedDepartment | null {
    if (this.emptiedFor?.generation === this.faults.generation) return this.emptiedFor.department;
    const size = this.faults.current().empty_department_size;
    let department: EmptiedDepartment | null = null;
    if (size > 0) {
      const members = new Map<string, string[]>();
      for (const employee of this.store.allEmployees()) {
        const home = (employee.positions.find((p) => p.primary) ?? employee.positions[0])?.orgId;
        if (employee.locked || !home) continue;
        const list = members.get(home);
        if (list) list.push(employee.id);
        else members.set(home, [employee.id]);
      }
      let best: string[] | null = null;
      let bestId: string | null = null;
      for (const id of this.store.nodeIds()) {
        const list = members.get(id);
        if (list && list.length >= size && (!best || list.length < best.length)) [best, bestId] = [list, id];
      }
      if (best && bestId) department = { id: bestId, name: this.store.nodeData(bestId).name, employeeIds: new Set(best) };
      this.logger.log(
        department
          ? `Fault empty_department_size=${size}: department ${department.name} (${department.id}) answers its ${best!.length} people as locked`
          : `Fault empty_department_size=${size}: no department has that many people`,
      );
    }
    this.emptiedFor = { generation: this.faults.generation, department };
    return department;
  }

  /** An employee as list and view answers show it; locked when the `empty_department_size` fault empties their department. */
  private listItem(employee: EmployeeData): WorkPlusEmployee {
    const item = this.store.toListItem(employee);
    return this.emptied()?.employeeIds.has(employee.id) ? { ...item, locked: true } : item;
  }

  create(dto: CreateEmployeeDto): WorkPlusEmployeeRecord {
    if (this.store.employeeByUsername(dto.username)) throw new WorkPlusError(WorkPlusCode.EmployeeExists, `username ${dto.username} already exists.`);
    if (dto.user_id !== undefined && this.store.employeeByUserId(dto.user_id))
      throw new WorkPlusError(WorkPlusCode.EmployeeExists, `user ${dto.user_id} is already an employee.`);
    const now = this.options.clock();
    const employee: EmployeeData = {
      ...this.fields(dto, now),
      id: this.ids.hex(32),
      userId: dto.user_id ?? this.ids.hex(32),
      username: dto.username,
      locked: false,
      status: 'INITIALIZED',
      created: now,
    };
    this.store.addEmployee(employee);
    return this.store.toRecord(employee);
  }

  update(id: string, dto: EmployeeFieldsDto): WorkPlusEmployeeRecord {
    const current = this.store.requireEmployee(id);
    const next: EmployeeData = {
      ...this.fields(dto, this.options.clock()),
      id: current.id,
      userId: current.userId,
      username: current.username,
      locked: current.locked,
      status: current.status,
      created: current.created,
    };
    this.store.replaceEmployee(next);
    return this.store.toRecord(next);
  }

  /** `disable`/`lock` (leave) and `enable`/`unlock` (return); anything else is 202013. */
  operate(id: string, operation: string): Record<string, never> {
    const locked = operation === 'disable' || operation === 'lock' ? true : operation === 'enable' || operation === 'unlock' ? false : undefined;
    if (locked === undefined) throw new WorkPlusError(WorkPlusCode.UnsupportedOperation, `unsupported operation: ${operation}.`);
    this.store.setLocked(id, locked, this.options.clock());
    return {};
  }

  remove(id: string): Record<string, never> {
    this.store.removeEmployee(id);
    return {};
  }

  /**
   * The import call: each row is validated on its own; a bad row is a failure (keyed by its
   * username, or `#<index>` without one), never a rejection of the whole batch.
   */
  import(body: unknown): WorkPlusImportResult {
    if (!Array.isArray(body)) throw new WorkPlusError(WorkPlusCode.BadRequest, 'the body must be an array of employees.');
    const result: WorkPlusImportResult = { successes: {}, failures: {} };
    body.forEach((raw: unknown, index) => {
      const key =
        typeof raw === 'object' && raw !== null && typeof (raw as { username?: unknown }).username === 'string'
          ? (raw as { username: string }).username
          : `#${index}`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        result.failures[key] = 'not an object.';
        return;
      }
      const row = plainToInstance(ImportEmployeeDto, raw);
      const errors = validateSync(row, { whitelist: true, forbidUnknownValues: true });
      if (errors.length) {
        result.failures[key] = describe(errors);
        return;
      }
      try {
        const existing = this.store.employeeByUsername(row.username);
        if (row.ops === 'REMOVE') {
          if (!existing) throw new WorkPlusError(WorkPlusCode.EmployeeNotFound);
          this.store.removeEmployee(existing.id);
          result.successes[key] = existing.id;
        } else if (existing) {
          result.successes[key] = this.update(existing.id, row).employee_id.id;
        } else {
          result.successes[key] = this.create(row).employee_id.id;
        }
      } catch (error) {
        result.failures[key] = error instanceof WorkPlusError ? error.message : 'internal error.';
      }
    });
    return result;
  }

  // ---- organisation ----

  rootNode(): WorkPlusOrgNode {
    return this.store.toOrgNode(this.store.root);
  }

  node(id: string): WorkPlusOrgNode {
    return this.store.toOrgNode(id);
  }

  deleteNode(id: string): Record<string, never> {
    this.store.deleteNode(id);
    return {};
  }

  tree(orgId: string | undefined): WorkPlusOrgTreeNode {
    return this.store.toTree(orgId || this.store.root);
  }

  listAll(orgId: string | undefined): WorkPlusListAllResult {
    return this.store.subtreeIds(orgId || this.store.root).map((id) => this.store.toOrgNode(id));
  }

  pageOrgs(q: PageOrgsQueryDto): WorkPlusPageOrgsResult {
    const kw = q.kw?.trim().toLowerCase();
    const since = count(q.refresh_time, 0);
    let ids = this.store.nodeIds();
    if (kw || since > 0) {
      ids = ids.filter((id) => {
        const data = this.store.nodeData(id);
        return (!kw || data.name.toLowerCase().includes(kw)) && data.lastModified >= since;
      });
    }
    const skip = count(q.skip, 0);
    const limit = count(q.limit, ids.length);
    let records = ids.slice(skip, skip + limit).map((id) => this.store.toOrgNode(id));
    if (records.length && this.faults.take('short_page')) records = shorten(records);
    return { total_count: ids.length, records };
  }

  /** One node with one page of its direct employees and one page of its children (O(page), not O(N)). */
  view(q: ViewQueryDto): WorkPlusViewResult {
    const id = q.org_id || this.store.root;
    const employeeIds = this.store.directEmployeeIds(id);
    const childIds = this.store.childIds(id);
    const eSkip = count(q.employee_skip, 0);
    const eLimit = count(q.employee_limit, employeeIds.length);
    const oSkip = count(q.org_skip, 0);
    const oLimit = count(q.org_limit, childIds.length);
    let employees = employeeIds.slice(eSkip, eSkip + eLimit).map((e) => this.listItem(this.store.employee(e)!));
    if (employees.length && this.faults.take('short_page')) employees = shorten(employees);
    const counting = q.counting !== 'false';
    const children = childIds.slice(oSkip, oSkip + oLimit).map((c) => {
      const child = this.store.toOrgNode(c);
      return counting ? child : { ...child, all_employee_count: 0 };
    });
    const node = this.store.toOrgNode(id, employees, children);
    return [counting ? node : { ...node, all_employee_count: 0 }];
  }

  // ---- mutations (emulator admin) ----

  /**
   * Changes the given number of people, deterministically for a seed: resign (locked), rename
   * (new username, same ids), move (primary position to another department), hire (new people).
   * Existing people are drawn without repetition from the active ones.
   */
  mutate(request: MutationsDto): MutationResult {
    this.mutationBatches += 1;
    const seed = request.seed ?? (this.options.seed * 31 + this.mutationBatches) >>> 0;
    const prng = new Prng(seed);
    const now = this.options.clock();
    const wanted = { resign: request.resign ?? 0, rename: request.rename ?? 0, move: request.move ?? 0, hire: request.hire ?? 0 };
    const active = [...this.store.allEmployees()].filter((e) => !e.locked);
    const needed = wanted.resign + wanted.rename + wanted.move;
    if (needed > active.length)
      throw new WorkPlusError(WorkPlusCode.BadRequest, `only ${active.length} active employees; ${needed} asked to resign, rename or move.`);
    for (let i = 0; i < needed; i += 1) {
      const j = i + Math.floor(prng.next() * (active.length - i));
      [active[i], active[j]] = [active[j], active[i]];
    }
    const departments = this.store.nodeIds().filter((id) => id !== this.store.root);
    const anyDepartment = departments.length ? departments : [this.store.root];
    const result: MutationResult = { seed, hired: [], moved: [], renamed: [], resigned: [] };
    let at = 0;
    for (let i = 0; i < wanted.resign; i += 1) {
      const e = active[at++];
      this.store.setLocked(e.id, true, now);
      result.resigned.push({ id: e.id, username: e.username });
    }
    for (let i = 0; i < wanted.rename; i += 1) {
      const e = active[at++];
      let username = `${e.username}.${prng.base62(3).toLowerCase()}`;
      while (this.store.employeeByUsername(username)) username = `${e.username}.${prng.base62(4).toLowerCase()}`;
      this.store.replaceEmployee({ ...e, username, lastModified: now });
      result.renamed.push({ id: e.id, user_id: e.userId, from_username: e.username, to_username: username });
    }
    for (let i = 0; i < wanted.move; i += 1) {
      const e = active[at++];
      const primary = e.positions.find((p) => p.primary) ?? e.positions[0];
      const from = primary?.orgId ?? this.store.root;
      const choices = anyDepartment.filter((d) => d !== from && !e.positions.some((p) => p.orgId === d));
      const to = choices.length ? prng.pick(choices) : from;
      const positions: PositionData[] = primary ? e.positions.map((p) => (p === primary ? { ...p, orgId: to } : p)) : [newPosition(prng, to, true)];
      this.store.replaceEmployee({ ...e, positions, lastModified: now });
      result.moved.push({ id: e.id, username: e.username, from_org_id: from, to_org_id: to });
    }
    const factory = new PersonFactory(
      this.options.emailDomain,
      [...this.store.allEmployees()].map((e) => e.username),
    );
    for (let i = 0; i < wanted.hire; i += 1) {
      const person = factory.create(prng, this.store.employeeCount + 1);
      const org = prng.pick(anyDepartment);
      person.positions.push(newPosition(prng, org, true));
      person.created = now;
      person.lastModified = now;
      person.sortOrder = this.store.employeeCount + 1;
      this.store.addEmployee(person);
      result.hired.push({ id: person.id, user_id: person.userId, username: person.username, org_id: org });
    }
    this.logger.log(
      `Mutations (seed ${seed}): ${result.hired.length} hired, ${result.moved.length} moved, ${result.renamed.length} renamed, ${result.resigned.length} resigned`,
    );
    return result;
  }

  // ---- helpers ----

  /** The stored fields of a create/update body (everything but ids, username, lock state). */
  private fields(dto: EmployeeFieldsDto, now: number): Omit<EmployeeData, 'id' | 'userId' | 'username' | 'locked' | 'status' | 'created'> {
    const { pinyin, initial } = pinyinOf(dto.name);
    const positions = this.positions(dto.positions);
    const tagNames = (dto.tag_names ?? []).map((t) => `${t.group}-${t.tag}`);
    const tags = dto.tags ?? tagNames.map((name) => this.tagId(name));
    const extra: Record<string, unknown> = {};
    const known = new Set([
      'name',
      'email',
      'mobile',
      'sn',
      'sort_order',
      'senior',
      'gender',
      'id_card',
      'tags',
      'tag_names',
      'rank',
      'positions',
      'properties',
      'username',
      'user_id',
      'password',
      'source_credentials',
      'ops',
    ]);
    for (const [key, value] of Object.entries(dto)) if (!known.has(key) && value !== undefined) extra[key] = value;
    return {
      name: dto.name,
      displayName: dto.name,
      pinyin,
      initial,
      gender: (dto.gender ?? '').toUpperCase(),
      email: dto.email ?? '',
      mobile: dto.mobile ?? '',
      sn: dto.sn ?? '',
      nickname: dto.name,
      sortOrder: dto.sort_order ?? 999,
      senior: dto.senior ?? false,
      rank: dto.rank ?? 0,
      tags,
      tagNames,
      properties: (dto.properties ?? []).map((p) => ({ data_schema_id: p.data_schema_id, values: p.values })),
      positions,
      lastModified: now,
      idCard: dto.id_card ?? '',
      extra,
    };
  }

  private positions(list: EmployeePositionDto[]): PositionData[] {
    const out = list.map((p): PositionData => {
      const orgId = p.org_id !== undefined && p.org_id !== null ? String(p.org_id) : this.store.nodeByNamePath(p.org_path ?? '');
      if (orgId === undefined || !this.store.hasNode(orgId)) {
        throw new WorkPlusError(WorkPlusCode.OrganizationNotFound, `organization ${p.org_id ?? p.org_path ?? ''} not found.`);
      }
      return { id: this.ids.hex(32), orgId, jobTitle: p.job_title ?? p.jobTitle ?? '', primary: p.primary ?? false, chief: p.chief ?? false };
    });
    if (out.length && !out.some((p) => p.primary)) out[0].primary = true;
    return out;
  }

  private tagId(name: string): number {
    let id = this.tagIds.get(name);
    if (id === undefined) {
      id = this.tagIds.size + 1;
      this.tagIds.set(name, id);
    }
    return id;
  }
}

function describe(errors: ValidationError[], prefix = ''): string {
  const out: string[] = [];
  for (const e of errors) {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints)
      out.push(...Object.values(e.constraints).map((m) => (m.startsWith(e.property) ? `${prefix ? `${prefix}.` : ''}${m}` : `${field}: ${m}`)));
    if (e.children?.length) out.push(describe(e.children, field));
  }
  return out.join('; ');
}

export { describe as describeValidationErrors };
