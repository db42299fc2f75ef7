/**
 * The time and resource faults of a generated scenario (clock jumps and drift, slow nodes).
 * Drawn from their own stream (`rngFor(seed).fork('generate-time')`), after everything else, so
 * every other draw of a seed is what it was before these kinds existed: a seed whose stream does
 * not pick them generates the very same scenario as before. One seed in three picks them: a
 * non-empty subset of the two kinds, explicit faults of each at their own rate, and, when the
 * seed has a chaos block, half the time the kinds joined to its types.
 */
import type { Rng } from '../rng.ts';
import { TIME_FAULTS, type Chaos, type Step } from '../scenario/types.ts';
import { kindFaults } from './fault-mix.ts';
import type { Layout } from './layout.ts';
import { subset } from './weighted.ts';

export interface TimeMix {
  steps: Step[];
  chaos: Chaos | null;
}

export function timeMix(rng: Rng, layout: Layout, startMs: number, endMs: number, chaos: Chaos | null): TimeMix {
  if (!rng.chance(1, 3)) return { steps: [], chaos };
  const picked = subset(rng, TIME_FAULTS);
  const kinds = picked.length > 0 ? picked : [rng.pick(TIME_FAULTS)];
  const steps = kinds.flatMap((action) => kindFaults(rng, layout, action, startMs, endMs));
  if (chaos === null || !rng.chance(1, 2)) return { steps, chaos };
  return { steps, chaos: { ...chaos, types: [...chaos.types, ...kinds] } };
}
