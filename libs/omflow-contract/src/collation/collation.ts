import { inflateRawSync } from 'node:zlib';
import { COLLATION_WEIGHTS } from './weights.generated.js';

/**
 * The MySQL collations OMFLOW's database may use (OMFLOW_COLLATION), the first the default:
 * how its user query API compares and orders text. On MySQL/MariaDB the bridge names the
 * collation in its statements; on SQLite it compares the keys below, which follow the same
 * collation's weights (read from MariaDB, scripts/collation-weights.mjs).
 */
export const OMFLOW_COLLATIONS = ['utf8mb4_unicode_ci', 'utf8mb4_general_ci', 'utf8mb4_0900_ai_ci'] as const;
export type OmflowCollationName = (typeof OMFLOW_COLLATIONS)[number];

interface CollationRules {
  /** PAD SPACE: trailing spaces do not count (`'a' = 'a  '`); NO PAD: they do. */
  padSpace: boolean;
  /** The weight of U+0020, which pads the shorter side of a PAD SPACE comparison. */
  space: number;
  /** Canonically equivalent sequences weigh the same (the collation has contractions for them). */
  normalize: boolean;
  /** LIKE compares these code points by code point, not by weight (MariaDB: no weights in its table). */
  likeByCodePoint: (cp: number) => boolean;
}

const RULES: Record<OmflowCollationName, CollationRules> = {
  // UCA 4.0.0, level 1, PAD SPACE; characters above U+FFFF all weigh 0xFFFD (but LIKE tells them apart).
  utf8mb4_unicode_ci: { padSpace: true, space: 0x0209, normalize: false, likeByCodePoint: (cp) => cp > 0xffff },
  // One weight per character (its upper case, roughly), PAD SPACE; above U+FFFF all weigh 0xFFFD, in LIKE too.
  utf8mb4_general_ci: { padSpace: true, space: 0x0020, normalize: false, likeByCodePoint: () => false },
  // MySQL 8's UCA 9.0.0 collation, NO PAD; read from MariaDB's equivalent (UCA 14.0.0), which has contractions.
  utf8mb4_0900_ai_ci: { padSpace: false, space: 0x0209, normalize: true, likeByCodePoint: () => false },
};

/** Where key code points start: every weight w becomes KEY_BASE + 4w + 2 (UTF-8 keeps their order bytewise). */
const KEY_BASE = 0x10000;

/** The weights of every code point: BMP ones indexed directly, the others in runs. */
class WeightTable {
  private readonly start = new Uint32Array(0x10000);
  private readonly length = new Uint8Array(0x10000);
  private readonly pool: number[] = [];
  /** Runs above U+FFFF: first code point, count, first weights, deltas. */
  private readonly high: { from: number; count: number; w: number[]; d: number[] }[] = [];

  constructor(packed: string) {
    const bytes = inflateRawSync(Buffer.from(packed, 'base64'));
    let at = 0;
    const varint = (): number => {
      let n = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[at++];
        n += (b & 0x7f) * 2 ** shift;
        if (b < 0x80) return n;
        shift += 7;
      }
    };
    for (let cp = 0; at < bytes.length;) {
      const count = varint();
      const n = bytes[at++];
      const w: number[] = [];
      for (let i = 0; i < n; i++) w.push(varint());
      const d: number[] = [];
      for (let i = 0; i < n; i++) {
        const z = varint();
        d.push(z % 2 ? -(z + 1) / 2 : z / 2);
      }
      for (let k = 0; k < count && cp + k < 0x10000; k++) {
        this.start[cp + k] = this.pool.length;
        this.length[cp + k] = n;
        for (let i = 0; i < n; i++) this.pool.push(w[i] + d[i] * k);
      }
      if (cp + count > 0x10000) {
        const skip = Math.max(0, 0x10000 - cp);
        this.high.push({ from: cp + skip, count: count - skip, w: w.map((v, i) => v + d[i] * skip), d });
      }
      cp += count;
    }
  }

  /** Appends the weights of `cp` to `out`. */
  weights(cp: number, out: number[]): void {
    if (cp < 0x10000) {
      const s = this.start[cp];
      for (let i = 0, n = this.length[cp]; i < n; i++) out.push(this.pool[s + i]);
      return;
    }
    let lo = 0;
    let hi = this.high.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const run = this.high[mid];
      if (cp < run.from) hi = mid - 1;
      else if (cp >= run.from + run.count) lo = mid + 1;
      else {
        const k = cp - run.from;
        for (let i = 0; i < run.w.length; i++) out.push(run.w[i] + run.d[i] * k);
        return;
      }
    }
  }
}

/**
 * A MySQL collation, reproduced: `key` gives a string whose binary order (and equality) is the
 * collation's order (and equality) of the original, so that SQLite, comparing bytes, answers as
 * MySQL does; `fold` gives a string in which a substring search is MySQL's LIKE '%…%' (which
 * compares character by character, so that 'ß' is 'ss' for `=` but not for LIKE).
 */
export class OmflowCollation {
  private readonly rules: CollationRules;
  private readonly table: WeightTable;
  /** LIKE classes: one code point per class of characters LIKE takes as equal (this process only). */
  private readonly classes = new Map<string, number>();
  private readonly foldBmp = new Uint32Array(0x10000);
  private readonly foldHigh = new Map<number, number>();

  constructor(readonly name: OmflowCollationName) {
    this.rules = RULES[name];
    this.table = new WeightTable(COLLATION_WEIGHTS[name]);
  }

  /** The collation's sort key of `text`: equal keys for equal texts, binary order for collation order. */
  key(text: string): string {
    const { padSpace, space, normalize } = this.rules;
    const source = normalize ? text.normalize('NFC') : text;
    const weights: number[] = [];
    for (const ch of source) this.table.weights(ch.codePointAt(0)!, weights);
    let end = weights.length;
    if (padSpace) while (end > 0 && weights[end - 1] === space) end--;
    const codes = new Array<number>(end + (padSpace ? 1 : 0));
    for (let i = 0; i < end; i++) {
      const w = weights[i];
      if (padSpace && w === space) {
        // A space sorts against what follows it (the shorter side is padded with spaces): before the
        // end of a string when the next non-space weight is smaller, after it when larger.
        let j = i + 1;
        while (weights[j] === space) j++;
        codes[i] = KEY_BASE + 4 * space + (weights[j] < space ? 1 : 3);
      } else codes[i] = KEY_BASE + 4 * w + 2;
    }
    if (padSpace) codes[end] = KEY_BASE + 4 * space + 2;
    let out = '';
    for (let i = 0; i < codes.length; i += 4096) out += String.fromCodePoint(...codes.slice(i, i + 4096));
    return out;
  }

  /** `text` with each character replaced by its LIKE class: `a` LIKE '%b%' when fold(b) is a substring of fold(a). */
  fold(text: string): string {
    let out = '';
    for (const ch of text) out += String.fromCodePoint(this.likeClass(ch.codePointAt(0)!));
    return out;
  }

  /** Whether `text` contains `part` as MySQL's `LIKE '%part%'` (Django's icontains) decides. */
  contains(text: string, part: string): boolean {
    return this.fold(text).includes(this.fold(part));
  }

  private likeClass(cp: number): number {
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x10000) {
      const known = this.foldBmp[cp];
      if (known) return known;
      return (this.foldBmp[cp] = this.classOf(cp));
    }
    let known = this.foldHigh.get(cp);
    if (known === undefined) this.foldHigh.set(cp, (known = this.classOf(cp)));
    return known;
  }

  private classOf(cp: number): number {
    let signature: string;
    if (this.rules.likeByCodePoint(cp)) signature = `#${cp}`;
    else {
      const weights: number[] = [];
      this.table.weights(cp, weights);
      signature = weights.join(',');
    }
    let id = this.classes.get(signature);
    if (id === undefined) {
      const n = this.classes.size + 1;
      // Class numbers as code points, skipping the surrogates.
      id = n < 0xd800 ? n : n + 0x800;
      this.classes.set(signature, id);
    }
    return id;
  }
}

const instances = new Map<OmflowCollationName, OmflowCollation>();

/** The collation named `name` (tables are decoded once per process). */
export function omflowCollation(name: OmflowCollationName): OmflowCollation {
  let collation = instances.get(name);
  if (!collation) instances.set(name, (collation = new OmflowCollation(name)));
  return collation;
}
