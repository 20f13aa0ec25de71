import { existsSync } from 'node:fs';
import { CronTime } from 'cron';

/**
 * One environment variable: its name, default, documentation and parser.
 * The parser throws a message saying what is expected; the loader prefixes the variable name.
 */
export interface EnvVar<T> {
  readonly name: string;
  /** The default as written in `.env.example` and the README ('' for none). */
  readonly defaultText: string;
  readonly doc: string;
  /** Secrets are never echoed in error messages. */
  readonly sensitive: boolean;
  parse(raw: string | undefined): T;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
    shown?: string,
  ) {
    super(`${variable} ${expected}${shown === undefined ? '' : ` (got ${JSON.stringify(shown)})`}`);
    this.name = 'ConfigError';
  }
}

class Expectation extends Error {}

interface Options {
  doc: string;
  sensitive?: boolean;
}

function make<T>(name: string, defaultText: string, opts: Options, parse: (raw: string) => T, absent: () => T): EnvVar<T> {
  return {
    name,
    defaultText,
    doc: opts.doc,
    sensitive: opts.sensitive ?? false,
    parse(raw) {
      const value = raw?.trim();
      if (value === undefined || value === '') return absent();
      try {
        return parse(value);
      } catch (error) {
        if (error instanceof Expectation) {
          throw new ConfigError(name, error.message, opts.sensitive ? undefined : value);
        }
        throw error;
      }
    },
  };
}

function required(name: string, what: string): never {
  throw new ConfigError(name, `is required: ${what}`);
}

/** A number written as `kind.pattern`, between `opts.min` and `opts.max` (else the kind's own bounds). */
function numeric(
  name: string,
  def: number,
  opts: Options & { min?: number; max?: number },
  kind: { pattern: RegExp; what: string; min: number; max: number },
): EnvVar<number> {
  const min = opts.min ?? kind.min;
  const max = opts.max ?? kind.max;
  const expected = `must be ${kind.what} ${opts.max === undefined ? `>= ${min}` : `between ${min} and ${max}`}`;
  return make(
    name,
    String(def),
    opts,
    (raw) => {
      const n = Number(raw);
      if (!kind.pattern.test(raw) || !Number.isFinite(n) || n < min || n > max) throw new Expectation(expected);
      return n;
    },
    () => def,
  );
}

export const env = {
  string(name: string, def: string | undefined, opts: Options & { pattern?: RegExp; what?: string }): EnvVar<string> {
    return make(
      name,
      def ?? '',
      opts,
      (raw) => {
        if (opts.pattern && !opts.pattern.test(raw)) throw new Expectation(`must be ${opts.what ?? `a string matching ${opts.pattern.source}`}`);
        return raw;
      },
      () => (def === undefined ? required(name, opts.what ?? 'a value') : def),
    );
  },

  optionalString(name: string, opts: Options & { pattern?: RegExp; what?: string; minLength?: number }): EnvVar<string | undefined> {
    return make(
      name,
      '',
      opts,
      (raw) => {
        if (opts.minLength !== undefined && raw.length < opts.minLength) throw new Expectation(`must be at least ${opts.minLength} characters long`);
        if (opts.pattern && !opts.pattern.test(raw)) throw new Expectation(`must be ${opts.what ?? `a string matching ${opts.pattern.source}`}`);
        return raw;
      },
      () => undefined,
    );
  },

  int(name: string, def: number, opts: Options & { min?: number; max?: number }): EnvVar<number> {
    return numeric(name, def, opts, { pattern: /^-?\d+$/, what: 'an integer', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  },

  /** A decimal number (e.g. `24`, `0.5`, `0.001`) within the bounds. */
  decimal(name: string, def: number, opts: Options & { min?: number; max?: number }): EnvVar<number> {
    return numeric(name, def, opts, { pattern: /^-?(\d+(\.\d*)?|\.\d+)$/, what: 'a number', min: -Number.MAX_VALUE, max: Number.MAX_VALUE });
  },

  /** An integer, or `off` (the default) for a check that is not made: null. */
  intOrOff(name: string, opts: Options & { min?: number }): EnvVar<number | null> {
    const min = opts.min ?? 0;
    return make(
      name,
      'off',
      opts,
      (raw) => {
        if (raw.toLowerCase() === 'off') return null;
        if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Expectation(`must be an integer >= ${min}, or off`);
        return Number(raw);
      },
      () => null,
    );
  },

  bool(name: string, def: boolean, opts: Options): EnvVar<boolean> {
    return make(
      name,
      String(def),
      opts,
      (raw) => {
        const v = raw.toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(v)) return true;
        if (['false', '0', 'no', 'off'].includes(v)) return false;
        throw new Expectation('must be true or false');
      },
      () => def,
    );
  },

  oneOf<const T extends string>(name: string, values: readonly T[], def: T, opts: Options): EnvVar<T> {
    return make(
      name,
      def,
      opts,
      (raw) => {
        if (!(values as readonly string[]).includes(raw)) throw new Expectation(`must be one of ${values.join(', ')}`);
        return raw as T;
      },
      () => def,
    );
  },

  url(name: string, opts: Options & { protocols: string[]; def?: string }): EnvVar<string | undefined> {
    return make(
      name,
      opts.def ?? '',
      opts,
      (raw) => {
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          throw new Expectation(`must be a URL (${opts.protocols.map((p) => `${p}//…`).join(' or ')})`);
        }
        if (!opts.protocols.includes(url.protocol)) throw new Expectation(`must be a URL starting with ${opts.protocols.map((p) => `${p}//`).join(' or ')}`);
        return raw.replace(/\/+$/, '');
      },
      () => opts.def,
    );
  },

  /** Comma-separated URLs of the given protocols (an empty list when unset); a trailing slash is kept (it is part of a webhook's path). */
  urlList(name: string, opts: Options & { protocols: string[] }): EnvVar<string[]> {
    return make(
      name,
      '',
      opts,
      (raw) => {
        const urls = raw
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean);
        for (const [i, text] of urls.entries()) {
          let url: URL;
          try {
            url = new URL(text);
          } catch {
            throw new Expectation(`must be comma-separated URLs (${opts.protocols.map((p) => `${p}//…`).join(' or ')}); item ${i + 1} is not a URL`);
          }
          if (!opts.protocols.includes(url.protocol))
            throw new Expectation(`must be comma-separated URLs starting with ${opts.protocols.map((p) => `${p}//`).join(' or ')}; item ${i + 1} is not`);
        }
        if (new Set(urls).size !== urls.length) throw new Expectation('must not name the same URL twice');
        return urls;
      },
      () => [],
    );
  },

  file(name: string, opts: Options): EnvVar<string | undefined> {
    return make(
      name,
      '',
      opts,
      (raw) => {
        if (!existsSync(raw)) throw new Expectation('must name a file that exists');
        return raw;
      },
      () => undefined,
    );
  },

  /** A size such as 10mb, 512kb or 1048576 (bytes). */
  size(name: string, def: string, opts: Options): EnvVar<number> {
    const parse = (raw: string): number => {
      const m = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw);
      if (!m) throw new Expectation('must be a size such as 512kb, 10mb or a number of bytes');
      const unit = (m[2] ?? 'b').toLowerCase();
      const factor = unit === 'gb' ? 1024 ** 3 : unit === 'mb' ? 1024 ** 2 : unit === 'kb' ? 1024 : 1;
      return Number(m[1]) * factor;
    };
    return make(name, def, opts, parse, () => parse(def));
  },

  /**
   * A cron expression (5 or 6 fields) or 'off', checked by the same parser the scheduler uses
   * (`cron`'s CronTime), so that a value out of range fails here, with the other variables,
   * rather than when the schedule starts.
   */
  cron(name: string, def: string, opts: Options): EnvVar<string | undefined> {
    const parse = (raw: string): string | undefined => {
      if (raw.toLowerCase() === 'off') return undefined;
      const fields = raw.split(/\s+/);
      if (fields.length < 5 || fields.length > 6 || !fields.every((f) => /^[\d*/,\-?LW#A-Za-z]+$/.test(f))) {
        throw new Expectation('must be a cron expression of 5 or 6 fields, or off');
      }
      try {
        new CronTime(raw);
      } catch (error) {
        throw new Expectation(`must be a valid cron expression, or off: ${(error as Error).message}`);
      }
      return raw;
    };
    return make(name, def, opts, parse, () => parse(def));
  },
};
