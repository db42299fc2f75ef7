/**
 * Durations in the DSL: a number is milliseconds (seconds in valkey-fuzzer documents, see
 * valkey-fuzzer.ts), a string is `500ms`, `2s`, `1.5s` or `1m`. The resolved scenario keeps whole
 * milliseconds; saving writes the shortest exact string (`1500ms`, `2s`, `1m`).
 */

/**
 * The longest duration accepted (~24.8 days): the largest delay a Node timer takes, so the real
 * backend can schedule any step, and far beyond any useful fuzz run.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const DURATION_PATTERN = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*(ms|s|m)?$/;

export type DurationResult = { ok: true; ms: number } | { ok: false; expected: string };

const EXPECTED = "a duration (a number of milliseconds, or a string like '500ms', '2s', '1.5s', '1m')";

/**
 * Reads a duration. `numberUnitMs` is what a bare number means (1 normally, 1000 where bare
 * numbers are seconds). Fractions of a millisecond from a seconds value are rounded; a bare
 * millisecond number must be whole (0.5 there is more likely a mistaken seconds value).
 */
export function parseDuration(value: unknown, numberUnitMs = 1): DurationResult {
  if (typeof value === 'number') return fromNumber(value, numberUnitMs);
  if (typeof value !== 'string') return { ok: false, expected: EXPECTED };
  const text = value.trim();
  if (text.startsWith('-')) return { ok: false, expected: 'a duration that is not negative' };
  const match = DURATION_PATTERN.exec(text);
  if (!match) return { ok: false, expected: EXPECTED };
  const unit = match[2];
  // A quoted bare number ("60.0") follows the same unit rule as a number.
  const unitMs = unit === undefined ? numberUnitMs : UNIT_MS[unit]!;
  return fromNumber(Number(match[1]), unitMs, unitMs === 1);
}

function fromNumber(amount: number, unitMs: number, mustBeWhole = unitMs === 1): DurationResult {
  if (!Number.isFinite(amount)) return { ok: false, expected: EXPECTED };
  if (amount < 0) return { ok: false, expected: 'a duration that is not negative' };
  if (mustBeWhole && !Number.isInteger(amount)) {
    return { ok: false, expected: "whole milliseconds (write seconds as '1.5s')" };
  }
  const ms = Math.round(amount * unitMs);
  if (ms > MAX_DURATION_MS) return { ok: false, expected: `a duration of at most ${MAX_DURATION_MS}ms` };
  return { ok: true, ms };
}

/** The readable, exact spelling of whole milliseconds: `1m`, `2s`, `1500ms`, `0ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`formatDuration: not whole ms: ${ms}`);
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms > 0 && ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
