/**
 * A scenario's YAML is everything a run needs: for random command sequences, running the scenario
 * and running what its saved YAML loads back to give the same trace hash on the simulator. This
 * is what makes a printed counterexample (model-based.test.ts) or an exported scenario
 * (`busfuzz export`) a faithful repro, not a look-alike.
 *
 * The "fails when" test saves through a saver that writes step times in whole seconds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadScenarioText, saveScenario } from '../../core/dsl/index.ts';
import type { Scenario } from '../../core/scenario/types.ts';
import { runSimScenario } from '../../sim/index.ts';
import { commandCaseArbitrary, MAX_STEPS, scenarioOfCommands } from './cluster-driver.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

type Save = (scenario: Scenario) => string;

function replayProperty(save: Save) {
  return fc.property(commandCaseArbitrary(), ([shape, seed, commands]) => {
    const { scenario } = scenarioOfCommands(shape, seed, commands);
    const direct = runSimScenario(scenario, { maxSteps: MAX_STEPS });
    const replayed = runSimScenario(loadScenarioText(save(scenario), 'replay.yaml'), { maxSteps: MAX_STEPS });
    expect(replayed.traceHash).toBe(direct.traceHash);
    expect(replayed.violation).toEqual(direct.violation);
  });
}

/** Deliberately wrong: step times rounded to whole seconds. */
const secondsSaver: Save = (scenario) =>
  saveScenario({
    ...scenario,
    timeline: scenario.timeline.map((step) => ({ ...step, atMs: Math.round(step.atMs / 1000) * 1000 })),
  });

describe(seeded('a saved scenario replays to the same trace'), () => {
  it('the YAML of a random command sequence runs to the same trace hash and verdict', () => {
    fc.assert(replayProperty(saveScenario), fcParams(20));
  });

  it('the property fails when the saver writes step times in whole seconds', () => {
    expectPropertyFails(replayProperty(secondsSaver), 20);
  });
});
