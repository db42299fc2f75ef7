/**
 * Smaller variants of a scenario, one change each, for the shrinker to try. Pure: each returns a
 * new scenario (or null when the change does not apply); whether a variant is valid and still
 * fails the same way is for the shrinker to find out.
 */
import type { Scenario, Step } from '../scenario/types.ts';
import { stepDurations, type DurationField } from './size.ts';

export function withTimeline(scenario: Scenario, timeline: Step[]): Scenario {
  return { ...scenario, timeline };
}

export function withShards(scenario: Scenario, numShards: number): Scenario {
  return { ...scenario, cluster: { ...scenario.cluster, numShards } };
}

export function withReplicas(scenario: Scenario, replicasPerShard: number): Scenario {
  return { ...scenario, cluster: { ...scenario.cluster, replicasPerShard } };
}

/** One duration field of step `index` halved (whole ms), or null if it is already 0. */
export function halveStepDuration(scenario: Scenario, index: number, field: DurationField): Scenario | null {
  const step = scenario.timeline[index]!;
  const current = stepDurations(step).find(([name]) => name === field)?.[1];
  if (current === undefined || current <= 0) return null;
  const timeline = [...scenario.timeline];
  timeline[index] = { ...step, [field]: Math.floor(current / 2) } as Step;
  return withTimeline(scenario, timeline);
}

/**
 * The wait before step `index` halved: it and every later step move earlier by the same amount,
 * so their order and spacing stay. Null if it already follows the previous step at once.
 */
export function halveGapBefore(scenario: Scenario, index: number): Scenario | null {
  const previousAtMs = index === 0 ? 0 : scenario.timeline[index - 1]!.atMs;
  const gapMs = scenario.timeline[index]!.atMs - previousAtMs;
  if (gapMs <= 0) return null;
  const shiftMs = Math.ceil(gapMs / 2);
  const timeline = scenario.timeline.map((step, other) =>
    other < index ? step : { ...step, atMs: step.atMs - shiftMs },
  );
  return withTimeline(scenario, timeline);
}

/** No client traffic, then less of it. */
export function smallerWorkloads(scenario: Scenario): Scenario[] {
  const workload = scenario.workload;
  if (workload === null) return [];
  const variants: Scenario[] = [{ ...scenario, workload: null }];
  if (workload.keys > 1) variants.push({ ...scenario, workload: { ...workload, keys: Math.ceil(workload.keys / 2) } });
  if (workload.writesPerSec > 1)
    variants.push({ ...scenario, workload: { ...workload, writesPerSec: Math.ceil(workload.writesPerSec / 2) } });
  return variants;
}

/** Gentler chaos blocks (when writing the chaos out as steps loses the failure). */
export function smallerChaos(scenario: Scenario): Scenario[] {
  const chaos = scenario.chaos;
  if (chaos === null) return [];
  const variants: Scenario[] = [];
  const variant = (change: Partial<typeof chaos>) => variants.push({ ...scenario, chaos: { ...chaos, ...change } });
  if (chaos.rate > 1) variant({ rate: chaos.rate / 2 });
  if (chaos.untilMs > 1000) variant({ untilMs: Math.floor(chaos.untilMs / 2) });
  if (chaos.maxConcurrent > 1) variant({ maxConcurrent: chaos.maxConcurrent - 1 });
  for (const type of chaos.types) {
    if (chaos.types.length > 1) variant({ types: chaos.types.filter((other) => other !== type) });
  }
  if (chaos.faultDurationMsMax > chaos.faultDurationMsMin) {
    variant({ faultDurationMsMax: Math.max(chaos.faultDurationMsMin, Math.floor(chaos.faultDurationMsMax / 2)) });
  }
  return variants;
}
