/**
 * Chaos expansion: deterministic from the seed, Poisson-ish arrivals at the block's rate, types
 * and targets from the block, durations in range and ending by `until`, never more than
 * max_concurrent faults at once, a final heal at `until`; materializeChaos gives the same plan.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandChaos, materializeChaos } from '../../../core/scenario/chaos.ts';
import { faultEndMs } from '../../../core/scenario/fault-steps.ts';
import { planRun, stepEndAfterMs } from '../../../core/scenario/plan.ts';
import {
  DEFAULT_CLUSTER,
  FAULT_ACTIONS,
  INVARIANT_NAMES,
  type Chaos,
  type FaultAction,
  type Scenario,
  type Step,
} from '../../../core/scenario/types.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 200);

function scenarioWith(chaos: Chaos | null, seed = 7, timeline: Step[] = []): Scenario {
  return {
    scenarioId: 'chaos-test',
    seed,
    protocol: 'valkey-8.0',
    cluster: { ...DEFAULT_CLUSTER, nodeTimeoutMs: 1000 },
    workload: null,
    timeline,
    chaos,
    validation: { convergenceTimeoutMs: 30000, invariants: [...INVARIANT_NAMES] },
  };
}

const BLOCK: Chaos = {
  rate: 30,
  types: [...FAULT_ACTIONS],
  targets: 'any',
  maxConcurrent: 2,
  keepQuorum: true,
  untilMs: 120_000,
  faultDurationMsMin: 1000,
  faultDurationMsMax: 8000,
};

const chaosArbitrary: fc.Arbitrary<Chaos> = fc
  .record({
    rate: fc.integer({ min: 1, max: 120 }),
    types: fc.subarray([...FAULT_ACTIONS], { minLength: 1 }),
    targets: fc.constantFrom('any' as const, 'primaries' as const, 'replicas' as const),
    maxConcurrent: fc.integer({ min: 1, max: 4 }),
    keepQuorum: fc.boolean(),
    untilMs: fc.integer({ min: 0, max: 300_000 }),
    faultDurationMsMin: fc.integer({ min: 0, max: 10_000 }),
    extraMs: fc.integer({ min: 0, max: 20_000 }),
  })
  .map(({ extraMs, ...block }) => ({ ...block, faultDurationMsMax: block.faultDurationMsMin + extraMs }));

/** The faults of an expansion (a hold with its release is one fault), with start and end. */
function faultsOf(steps: readonly Step[]): Array<{ action: FaultAction; startMs: number; endMs: number; step: Step }> {
  const out: Array<{ action: FaultAction; startMs: number; endMs: number; step: Step }> = [];
  const releases = steps.filter((step) => step.action === 'release');
  let releaseIndex = 0;
  for (const step of steps) {
    if (!(FAULT_ACTIONS as readonly string[]).includes(step.action)) continue;
    const action = step.action as FaultAction;
    if (action === 'hold') {
      out.push({ action, startMs: step.atMs, endMs: releases[releaseIndex++]!.atMs, step });
    } else {
      out.push({
        action,
        startMs: step.atMs,
        endMs: faultEndMs({ action, atMs: step.atMs, durationMs: stepEndAfterMs(step) ?? 0 }),
        step,
      });
    }
  }
  return out;
}

describe(`expandChaos (FC_SEED=${FC_SEED})`, () => {
  it('is deterministic from the seed and differs between seeds', () => {
    expect(expandChaos(scenarioWith(BLOCK, 7))).toEqual(expandChaos(scenarioWith(BLOCK, 7)));
    expect(expandChaos(scenarioWith(BLOCK, 7))).not.toEqual(expandChaos(scenarioWith(BLOCK, 8)));
    expect(expandChaos(scenarioWith(null))).toEqual([]);
  });

  it('arrives at about the rate: 30 per minute for 2 minutes, one at a time or two', () => {
    const counts = Array.from(
      { length: 20 },
      (_, seed) => faultsOf(expandChaos(scenarioWith({ ...BLOCK, maxConcurrent: 1000 }, seed))).length,
    );
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(50);
    expect(mean).toBeLessThan(70);
  });

  it("uses only the block's types and targets, marks keep_quorum on the faults it concerns, ends with heal at until", () => {
    const block: Chaos = { ...BLOCK, types: ['kill', 'partition', 'latency'], targets: 'primaries' };
    const steps = expandChaos(scenarioWith(block));
    expect(steps.length).toBeGreaterThan(5);
    expect(steps.every((step) => step.source === 'chaos')).toBe(true);
    expect(steps.at(-1)).toEqual({ atMs: block.untilMs, action: 'heal', source: 'chaos' });
    for (const step of steps.slice(0, -1)) {
      expect(['kill', 'partition', 'latency']).toContain(step.action);
      if (step.action === 'kill') expect(step).toMatchObject({ target: 'random-primary', keepQuorum: true });
      if (step.action === 'partition')
        expect(step).toMatchObject({ groups: [['random-primary'], 'rest'], keepQuorum: true });
      if (step.action === 'latency') expect(step.keepQuorum).toBeUndefined();
    }
  });

  it('keeps durations in range, ends every fault by until, never exceeds max_concurrent', () => {
    fc.assert(
      fc.property(chaosArbitrary, fc.integer(), (block, seed) => {
        const steps = expandChaos(scenarioWith(block, seed));
        const times = steps.map((step) => step.atMs);
        expect(times).toEqual([...times].sort((a, b) => a - b));
        const faults = faultsOf(steps);
        for (const fault of faults) {
          expect(fault.endMs).toBeLessThanOrEqual(block.untilMs);
          expect(block.types).toContain(fault.action);
          // kill_links and a clock jump without a drift are instantaneous.
          const blip =
            fault.action === 'kill_links' || (fault.step.action === 'clock' && fault.step.durationMs === undefined);
          if (!blip) expect(fault.endMs - fault.startMs).toBeLessThanOrEqual(block.faultDurationMsMax);
          if (!blip && fault.endMs < block.untilMs) {
            expect(fault.endMs - fault.startMs).toBeGreaterThanOrEqual(block.faultDurationMsMin);
          }
        }
        for (const fault of faults) {
          const overlapping = faults.filter((other) => other.startMs <= fault.startMs && other.endMs > fault.startMs);
          expect(overlapping.length).toBeLessThanOrEqual(block.maxConcurrent);
        }
        if (faults.length > 0) expect(steps.at(-1)).toEqual({ atMs: block.untilMs, action: 'heal', source: 'chaos' });
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
  });

  it('materializeChaos gives the same run plan, with chaos null', () => {
    const timeline: Step[] = [
      { atMs: 5000, action: 'kill', target: 'shard-0-primary', restartAfterMs: 3000 },
      { atMs: 60_000, action: 'heal' },
    ];
    const scenario = scenarioWith(BLOCK, 3, timeline);
    const materialized = materializeChaos(scenario);
    expect(materialized.chaos).toBeNull();
    expect(planRun(materialized)).toEqual(planRun(scenario, expandChaos(scenario)));
    expect(materializeChaos(materialized)).toBe(materialized);
  });
});
