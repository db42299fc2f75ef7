/**
 * The generator: same seed, same scenario; over many seeds, every fault and admin action and every
 * shard count 1..8 appears; every scenario is valid (it survives the DSL's save and load) and
 * ends in a quiet tail long enough for convergence.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText, saveScenario } from '../../../core/dsl/index.ts';
import { generateScenario } from '../../../core/generator.ts';
import { failoverBoundMs } from '../../../core/invariants/index.ts';
import { expandChaos } from '../../../core/scenario/chaos.ts';
import { planRun } from '../../../core/scenario/plan.ts';
import { ADMIN_ACTIONS, FAULT_ACTIONS, type Scenario } from '../../../core/scenario/types.ts';

const SEED_COUNT = 1000;
const scenarios: Scenario[] = Array.from({ length: SEED_COUNT }, (_, seed) => generateScenario(seed));

function countBy<T>(items: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

describe(`generateScenario over seeds 0..${SEED_COUNT - 1}`, () => {
  it('gives a deep-equal scenario for the same seed, and different ones for different seeds', () => {
    for (const seed of [0, 1, 42, 123456789, -7]) expect(generateScenario(seed)).toEqual(generateScenario(seed));
    expect(generateScenario(1)).not.toEqual(generateScenario(2));
    expect(scenarios[5]!.scenarioId).toBe('gen-5');
    expect(scenarios[5]!.seed).toBe(5);
  });

  it('uses every fault action and every admin action, in the timeline or the expanded chaos', () => {
    const actions = countBy(
      scenarios.flatMap((scenario) => [...scenario.timeline, ...expandChaos(scenario)].map((step) => step.action)),
    );
    for (const action of [...FAULT_ACTIONS, ...ADMIN_ACTIONS, 'restart', 'release', 'wait'] as const) {
      expect(actions.get(action) ?? 0, `action ${action}`).toBeGreaterThan(0);
    }
  });

  it('covers every shard count 1..8, weighted toward 3-5, and 0-3 replicas', () => {
    const shards = countBy(scenarios.map((scenario) => scenario.cluster.numShards));
    for (let count = 1; count <= 8; count++) expect(shards.get(count) ?? 0, `num_shards ${count}`).toBeGreaterThan(0);
    const middle = (shards.get(3) ?? 0) + (shards.get(4) ?? 0) + (shards.get(5) ?? 0);
    expect(middle).toBeGreaterThan(SEED_COUNT / 2);
    expect([...countBy(scenarios.map((scenario) => scenario.cluster.replicasPerShard)).keys()].sort()).toEqual([
      0, 1, 2, 3,
    ]);
  });

  it('varies timeouts, ping interval, validity factor, migration, coverage, chaos and workload', () => {
    const distinct = (pick: (scenario: Scenario) => unknown) => new Set(scenarios.map(pick)).size;
    expect(distinct((s) => s.cluster.nodeTimeoutMs)).toBeGreaterThan(3);
    expect(distinct((s) => s.cluster.pingIntervalMs)).toBeGreaterThan(1);
    expect(distinct((s) => s.cluster.replicaValidityFactor)).toBeGreaterThan(2);
    expect(distinct((s) => s.cluster.allowReplicaMigration)).toBe(2);
    expect(distinct((s) => s.cluster.migrationBarrier)).toBeGreaterThan(1);
    expect(distinct((s) => s.cluster.requireFullCoverage)).toBe(2);
    expect(distinct((s) => s.chaos === null)).toBe(2);
    expect(distinct((s) => s.workload === null)).toBe(2);
    expect(distinct((s) => s.chaos?.targets ?? null)).toBe(4);
  });

  it('keeps wait_replicas within the replicas of a shard', () => {
    for (const scenario of scenarios) {
      if (scenario.workload !== null)
        expect(scenario.workload.waitReplicas).toBeLessThanOrEqual(scenario.cluster.replicasPerShard);
    }
  });

  it('ends in a quiet tail: a heal after every fault, and a convergence timeout of at least 2 x bound + 5 s', () => {
    for (const scenario of scenarios) {
      const plan = planRun(scenario, expandChaos(scenario));
      const last = scenario.timeline[scenario.timeline.length - 1]!;
      expect(last.action, scenario.scenarioId).toBe('heal');
      expect(last.atMs, scenario.scenarioId).toBe(plan.quietAtMs);
      const addedPerShard = countBy(
        scenario.timeline.flatMap((step) =>
          step.action === 'add_node' && step.shard !== undefined ? [step.shard] : [],
        ),
      );
      const bound = failoverBoundMs(
        scenario.cluster,
        scenario.cluster.replicasPerShard + Math.max(0, ...addedPerShard.values()),
      );
      expect(scenario.validation.convergenceTimeoutMs, scenario.scenarioId).toBeGreaterThanOrEqual(2 * bound + 5000);
    }
  });

  it('keeps the timeline sorted by time', () => {
    for (const scenario of scenarios) {
      const times = scenario.timeline.map((step) => step.atMs);
      expect(times, scenario.scenarioId).toEqual([...times].sort((a, b) => a - b));
    }
  });

  it('survives save and load unchanged (valid by construction) for 200 seeds', () => {
    for (const scenario of scenarios.slice(0, 200)) {
      expect(loadScenarioText(saveScenario(scenario), `${scenario.scenarioId}.yaml`), scenario.scenarioId).toEqual(
        scenario,
      );
    }
  });
});
