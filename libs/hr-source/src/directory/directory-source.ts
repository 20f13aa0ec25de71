import { organizationPath, WorkPlusCode, type WorkPlusEnvelope, type WorkPlusOrgNode, type WorkPlusPageOrgsResult } from '#app/workplus';
import { parentFromPath } from '../file-source.js';
import { counted, HrSource, newReadProgress, SourceReadError, type ReadProgress, type SourceNode, type SourceObject, type SourceRead } from '../hr-source.js';
import { DirectoryError, type DirectoryClient } from './directory-client.js';

/**
 * Reads the organisation from the WorkPlus API with bounded memory: departments page by page
 * (`/page-orgs`, pre-order), then each department's own employees page by page (`/view`),
 * a few departments at a time. Every page is checked against the totals the directory
 * announces; a short page, a broken answer or an error status fails the read.
 */
export class DirectorySource extends HrSource {
  readonly kind = 'directory' as const;

  constructor(
    private readonly client: DirectoryClient,
    private readonly pageSize: number,
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
      employees: counted(this.employees(staffed, signal, progress), progress),
      announcedEmployees: () => (typeof announced === 'number' ? announced : null),
    };
  }

  private async get<T>(resource: 'page-orgs' | 'view', query: Record<string, string | number | boolean | undefined>, signal: AbortSignal): Promise<T> {
    const path = `/${resource}`;
    let answer: WorkPlusEnvelope<unknown>;
    try {
      answer = await this.client.call({ method: 'GET', path: organizationPath(this.client.orgCode, resource), query, signal });
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
   * Employees of every department, each person once (people with several positions appear in
   * several departments). Up to `concurrency` departments are read at a time; whichever finishes
   * first is handed on first, so one slow department does not idle the others.
   */
  private async *employees(nodes: { raw: WorkPlusOrgNode }[], signal: AbortSignal, progress: ReadProgress): AsyncIterable<SourceObject> {
    const seen = new Set<string>();
    const running = new Map<number, Promise<{ slot: number; batch: SourceObject[] }>>();
    let next = 0;
    const launch = (): void => {
      if (next >= nodes.length) return;
      const slot = next++;
      running.set(
        slot,
        this.nodeEmployees(nodes[slot].raw, signal, progress).then((batch) => ({ slot, batch })),
      );
    };
    for (let i = 0; i < this.concurrency; i++) launch();
    try {
      while (running.size) {
        const { slot, batch } = await Promise.race(running.values());
        running.delete(slot);
        launch();
        for (const employee of batch) {
          const id = employee.id as string;
          if (seen.has(id)) continue;
          seen.add(id);
          yield employee;
        }
      }
    } finally {
      // A failed or abandoned read leaves no rejection unobserved.
      for (const pending of running.values()) pending.catch(() => undefined);
    }
  }

  private async nodeEmployees(node: WorkPlusOrgNode, signal: AbortSignal, progress: ReadProgress): Promise<SourceObject[]> {
    const out: SourceObject[] = [];
    const total = node.employee_count;
    for (let skip = 0; skip < total; skip += this.pageSize) {
      const result = await this.get<WorkPlusOrgNode[]>(
        'view',
        { org_id: node.id, employee_skip: skip, employee_limit: this.pageSize, org_limit: 0, counting: false },
        signal,
      );
      progress.pages.done++;
      const view = Array.isArray(result) ? result[0] : undefined;
      if (!view || !Array.isArray(view.employees)) throw new SourceReadError(`Directory /view of ${node.id}: the answer has no employees array`);
      const expected = Math.min(this.pageSize, total - skip);
      if (view.employees.length < expected) {
        throw new SourceReadError(
          `Short read: /view of department ${node.id} at ${skip} returned ${view.employees.length} of ${expected} employees (announced ${total})`,
        );
      }
      for (const employee of view.employees as unknown[]) {
        if (typeof employee !== 'object' || employee === null || typeof (employee as { id?: unknown }).id !== 'string') {
          throw new SourceReadError(`Directory /view of ${node.id}: an employee has no id`);
        }
        out.push(employee as SourceObject);
      }
    }
    return out;
  }
}
