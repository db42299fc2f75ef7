/**
 * The `clock` and `slow` steps' parameters (the action table's last two rows):
 * - clock: `target`, then `jump` (a signed duration, applied once), `drift` (a rate, for
 *   `duration`), or both; at least one of the two, and `duration` exactly when there is a drift;
 * - slow: `target`, `factor` (a number above 1), `duration`.
 */
import { childPath } from './paths.ts';
import { MAX_SLOW_FACTOR, readDrift, readJump } from './clock-fields.ts';
import type { Reader } from './reader.ts';
import type { ParamReader } from './step-fields.ts';

export function readClockParams(p: ParamReader, r: Reader): Record<string, unknown> {
  const target = p.target();
  const jumpMs = p.optional<number | undefined>('jump', undefined, (path, value) => readJump(r, path, value));
  const driftPpm = p.optional<number | undefined>('drift', undefined, (path, value) => readDrift(r, path, value));
  const hasJump = p.fields.jump !== undefined && p.fields.jump !== null;
  const hasDrift = p.fields.drift !== undefined && p.fields.drift !== null;
  const hasDuration = p.fields.duration !== undefined && p.fields.duration !== null;
  if (!hasJump && !hasDrift) {
    r.problem(
      childPath(p.path, 'jump'),
      "missing required field; expected 'jump' (like -60m), 'drift' (like +500ppm) or both",
    );
    p.ok = false;
  }
  if (hasDrift && !hasDuration) {
    r.problem(
      childPath(p.path, 'duration'),
      'missing required field; expected a duration like 10s (how long the drift lasts)',
    );
    p.ok = false;
  }
  if (!hasDrift && hasDuration) {
    r.problem(
      childPath(p.path, 'duration'),
      'a clock step has a duration only with a drift (a jump is instantaneous)',
      true,
    );
    p.ok = false;
  }
  const durationMs = hasDuration ? p.durationRequired('duration') : undefined;
  return {
    target,
    ...(jumpMs === undefined ? {} : { jumpMs }),
    ...(driftPpm === undefined ? {} : { driftPpm }),
    ...(durationMs === undefined ? {} : { durationMs }),
  };
}

export function readSlowParams(p: ParamReader, r: Reader): Record<string, unknown> {
  const target = p.target();
  const factor = p.required('factor', `a number above 1 (at most ${MAX_SLOW_FACTOR})`, (path, value) => {
    if (typeof value === 'number' && value > 1 && value <= MAX_SLOW_FACTOR) return value;
    r.problem(
      path,
      `expected a number above 1 and at most ${MAX_SLOW_FACTOR} (5: five times slower), found ${JSON.stringify(value)}`,
    );
    return undefined;
  });
  return { target, factor, durationMs: p.durationRequired('duration') };
}
