import { Agent, request } from 'undici';
import type { WorkPlusEnvelope, WorkPlusPageOrgsResult, WorkPlusTokenResult, WorkPlusViewResult } from '#app/workplus';

export interface FloorRead {
  ms: number;
  /** CPU time (user + system) of this process during the read. */
  cpuMs: number;
  requests: number;
  /** Bytes of JSON received. */
  bytes: number;
  nodes: number;
  /** Employee rows (people with several positions count once per department). */
  rows: number;
  distinct: number;
}

/**
 * The fetch-and-parse floor: exactly the HTTP calls of the bridge's directory source
 * (libs/hr-source/src/directory/directory-source.ts) with undici and JSON.parse, and nothing
 * else: `/v1/token`, `/page-orgs` pages, then each department's `/view` pages, `concurrency`
 * departments at a time (each department's pages in turn).
 */
export async function fetchAndParse(
  target: { url: string; orgCode: string; domainId: string; clientId: string; clientSecret: string },
  pageSize: number,
  concurrency = 4,
): Promise<FloorRead> {
  const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
  let requests = 0;
  let bytes = 0;
  const call = async <T>(method: 'GET' | 'POST', path: string, query: Record<string, string | number | boolean>, body?: unknown): Promise<T> => {
    const url = new URL(`${target.url}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    const res = await request(url, {
      method,
      dispatcher: agent,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    requests += 1;
    bytes += Buffer.byteLength(text);
    const envelope = JSON.parse(text) as WorkPlusEnvelope<T>;
    if (res.statusCode !== 200 || envelope.status !== 0) throw new Error(`${path}: HTTP ${res.statusCode}, status ${envelope.status} ${envelope.message}`);
    return envelope.result;
  };
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    const token = (
      await call<WorkPlusTokenResult>(
        'POST',
        '/v1/token',
        {},
        {
          grant_type: 'client_credentials',
          scope: 'app',
          domain_id: target.domainId,
          org_id: target.orgCode,
          client_id: target.clientId,
          client_secret: target.clientSecret,
        },
      )
    ).access_token;
    const base = `/v1/admin/organizations/${encodeURIComponent(target.orgCode)}`;
    const nodes: { id: string; employees: number }[] = [];
    let total: number | null = null;
    for (let skip = 0; total === null || skip < total; skip += pageSize) {
      const page = await call<WorkPlusPageOrgsResult>('GET', `${base}/page-orgs`, { skip, limit: pageSize, access_token: token });
      total ??= page.total_count;
      for (const n of page.records) nodes.push({ id: n.id, employees: n.employee_count });
      if (!page.records.length) break;
    }
    const withPeople = nodes.filter((n) => n.employees > 0);
    const seen = new Set<string>();
    let rows = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < withPeople.length) {
        const node = withPeople[next++];
        for (let skip = 0; skip < node.employees; skip += pageSize) {
          const result = await call<WorkPlusViewResult>('GET', `${base}/view`, {
            org_id: node.id,
            employee_skip: skip,
            employee_limit: pageSize,
            org_limit: 0,
            counting: false,
            access_token: token,
          });
          for (const e of result[0].employees) {
            rows += 1;
            seen.add(e.id);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, requests, bytes, nodes: nodes.length, rows, distinct: seen.size };
  } finally {
    await agent.close();
  }
}
