/**
 * Shrinking on the simulator keeps the fingerprint: for real findings (random command sequences
 * with a convergence claim short enough that most fail), `shrinkCrash` on the sim backend returns
 * a crash that is no bigger, has the original's fingerprint, and replays exactly on the honest
 * simulator. (test/core/shrink/shrink.test.ts has the same statement over the fake backend.)
 *
 * The "fails when" test shrinks through a backend that lies (it reports the original fingerprint
 * for every candidate): the shrinker then keeps candidates that do not fail that way, and the
 * honest replay catches it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../core/backend.ts';
import { buildCrashFile, compareReplay } from '../../core/crash/index.ts';
import { scenarioSize, shrinkCrash } from '../../core/shrink/index.ts';
import { createSimBackend, runSimScenario } from '../../sim/index.ts';
import { commandCaseArbitrary, MAX_STEPS, scenarioOfCommands } from './cluster-driver.ts';
import { expectAsyncPropertyFails, fcParams, seeded } from '../fc-config.ts';

/** Backend runs per shrink: enough for ddmin over a few steps and a smaller cluster. */
const SHRINK_RUNS = 30;

/** Claims every run failed with `fingerprint` (the broken backend of the "fails when" test). */
function lyingBackend(fingerprint: string): Backend {
  const honest = createSimBackend();
  return {
    name: 'sim',
    run: async (scenario, options) => {
      const result = await honest.run(scenario, options);
      const violation = result.violation ?? {
        invariant: 'views-agree',
        message: 'made up',
        step: result.steps,
        timeMs: result.simTimeMs,
        nodes: [],
        fingerprint,
      };
      return { ...result, verdict: 'violation', violation: { ...violation, fingerprint } };
    },
  };
}

function shrinkProperty(backendFor: (fingerprint: string) => Backend) {
  return fc.asyncProperty(commandCaseArbitrary(), async ([shape, seed, commands]) => {
    const { scenario } = scenarioOfCommands(shape, seed, commands, { convergenceTimeoutMs: 1000 });
    const result = runSimScenario(scenario, { maxSteps: MAX_STEPS });
    fc.pre(result.violation !== null);
    const crash = buildCrashFile({ scenario, result, maxSteps: MAX_STEPS });
    const report = await shrinkCrash(crash, { backend: backendFor(crash.violation.fingerprint), maxRuns: SHRINK_RUNS });
    const shrunk = report.crash;
    expect(shrunk.violation.fingerprint).toBe(crash.violation.fingerprint);
    const [before, after] = [scenarioSize(scenario), scenarioSize(shrunk.scenario)];
    expect(after.steps).toBeLessThanOrEqual(before.steps);
    expect(after.nodes).toBeLessThanOrEqual(before.nodes);
    const comparison = compareReplay(shrunk, runSimScenario(shrunk.scenario, { maxSteps: shrunk.maxSteps }));
    if (!comparison.reproduced)
      throw new Error(
        `the shrunk crash does not fail the same way on the simulator: ${comparison.differences.join('; ')}`,
      );
  });
}

describe(seeded('shrinking on the simulator keeps the fingerprint'), () => {
  it('a shrunk finding is no bigger, keeps its fingerprint and replays exactly', async () => {
    await fc.assert(
      shrinkProperty(() => createSimBackend()),
      fcParams(4),
    );
  });

  it('the property fails when the shrinker is fed a backend that claims every candidate fails', async () => {
    const details = await expectAsyncPropertyFails(shrinkProperty(lyingBackend), 4);
    expect(String(details.errorInstance)).toMatch(/does not fail the same way/);
  });
});
