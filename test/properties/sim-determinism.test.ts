/**
 * Simulator determinism as a property over random command sequences (the model-based cases):
 * the same scenario and seed run twice give the same trace hash, and another seed gives another
 * trace. test/sim/determinism.test.ts pins it for kill-primary over 50 seeds and for chaos; this
 * one reaches every fault and admin action in random orders and timings.
 *
 * The property takes the runner as a parameter, so the "fails when" tests can hand it one that is
 * deliberately not deterministic (a seed that leaks from a counter) or ignores its seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../core/scenario/types.ts';
import { SimRun } from '../../sim/index.ts';
import { commandCaseArbitrary, MAX_STEPS, scenarioOfCommands } from './cluster-driver.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

const DEFAULT_RUNS = 25;

type TraceHashOf = (scenario: Scenario) => string;

const simTraceHash: TraceHashOf = (scenario) => {
  const run = new SimRun(scenario, { keepEvents: false });
  run.runSteps(MAX_STEPS);
  return run.result(false).traceHash;
};

function determinismProperty(traceHashOf: TraceHashOf) {
  return fc.property(
    commandCaseArbitrary(),
    fc.integer({ min: 1, max: 1000 }),
    ([shape, seed, commands], seedDelta) => {
      const { scenario } = scenarioOfCommands(shape, seed, commands);
      const first = traceHashOf(scenario);
      expect(traceHashOf(structuredClone(scenario)), 'same scenario, same seed').toBe(first);
      expect(
        traceHashOf({ ...scenario, seed: seed + seedDelta }),
        `seed ${seed} and seed ${seed + seedDelta}`,
      ).not.toBe(first);
    },
  );
}

describe(seeded('simulator determinism over random command sequences'), () => {
  it('same scenario and seed: same trace hash; another seed: another trace hash', () => {
    fc.assert(determinismProperty(simTraceHash), fcParams(DEFAULT_RUNS));
  });

  it('the property fails when the run reads randomness that is not its seed', () => {
    let leaked = 0;
    const leaky: TraceHashOf = (scenario) => simTraceHash({ ...scenario, seed: scenario.seed + (leaked++ % 2) });
    expectPropertyFails(determinismProperty(leaky), 5);
  });

  it('the property fails when the run ignores its seed', () => {
    expectPropertyFails(
      determinismProperty((scenario) => simTraceHash({ ...scenario, seed: 7 })),
      5,
    );
  });
});
