/**
 * The directory emulator at scale: generates an organisation (100,000 employees by default),
 * prints generation time and memory, then reads the whole organisation over real HTTP the way
 * the bridge's directory source does: every node through `/page-orgs`, then each node's direct
 * employees through `/view` pages. Server and client share this process (and its CPU).
 *
 *   npm run bench:emulator -- [--employees 100000] [--departments 2000] [--seed 1] [--page 500] [--concurrency 4]
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { WorkPlusEnvelope, WorkPlusPageOrgsResult, WorkPlusTokenResult, WorkPlusViewResult } from '#app/workplus';
import { createEmulatorApp } from '../apps/directory-emulator/src/bootstrap.js';
import { generateOrganisation } from '../apps/directory-emulator/src/organisation/generator.js';
import { DirectoryStore } from '../apps/directory-emulator/src/organisation/store.js';

const { values } = parseArgs({
  options: {
    employees: { type: 'string', default: '100000' },
    departments: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    page: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
  },
});
const employees = Number(values.employees);
const departments = Number(values.departments);
const seed = Number(values.seed);
const page = Number(values.page);
const concurrency = Number(values.concurrency);

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (t: number): string => `${Math.round(t)} ms`;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function getJson<T>(url: string): Promise<{ body: WorkPlusEnvelope<T>; bytes: number }> {
  const res = await fetch(url);
  const text = await res.text();
  const body = JSON.parse(text) as WorkPlusEnvelope<T>;
  if (res.status !== 200 || body.status !== 0) throw new Error(`${url}: HTTP ${res.status}, status ${body.status} ${body.message}`);
  return { body, bytes: text.length };
}

async function main(): Promise<void> {
  console.log(
    `Directory emulator benchmark: ${employees} employees, ${departments} departments, seed ${seed}, /view pages of ${page}, ${concurrency} concurrent readers (Node ${process.version})`,
  );
  gc();
  const baseline = process.memoryUsage();

  // 1. Generation alone, then the indexed store (in a scope of its own, so that it is collected before memory is measured).
  const standalone = (): void => {
    const t0 = performance.now();
    const org = generateOrganisation({ employees, departments, seed });
    const generation = performance.now() - t0;
    const t1 = performance.now();
    const store = new DirectoryStore(org, 'omflow', 'omflow-demo');
    const indexing = performance.now() - t1;
    console.log(`generate: ${ms(generation)}; index: ${ms(indexing)} (${store.employeeCount} employees, ${store.nodeCount} nodes)`);
  };
  standalone();
  gc();

  // 2. The whole emulator (generates again inside), and its memory.
  let t = performance.now();
  const app = await createEmulatorApp({ employees, departments, seed, logger: false, docs: false });
  await app.listen(0, '127.0.0.1');
  const startup = performance.now() - t;
  gc();
  const loaded = process.memoryUsage();
  console.log(`emulator start-up (generation included): ${ms(startup)}`);
  console.log(`memory after start-up: heap ${mb(loaded.heapUsed)} (+${mb(loaded.heapUsed - baseline.heapUsed)} over the empty process), RSS ${mb(loaded.rss)}`);

  const { port } = app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  try {
    const tokenRes = await fetch(`${base}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        scope: 'app',
        domain_id: 'omflow',
        org_id: 'omflow-demo',
        client_id: 'hr-bridge',
        client_secret: 'hr-bridge-secret',
      }),
    });
    const token = ((await tokenRes.json()) as WorkPlusEnvelope<WorkPlusTokenResult>).result.access_token;
    const org = `${base}/v1/admin/organizations/omflow-demo`;

    // 3. Read everything: nodes through /page-orgs, employees through /view pages.
    t = performance.now();
    const nodes: { id: string; employee_count: number }[] = [];
    let requests = 0;
    let bytes = 0;
    for (let skip = 0; ; skip += 1000) {
      const { body, bytes: b } = await getJson<WorkPlusPageOrgsResult>(`${org}/page-orgs?access_token=${token}&skip=${skip}&limit=1000`);
      requests += 1;
      bytes += b;
      nodes.push(...body.result.records.map((n) => ({ id: n.id, employee_count: n.employee_count })));
      if (nodes.length >= body.result.total_count || !body.result.records.length) break;
    }
    const pages: string[] = [];
    for (const node of nodes) {
      for (let skip = 0; skip < node.employee_count; skip += page) {
        pages.push(`${org}/view?access_token=${token}&org_id=${node.id}&employee_skip=${skip}&employee_limit=${page}&org_skip=0&org_limit=0&counting=false`);
      }
    }
    const seen = new Set<string>();
    let rows = 0;
    let next = 0;
    const latencies: number[] = [];
    const reader = async (): Promise<void> => {
      while (next < pages.length) {
        const url = pages[next++];
        const started = performance.now();
        const { body, bytes: b } = await getJson<WorkPlusViewResult>(url);
        latencies.push(performance.now() - started);
        requests += 1;
        bytes += b;
        for (const e of body.result[0].employees) {
          rows += 1;
          seen.add(e.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => reader()));
    const reading = performance.now() - t;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): string => `${latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))].toFixed(1)} ms`;
    if (seen.size !== employees) throw new Error(`read ${seen.size} distinct employees, expected ${employees}`);
    console.log(
      `read the whole organisation over HTTP: ${ms(reading)} — ${nodes.length} nodes, ${rows} employee rows (${seen.size} distinct), ${requests} requests, ${mb(bytes)} of JSON, ` +
        `${Math.round(seen.size / (reading / 1000))} employees/s; /view page latency p50 ${pct(50)}, p95 ${pct(95)}, p99 ${pct(99)}`,
    );
    gc();
    console.log(`memory after the read: heap ${mb(process.memoryUsage().heapUsed)} (serialised employees are cached), RSS ${mb(process.memoryUsage().rss)}`);
  } finally {
    await app.close();
  }
  console.log(
    `reproduce: npm run bench:emulator -- --employees ${employees} --departments ${departments} --seed ${seed} --page ${page} --concurrency ${concurrency}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
