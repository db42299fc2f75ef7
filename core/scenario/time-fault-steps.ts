/**
 * The time and resource faults (clock, slow) as steps with parameters drawn from an Rng, for the
 * chaos block and the generator (fault-steps.ts dispatches here).
 *
 * A clock fault is a jump, a drift for the fault's duration, or both (one in three each). Jumps
 * are sized against node_timeout (half of it up to four times it, either way) and one in six is a
 * whole hour back or forth (redis/redis#6416's recipe is one hour back); drifts run from 100 ppm
 * (a poor quartz) to 20% (a VM whose clock source misbehaves). A slow node runs 2 to 50 times
 * slower. Draws happen only when these kinds are chosen, so other faults' draws are unchanged.
 */
import type { Rng } from '../rng.ts';
import type { FaultShape } from './fault-steps.ts';
import type { Step, StepOf } from './types.ts';

const DRIFTS_PPM = [100, 500, 2000, 10_000, 50_000, 200_000] as const;
const SLOW_FACTORS = [2, 3, 5, 10, 20, 50] as const;
const HOUR_MS = 3_600_000;

type Base = Pick<Step, 'atMs' | 'source'>;

function jumpMs(rng: Rng, nodeTimeoutMs: number): number {
  const sign = rng.chance(1, 2) ? -1 : 1;
  if (rng.chance(1, 6)) return sign * HOUR_MS;
  return sign * Math.max(1, Math.round(rng.range(Math.floor(nodeTimeoutMs / 2), 4 * nodeTimeoutMs) / 100) * 100);
}

export function timeFaultStep(
  rng: Rng,
  shape: FaultShape & { action: 'clock' | 'slow' },
  base: Base,
): StepOf<'clock'> | StepOf<'slow'> {
  const durationMs = shape.durationMs;
  if (shape.action === 'slow') {
    return { ...base, action: 'slow', target: shape.target, factor: rng.pick(SLOW_FACTORS), durationMs };
  }
  const kind = rng.int(3); // 0 jump, 1 drift, 2 both
  const step: StepOf<'clock'> = { ...base, action: 'clock', target: shape.target };
  if (kind !== 1) step.jumpMs = jumpMs(rng, shape.nodeTimeoutMs);
  if (kind !== 0) {
    step.driftPpm = (rng.chance(1, 2) ? -1 : 1) * rng.pick(DRIFTS_PPM);
    step.durationMs = durationMs;
  }
  return step;
}
