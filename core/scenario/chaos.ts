/**
 * The chaos block as concrete timeline steps (source 'chaos'): random background faults drawn
 * from the scenario's seed (stream 'chaos'), so a run and its replay inject the same faults.
 *
 * Arrivals are Poisson at `rate` per simulated minute until `untilMs`; each takes a type from
 * `types`, a symbolic target by `targets` (resolved by the backend when the step runs) and a
 * duration in [faultDurationMsMin, faultDurationMsMax], cut so it ends by `untilMs`. An arrival
 * while `maxConcurrent` faults are still active is dropped. A final `heal` at `untilMs` ends every
 * network fault. `keepQuorum` cannot be decided here (who is down is known only at run time), so
 * the steps it concerns carry `keepQuorum: true` for the backend.
 */
import { rngFor, type Rng } from '../rng.ts';
import { faultEndMs, faultSteps, nextArrivalGapMs } from './fault-steps.ts';
import type { Chaos, ChaosTargets, Scenario, Step, Target } from './types.ts';

/** A bound on arrivals, so a huge rate cannot make an endless expansion. */
export const MAX_CHAOS_ARRIVALS = 10_000;

const TARGET_OF: Record<ChaosTargets, Target> = {
  any: 'random',
  primaries: 'random-primary',
  replicas: 'random-replica',
};

function expandBlock(chaos: Chaos, rng: Rng, nodeTimeoutMs: number): Step[] {
  const steps: Step[] = [];
  if (chaos.rate <= 0 || chaos.types.length === 0 || chaos.untilMs <= 0) return steps;
  const activeEndsMs: number[] = [];
  let atMs = 0;
  for (let arrival = 0; arrival < MAX_CHAOS_ARRIVALS; arrival++) {
    atMs += nextArrivalGapMs(rng, chaos.rate);
    const remainingMs = chaos.untilMs - atMs;
    if (remainingMs <= 0 || remainingMs < chaos.faultDurationMsMin) break;
    const active = activeEndsMs.filter((endMs) => endMs > atMs).length;
    if (active >= chaos.maxConcurrent) continue;
    const action = rng.pick(chaos.types);
    const durationMs = Math.min(rng.range(chaos.faultDurationMsMin, chaos.faultDurationMsMax), remainingMs);
    const shape = {
      action,
      target: TARGET_OF[chaos.targets],
      atMs,
      durationMs,
      source: 'chaos' as const,
      keepQuorum: chaos.keepQuorum,
      nodeTimeoutMs,
    };
    steps.push(...faultSteps(rng, shape));
    activeEndsMs.push(faultEndMs(shape));
  }
  steps.push({ atMs: chaos.untilMs, action: 'heal', source: 'chaos' });
  return steps;
}

/** Earlier first; equal times in their original order (module level: see view-facts.ts). */
export function byTimeThenIndex(a: { step: Step; index: number }, b: { step: Step; index: number }): number {
  return a.step.atMs - b.step.atMs || a.index - b.index;
}

/** Steps ordered by time; equal times keep their order (as planRun orders them). */
export function stepsByTime(steps: readonly Step[]): Step[] {
  return steps
    .map((step, index) => ({ step, index }))
    .sort(byTimeThenIndex)
    .map((entry) => entry.step);
}

/** The chaos block's steps in time order; [] without a chaos block. */
export function expandChaos(scenario: Scenario): Step[] {
  if (scenario.chaos === null) return [];
  const rng = rngFor(scenario.seed).fork('chaos');
  return stepsByTime(expandBlock(scenario.chaos, rng, scenario.cluster.nodeTimeoutMs));
}

/**
 * The scenario with its chaos written out into the timeline and `chaos: null`: the same run, in
 * a form shrinking can cut step by step. Merged as planRun merges (by time, timeline first).
 */
export function materializeChaos(scenario: Scenario): Scenario {
  if (scenario.chaos === null) return scenario;
  return { ...scenario, timeline: stepsByTime([...scenario.timeline, ...expandChaos(scenario)]), chaos: null };
}
