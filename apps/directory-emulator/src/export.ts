import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateOrganisation } from './organisation/generator.js';
import { exportOrganisation } from './organisation/org-file.js';
import { DirectoryStore } from './organisation/store.js';
import { DEFAULT_OPTIONS } from './options.js';

const USAGE = `Usage: node dist/apps/directory-emulator/src/export.js --out <file> [--employees 300] [--departments 40] [--seed 1]
       [--data-problems 0] [--no-tree] [--org-code omflow-demo] [--domain-id omflow] [--org-name "OMFLOW 示例集团"] [--email-domain example.com]

Writes a generated organisation in the shape of the directory's employee-list answer
({"status":0,"message":"ok","result":[employees]}), with "tree" (every node, flat) unless --no-tree.`;

function number(name: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max) throw new Error(`--${name} must be a number between 0 and ${max}, got "${raw}"`);
  return value;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      employees: { type: 'string' },
      departments: { type: 'string' },
      seed: { type: 'string' },
      'data-problems': { type: 'string' },
      'no-tree': { type: 'boolean' },
      'org-code': { type: 'string' },
      'domain-id': { type: 'string' },
      'org-name': { type: 'string' },
      'email-domain': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.out) {
    console.error(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const employees = Math.floor(number('employees', values.employees, DEFAULT_OPTIONS.employees, 2_000_000));
  const departments = Math.max(1, Math.floor(number('departments', values.departments, DEFAULT_OPTIONS.departments, 200_000)));
  const seed = Math.floor(number('seed', values.seed, DEFAULT_OPTIONS.seed, 4294967295));
  const dataProblems = number('data-problems', values['data-problems'], 0, 1);
  const org = generateOrganisation({
    employees,
    departments,
    seed,
    dataProblems,
    rootName: values['org-name'] ?? DEFAULT_OPTIONS.orgName,
    emailDomain: values['email-domain'] ?? DEFAULT_OPTIONS.emailDomain,
  });
  const store = new DirectoryStore(org, values['domain-id'] ?? DEFAULT_OPTIONS.domainId, values['org-code'] ?? DEFAULT_OPTIONS.orgCode);
  const text = JSON.stringify(exportOrganisation(store, !values['no-tree']));
  writeFileSync(values.out, text);
  console.log(`Wrote ${values.out}: ${store.employeeCount} employees, ${store.nodeCount} nodes, ${text.length} characters (seed ${seed}).`);
}

try {
  main();
} catch (error) {
  console.error(`export: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
