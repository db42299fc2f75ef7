/**
 * How big a scenario is, for the shrinker's report: its steps with the chaos block written out
 * (what the backend actually applies), the faults among them, the cluster, the total fault time.
 */
import { materializeChaos } from '../scenario/chaos.ts';
import { FAULT_ACTIONS, type Scenario, type Step } from '../scenario/types.ts';

export interface ScenarioSize {
  /** Timeline steps plus the chaos block's expansion. */
  steps: number;
  /** Of those, the fault actions (kill, pause, partition, ...). */
  faults: number;
  shards: number;
  replicasPerShard: number;
  nodes: number;
  /** Sum of the steps' durations, restart delays and timeouts (ms). */
  durationMs: number;
}

const FAULTS: ReadonlySet<string> = new Set(FAULT_ACTIONS);

/** The numeric duration fields a step may carry, in the order the shrinker tries them. */
export const DURATION_FIELDS = ['durationMs', 'restartAfterMs', 'timeoutMs', 'delayMs', 'jitterMs'] as const;
export type DurationField = (typeof DURATION_FIELDS)[number];

export function stepDurations(step: Step): Array<[DurationField, number]> {
  const record = step as unknown as Record<string, unknown>;
  return DURATION_FIELDS.flatMap((field) =>
    typeof record[field] === 'number' ? [[field, record[field] as number] as [DurationField, number]] : [],
  );
}

export function scenarioSize(scenario: Scenario): ScenarioSize {
  const steps = materializeChaos(scenario).timeline;
  const { numShards, replicasPerShard } = scenario.cluster;
  return {
    steps: steps.length,
    faults: steps.filter((step) => FAULTS.has(step.action)).length,
    shards: numShards,
    replicasPerShard,
    nodes: numShards * (1 + replicasPerShard),
    durationMs: steps.reduce((sum, step) => sum + stepDurations(step).reduce((s, [, ms]) => s + ms, 0), 0),
  };
}
