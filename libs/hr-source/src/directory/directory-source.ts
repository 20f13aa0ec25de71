import { USER_FIELDS } from '#app/omflow-contract';
import { organizationPath, WorkPlusCode, type WorkPlusEnvelope, type WorkPlusOrgNode, type WorkPlusPageOrgsResult } from '#app/workplus';
import type { MappedEmployee } from '../employee-mapper.js';
import { parentFromPath } from '../file-source.js';
import { counted, HrSource, newReadProgress, SourceReadError, type ReadProgress, type SourceNode, type SourceRead } from '../hr-source.js';
import type { MappingConfig } from '../mapping.js';
import { DirectoryError, type DirectoryClient, type DirectoryRequest } from './directory-client.js';
import { PageMapper } from './page-mapper.js';
import type { ViewPage } from './view-page.js';

/**
 * Reads the organisation from the WorkPlus API with bounded memory: departments page by page
 * (`/page-orgs`, pre-order), then each department's own employees page by page (`/view`),
 * a few departments at a time. Every page is checked against the totals the directory
 * announces; a short page, a broken answer or an error status fails the read. The employees'
 * pages are parsed and mapped in a worker thread (PageMapper): only mapped records reach the
 * main thread.
 */
export class DirectorySource extends HrSource {
  readonly kind = 'directory' as const;

  constructor(
    private readonly client: DirectoryClient,
    private readonly pageSize: number,
    private readonly mapping: MappingConfig,
    private readonly concurrency = 4,
  ) {
    super();
  }

  describe(): string {
    return this.client.describe();
  }

  async read(signal: AbortSignal, progress: ReadProgress = newReadProgress()): Promise<SourceRead> {
    const nodes = await this.readNodes(signal, progress);
    const root = nodes.find((n) => n.parent === null);
    if (!root) throw new SourceReadError('The directory returned no root node');
    const announced = root.raw.all_employee_count;
    const staffed = nodes.filter((n) => n.raw.employee_count > 0);
    // Every department's employee count is known now: so are the pages still to read.
    progress.pages.expected = progress.pages.done + staffed.reduce((sum, n) => sum + Math.ceil(n.raw.employee_count / this.pageSize), 0);
    progress.employees.expected = typeof announced === 'number' ? announced : null;
    return {
      nodes: nodes.map((n) => n.node),
      mapped: counted(this.employees(staffed, signal, progress), progress),
      announcedEmployees: () => (typeof announced === 'number' ? announced : null),
    };
  }

  private async get<T>(
    resource: 'page-orgs' | 'view',
    query: Record<string, string | number | boolean | undefined>,
    signal: AbortSignal,
    decode?: DirectoryRequest['decode'],
  ): Promise<T> {
    const path = `/${resource}`;
    let answer: WorkPlusEnvelope<unknown>;
    try {
      answer = await this.client.call({ method: 'GET', path: organizationPath(this.client.orgCode, resource), query, signal, decode });
    } catch (error) {
      if (error instanceof DirectoryError) throw new SourceReadError(`Directory ${path}: ${error.message}`, true);
      throw error;
    }
    if (answer.status !== WorkPlusCode.Ok) throw new SourceReadError(`Directory ${path} answered status ${answer.status}: ${answer.message}`);
    return answer.result as T;
  }

  private async readNodes(signal: AbortSignal, progress: ReadProgress): Promise<{ node: SourceNode; raw: WorkPlusOrgNode; parent: string | null }[]> {
    const out: { node: SourceNode; raw: WorkPlusOrgNode; parent: string | null }[] = [];
    let total: number | null = null;
    for (let skip = 0; total === null || skip < total; skip += this.pageSize) {
      const page = await this.get<WorkPlusPageOrgsResult>('page-orgs', { skip, limit: this.pageSize }, signal);
      if (typeof page?.total_count !== 'number' || !Array.isArray(page.records))
        throw new SourceReadError('Directory /page-orgs: the answer has no total_count or records');
      total ??= page.total_count;
      progress.pages.done++;
      progress.pages.expected ??= Math.max(1, Math.ceil(total / this.pageSize));
      progress.departments.expected = total;
      const expected = Math.min(this.pageSize, total - skip);
      if (page.records.length < expected)
        throw new SourceReadError(`Short read: /page-orgs at ${skip} returned ${page.records.length} of ${expected} departments (total ${total})`);
      for (const raw of page.records) {
        if (typeof raw?.id !== 'string' || typeof raw.name !== 'string' || typeof raw.path !== 'string' || typeof raw.employee_count !== 'number') {
          throw new SourceReadError(`Directory /page-orgs: a department lacks id, name, path or employee_count (${JSON.stringify(raw).slice(0, 200)})`);
        }
        const parent = raw.parent_org_id ?? parentFromPath(raw.path, raw.id);
        out.push({ node: { id: raw.id, name: raw.name, path: raw.path, parentId: parent, sortOrder: raw.sort_order }, raw, parent });
      }
      progress.departments.done = out.length;
      if (!page.records.length) break;
    }
    return out;
  }

  /**
   * Employees of every department, mapped, each person once (people with several positions
   * appear in several departments). Up to `concurrency` departments are read at a time;
   * whichever finishes first is handed on first, so one slow department does not idle the others.
   */
  private async *employees(nodes: { raw: WorkPlusOrgNode }[], signal: AbortSignal, progress: ReadProgress): AsyncIterable<MappedEmployee> {
    const mapper = new PageMapper({ mapping: this.mapping, fields: USER_FIELDS }, this.pageSize);
    const seen = new Set<string>();
    const running = new Map<number, Promise<{ slot: number; batch: MappedEmployee[] }>>();
    let next = 0;
    const launch = (): void => {
      if (next >= nodes.length) return;
      const slot = next++;
      running.set(
        slot,
        this.nodeEmployees(nodes[slot].raw, mapper, signal, progress).then((batch) => ({ slot, batch })),
      );
    };
    for (let i = 0; i < this.concurrency; i++) launch();
    try {
      while (running.size) {
        const { slot, batch } = await Promise.race(running.values());
        running.delete(slot);
        launch();
        for (const employee of batch) {
          if (seen.has(employee.id)) continue;
          seen.add(employee.id);
          yield employee;
        }
      }
    } finally {
      // A failed or abandoned read leaves no rejection unobserved.
      for (const pending of running.values()) pending.catch(() => undefined);
      await mapper.close();
    }
  }

  private async nodeEmployees(node: WorkPlusOrgNode, mapper: PageMapper, signal: AbortSignal, progress: ReadProgress): Promise<MappedEmployee[]> {
    const out: MappedEmployee[] = [];
    const total = node.employee_count;
    // The page is parsed and mapped by the mapper: the envelope's result is the mapped page.
    const decode: DirectoryRequest['decode'] = async (bytes, statusCode, secrets) => {
      const page = await mapper.map(bytes, secrets);
      if (page.kind === 'garbage') throw new DirectoryError('garbage', `the answer (HTTP ${statusCode}) is ${page.reason}`);
      if (page.kind === 'status') return { status: page.status, message: page.message, result: null };
      return { status: WorkPlusCode.Ok, message: page.message, result: page };
    };
    for (let skip = 0; skip < total; skip += this.pageSize) {
      const page = await this.get<Exclude<ViewPage, { kind: 'garbage' | 'status' }>>(
        'view',
        { org_id: node.id, employee_skip: skip, employee_limit: this.pageSize, org_limit: 0, counting: false },
        signal,
        decode,
      );
      progress.pages.done++;
      if (page.kind === 'no-employees') throw new SourceReadError(`Directory /view of ${node.id}: the answer has no employees array`);
      const expected = Math.min(this.pageSize, total - skip);
      if (page.count < expected) {
        throw new SourceReadError(`Short read: /view of department ${node.id} at ${skip} returned ${page.count} of ${expected} employees (announced ${total})`);
      }
      if (page.missingId) throw new SourceReadError(`Directory /view of ${node.id}: an employee has no id`);
      for (const employee of page.employees) out.push(employee);
    }
    return out;
  }
}
