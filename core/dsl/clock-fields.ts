/**
 * The time and resource fault parameters of the DSL: a clock `jump` is a signed duration
 * (`-60m`, `+30s`, `1500ms`), a `drift` a signed rate (`+500ppm`, `-2%`), a `slow` factor a
 * number above 1. Resolved: `jumpMs` (whole ms), `driftPpm` (whole parts per million).
 */
import { formatDuration, parseDuration } from './duration.ts';
import { describe, type Reader } from './reader.ts';

/** A drift beyond ±50% is no clock fault any more (at -100% the clock stops). */
export const MAX_DRIFT_PPM = 500_000;
/** A node 1000 times slower answers nothing within any useful node_timeout. */
export const MAX_SLOW_FACTOR = 1000;

const DRIFT_PATTERN = /^([+-])?([0-9]+(?:\.[0-9]+)?)\s*(ppm|%)$/;

/** `-60m` → -3600000; a bare number is milliseconds. */
export function readJump(reader: Reader, path: string, value: unknown): number | undefined {
  let sign = 1;
  let rest: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('-') || text.startsWith('+')) {
      sign = text.startsWith('-') ? -1 : 1;
      rest = text.slice(1);
    }
  } else if (typeof value === 'number' && value < 0) {
    sign = -1;
    rest = -value;
  }
  const result = parseDuration(rest);
  if (!result.ok) {
    reader.problem(path, `expected a signed duration like '-60m', '+30s' or '1500ms', found ${describe(value)}`);
    return undefined;
  }
  return sign * result.ms;
}

/** `+500ppm` → 500, `-2%` → -20000. */
export function readDrift(reader: Reader, path: string, value: unknown): number | undefined {
  const match = typeof value === 'string' ? DRIFT_PATTERN.exec(value.trim()) : null;
  const amount = match === null ? Number.NaN : Number(match[2]) * (match[3] === '%' ? 10_000 : 1);
  const ppm = match?.[1] === '-' ? -amount : amount;
  if (!Number.isInteger(ppm) || ppm === 0 || Math.abs(ppm) > MAX_DRIFT_PPM) {
    reader.problem(
      path,
      `expected a nonzero rate like '+500ppm' or '-2%' (whole ppm, at most ±50%), found ${describe(value)}`,
    );
    return undefined;
  }
  return ppm;
}

export function formatJump(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${formatDuration(Math.abs(ms))}`;
}

export function formatDrift(ppm: number): string {
  const sign = ppm < 0 ? '-' : '+';
  const abs = Math.abs(ppm);
  return abs % 10_000 === 0 ? `${sign}${abs / 10_000}%` : `${sign}${abs}ppm`;
}
