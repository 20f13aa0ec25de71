import type { OrgNodeType } from '#app/workplus';
import type { EmployeeData, NodeData, OrganisationData, PositionData } from './model.js';
import { CORP_NAMES, DIVISION_NAMES, GIVEN_CHARS, JOB_TITLES, LATIN_FIRST, LATIN_LAST, SURNAMES, TEAM_NAMES, pinyinOf } from './names.js';
import { Prng } from './prng.js';

export interface GeneratorOptions {
  employees: number;
  /** Departments below the root (the root company is one more node). */
  departments: number;
  seed: number;
  /** Share of employees (0..1) given a deliberate data problem; 0 = a clean organisation. */
  dataProblems?: number;
  /** The root node's name. */
  rootName?: string;
  /** The domain of generated e-mail addresses. */
  emailDomain?: string;
}

/** Fixed so that the same seed gives byte-identical output: 2020-01-01T00:00:00Z. */
const EPOCH = Date.UTC(2020, 0, 1);
const THREE_YEARS = 3 * 365 * 24 * 3600 * 1000;

/** The tree depth (levels, root = 1) for M departments: 3 for a few dozen, up to 7 for tens of thousands. */
export function depthFor(departments: number): number {
  return Math.max(3, Math.min(7, 2 + Math.ceil(Math.log10(Math.max(departments, 1) + 1))));
}

/**
 * A realistic organisation, deterministic from the seed: a tree of `departments` nodes under a
 * root CORP (depth 3 to 7, preferential attachment gives a few wide and many narrow nodes),
 * `employees` people spread with Zipf-like skew, Chinese (about 70%) and Latin names with pinyin
 * and initials, about 9% with a second (or third) position, about 3% locked, some chiefs and
 * seniors; with `dataProblems` > 0, that share of people (at least 3) get a duplicate e-mail, no
 * e-mail or an over-long name, in turn.
 */
export function generateOrganisation(options: GeneratorOptions): OrganisationData {
  const prng = new Prng(options.seed);
  const nodes = generateTree(prng.fork(1), options.departments, options.rootName ?? 'OMFLOW 示例集团');
  const employees = generateEmployees(prng.fork(2), nodes, options);
  return { name: nodes[0].name, nodes, employees };
}

function generateTree(prng: Prng, departments: number, rootName: string): NodeData[] {
  const depth = depthFor(departments);
  const root: NodeData = { id: prng.base62(22), name: rootName, type: 'CORP', parentId: null, sortOrder: 1, sn: '0', created: EPOCH, lastModified: EPOCH };
  const all: NodeData[] = [root];
  const level = new Map<string, number>([[root.id, 1]]);
  const childNames = new Map<string, Set<string>>();
  const childCount = new Map<string, number>();
  // Preferential attachment: every node below the maximum depth sits in `slots` once, plus once per child.
  const slots: string[] = [root.id];

  const add = (parentId: string): NodeData => {
    const parentLevel = level.get(parentId)!;
    const lvl = parentLevel + 1;
    const type: OrgNodeType = lvl === 2 && prng.chance(0.2) ? 'CORP' : 'DEPT';
    const pool = type === 'CORP' ? CORP_NAMES : lvl === 2 ? DIVISION_NAMES : prng.chance(0.25) ? DIVISION_NAMES : TEAM_NAMES;
    const taken = childNames.get(parentId) ?? new Set<string>();
    childNames.set(parentId, taken);
    let name = prng.pick(pool);
    for (let n = 2; taken.has(name); n += 1) name = `${prng.pick(pool)}${n > 4 ? ` ${n}` : ''}`;
    taken.add(name);
    const order = (childCount.get(parentId) ?? 0) + 1;
    childCount.set(parentId, order);
    const created = EPOCH + prng.int(0, THREE_YEARS);
    const node: NodeData = {
      id: prng.base62(22),
      name,
      type,
      parentId,
      sortOrder: order,
      sn: String(all.length),
      created,
      lastModified: created + prng.int(0, THREE_YEARS / 3),
    };
    all.push(node);
    level.set(node.id, lvl);
    slots.push(parentId);
    if (lvl < depth) slots.push(node.id);
    return node;
  };

  // A first chain guarantees the tree reaches its depth.
  let tip = root.id;
  for (let l = 2; l <= depth && all.length <= departments; l += 1) tip = add(tip).id;
  while (all.length <= departments) add(slots[Math.floor(prng.next() * slots.length)]);
  return preorder(all);
}

/** The nodes in pre-order (parents before children, siblings by sort order). */
export function preorder(nodes: NodeData[]): NodeData[] {
  const children = new Map<string | null, NodeData[]>();
  for (const node of nodes) {
    const list = children.get(node.parentId) ?? [];
    list.push(node);
    children.set(node.parentId, list);
  }
  const out: NodeData[] = [];
  const stack = [...(children.get(null) ?? [])].reverse();
  while (stack.length) {
    const node = stack.pop()!;
    out.push(node);
    const kids = children.get(node.id);
    if (kids) for (let i = kids.length - 1; i >= 0; i -= 1) stack.push(kids[i]);
  }
  return out;
}

/** Picks departments with a skewed (Zipf-like) distribution in O(log M). */
class DepartmentPicker {
  private readonly cumulative: number[] = [];
  private total = 0;

  constructor(
    private readonly nodes: NodeData[],
    prng: Prng,
  ) {
    const ranks = nodes.map((_, i) => i + 1);
    for (let i = ranks.length - 1; i > 0; i -= 1) {
      const j = Math.floor(prng.next() * (i + 1));
      [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
    }
    nodes.forEach((node, i) => {
      // The root holds only a few people (the executives).
      const weight = node.parentId === null ? 0.2 : 1 / Math.pow(ranks[i], 0.9);
      this.total += weight;
      this.cumulative.push(this.total);
    });
  }

  pick(prng: Prng): NodeData {
    const target = prng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return this.nodes[lo];
  }
}

/** Creates people; shared with the emulator's `hire` mutation. */
export class PersonFactory {
  private readonly usernames = new Set<string>();
  private readonly suffix = new Map<string, number>();

  constructor(
    private readonly emailDomain: string,
    existing: Iterable<string> = [],
  ) {
    for (const u of existing) this.usernames.add(u);
  }

  /** A new person (no positions yet) with a unique username. `index` numbers the employee (sn). */
  create(prng: Prng, index: number): EmployeeData {
    const chinese = prng.chance(0.7);
    let name: string;
    let base: string;
    if (chinese) {
      const [surname] = prng.pick(SURNAMES);
      const given = prng.chance(0.6) ? prng.pick(GIVEN_CHARS)[0] + prng.pick(GIVEN_CHARS)[0] : prng.pick(GIVEN_CHARS)[0];
      name = surname + given;
      base = pinyinOf(name).pinyin;
    } else {
      const first = prng.pick(LATIN_FIRST);
      const last = prng.pick(LATIN_LAST);
      name = `${first} ${last}`;
      base = `${first}.${last}`.toLowerCase();
    }
    const username = this.uniqueUsername(base);
    const { pinyin, initial } = pinyinOf(name);
    const created = EPOCH + prng.int(0, THREE_YEARS);
    return {
      id: prng.hex(32),
      userId: prng.hex(32),
      username,
      name,
      displayName: name,
      pinyin,
      initial,
      gender: prng.chance(0.5) ? 'MALE' : 'FEMALE',
      email: `${username}@${this.emailDomain}`,
      mobile: `1${prng.pick(['3', '5', '7', '8'])}${String(prng.int(0, 999_999_999)).padStart(9, '0')}`,
      sn: `E${String(index).padStart(6, '0')}`,
      nickname: name,
      sortOrder: 999,
      senior: false,
      locked: false,
      status: prng.chance(0.9) ? 'ACTIVATED' : 'INITIALIZED',
      rank: prng.int(0, 5),
      tags: [],
      tagNames: [],
      properties: [],
      positions: [],
      created,
      lastModified: created + prng.int(0, THREE_YEARS / 3),
      idCard: '',
      extra: {},
    };
  }

  /** Frees a username (after a delete or a rename) and reserves another. */
  release(username: string): void {
    this.usernames.delete(username);
  }

  uniqueUsername(base: string): string {
    let candidate = base;
    while (this.usernames.has(candidate)) {
      const n = (this.suffix.get(base) ?? 1) + 1;
      this.suffix.set(base, n);
      candidate = `${base}${n}`;
    }
    this.usernames.add(candidate);
    return candidate;
  }
}

export function newPosition(prng: Prng, orgId: string, primary: boolean, chief = false): PositionData {
  return { id: prng.hex(32), orgId, jobTitle: prng.pick(JOB_TITLES), primary, chief };
}

function generateEmployees(prng: Prng, nodes: NodeData[], options: GeneratorOptions): EmployeeData[] {
  const factory = new PersonFactory(options.emailDomain ?? 'example.com');
  const picker = new DepartmentPicker(nodes, prng.fork(3));
  const levels = new Map<string, number>();
  for (const node of nodes) levels.set(node.id, node.parentId === null ? 1 : levels.get(node.parentId)! + 1);
  const hasChief = new Set<string>();
  const out: EmployeeData[] = [];
  for (let i = 0; i < options.employees; i += 1) {
    const person = factory.create(prng, i + 1);
    const home = picker.pick(prng);
    const chief = !hasChief.has(home.id) && prng.chance(0.3);
    if (chief) hasChief.add(home.id);
    person.positions.push(newPosition(prng, home.id, true, chief));
    person.senior = chief && levels.get(home.id)! <= 2;
    const extra = prng.chance(0.09) ? (prng.chance(0.1) ? 2 : 1) : 0;
    for (let k = 0; k < extra && nodes.length > 1; k += 1) {
      const other = picker.pick(prng);
      if (person.positions.some((p) => p.orgId === other.id)) continue;
      person.positions.push(newPosition(prng, other.id, false));
    }
    person.locked = prng.chance(0.03);
    if (prng.chance(0.05)) {
      person.tags = [1];
      person.tagNames = ['分组1-标签1'];
    }
    person.sortOrder = i + 1;
    out.push(person);
  }
  applyDataProblems(prng.fork(4), out, options.dataProblems ?? 0);
  return out;
}

/** Over-long names are longer than any column OMFLOW has for a name (50). */
export const OVERLONG_NAME_LENGTH = 64;

function applyDataProblems(prng: Prng, employees: EmployeeData[], share: number): void {
  if (share <= 0 || employees.length < 2) return;
  const count = Math.min(employees.length - 1, Math.max(3, Math.round(employees.length * share)));
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(prng.int(1, employees.length - 1));
  let turn = 0;
  for (const index of [...chosen].sort((a, b) => a - b)) {
    const person = employees[index];
    switch (turn % 3) {
      case 0:
        // A duplicate: the address of someone before, in another case (OMFLOW compares case-insensitively).
        {
          let source = employees[prng.int(0, index - 1)];
          for (let j = 0; !source.email && j < index; j += 1) source = employees[j]!;
          person.email = prng.chance(0.5) ? source.email : source.email.toUpperCase();
        }
        break;
      case 1:
        person.email = '';
        break;
      default:
        person.name = `${person.name} ${'长'.repeat(OVERLONG_NAME_LENGTH)}`.slice(0, OVERLONG_NAME_LENGTH + 8);
        person.displayName = person.name;
        break;
    }
    turn += 1;
  }
}
