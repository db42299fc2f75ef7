/**
 * Typed field readers for the validator: each takes a plain value and its field path, returns the
 * checked value or undefined, and records a problem (never throws) so one pass finds every
 * problem in the file. Messages say what was expected and what was found.
 */
import { parseDuration } from './duration.ts';
import type { ScenarioProblem } from './errors.ts';
import { childPath } from './paths.ts';
import { closest } from './suggest.ts';
import { lookup, type PositionIndex } from './yaml-source.ts';

export type Fields = Record<string, unknown>;

export class Reader {
  readonly problems: ScenarioProblem[] = [];

  constructor(
    readonly file: string,
    readonly positions: PositionIndex | null,
    /** Prepended to every printed path (`scenario` for a crash file's field). */
    readonly prefix = '',
  ) {}

  problem(path: string, message: string, atKey = false): void {
    const shown = this.prefix === '' ? path : path === '' ? this.prefix : childPath(this.prefix, path);
    this.problems.push({
      file: this.file,
      ...lookup(this.positions, path, atKey),
      path: shown || '(top level)',
      message,
    });
  }

  /** A map (plain object), or a problem. */
  map(path: string, value: unknown): Fields | undefined {
    if (isFields(value)) return value;
    this.problem(path, `expected a map of fields, found ${describe(value)}`);
    return undefined;
  }

  /** Reports every key not in `allowed`, with the closest known name as a suggestion. */
  knownKeys(path: string, fields: Fields, allowed: readonly string[]): void {
    for (const key of Object.keys(fields)) {
      if (allowed.includes(key)) continue;
      const guess = closest(key, allowed);
      const hint = guess ? `; did you mean '${guess}'?` : `; expected one of ${allowed.join(', ')}`;
      this.problem(childPath(path, key), `unknown field '${key}'${hint}`, true);
    }
  }

  required(path: string, fields: Fields, key: string, expected: string): unknown {
    if (fields[key] === undefined || fields[key] === null) {
      this.problem(childPath(path, key), `missing required field; expected ${expected}`);
      return undefined;
    }
    return fields[key];
  }

  integer(path: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    this.problem(path, `expected an integer ${rangeText(min, max)}, found ${describe(value)}`);
    return undefined;
  }

  number(path: string, value: unknown, min: number, max: number): number | undefined {
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
    this.problem(path, `expected a number ${rangeText(min, max)}, found ${describe(value)}`);
    return undefined;
  }

  boolean(path: string, value: unknown): boolean | undefined {
    if (typeof value === 'boolean') return value;
    this.problem(path, `expected true or false, found ${describe(value)}`);
    return undefined;
  }

  string(path: string, value: unknown): string | undefined {
    if (typeof value === 'string') return value;
    this.problem(path, `expected a string, found ${describe(value)}`);
    return undefined;
  }

  oneOf<T extends string>(path: string, value: unknown, choices: readonly T[]): T | undefined {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
    this.problem(path, `expected one of ${choices.join(', ')}, found ${describe(value)}`);
    return undefined;
  }

  /** Whole milliseconds; `numberUnitMs` says what a bare number is (1000: seconds). */
  duration(path: string, value: unknown, numberUnitMs = 1): number | undefined {
    const result = parseDuration(value, numberUnitMs);
    if (result.ok) return result.ms;
    this.problem(path, `expected ${result.expected}, found ${describe(value)}`);
    return undefined;
  }

  /** A list, or a problem. */
  list(path: string, value: unknown): unknown[] | undefined {
    // Array.from turns holes of a sparse array (possible from a crafted document) into undefined.
    if (Array.isArray(value)) return Array.from(value as unknown[]);
    this.problem(path, `expected a list, found ${describe(value)}`);
    return undefined;
  }

  /** A list of distinct names from `choices`. */
  subset<T extends string>(path: string, value: unknown, choices: readonly T[], allowEmpty: boolean): T[] | undefined {
    const items = this.list(path, value);
    if (items === undefined) return undefined;
    if (items.length === 0 && !allowEmpty) {
      this.problem(path, `expected at least one of ${choices.join(', ')}, found an empty list`);
      return undefined;
    }
    const out: T[] = [];
    let ok = true;
    items.forEach((item, i) => {
      const name = this.oneOf(`${path}[${i}]`, item, choices);
      if (name === undefined) ok = false;
      else if (out.includes(name)) {
        this.problem(`${path}[${i}]`, `'${name}' is listed twice`);
        ok = false;
      } else out.push(name);
    });
    return ok ? out : undefined;
  }
}

export function isFields(value: unknown): value is Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function rangeText(min: number, max: number): string {
  if (max === Number.MAX_SAFE_INTEGER || max === Infinity) return `>= ${min}`;
  return `${min}..${max}`;
}

/** How a found value is shown in a message: its text for scalars, its kind for collections. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (isFields(value)) return 'a map';
  return `a value of type ${typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value}`;
}
