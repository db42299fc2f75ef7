/**
 * The generator's swarm mix on the simulator: generated scenarios for seeds 1-9, which between
 * them use every admin action of the DSL (and most faults), run without an internal error, and
 * each admin action is applied at least once rather than skipped.
 */
import { describe, expect, it } from 'vitest';
import { generateScenario } from '../../../core/generator.ts';
import { ADMIN_ACTIONS } from '../../../core/scenario/types.ts';
import { SimRun } from '../../../sim/runner.ts';

describe('generated scenarios on the simulator', () => {
  it('seeds 1-9 use every admin action; each runs without an internal error and every admin action is applied at least once', () => {
    const applied = new Set<string>();
    const used = new Set<string>();
    for (let seed = 1; seed <= 9; seed++) {
      const scenario = generateScenario(seed);
      for (const step of scenario.timeline) used.add(step.action);
      const run = new SimRun(scenario, { traceTailLines: 1 });
      run.runSteps(1_000_000);
      for (const event of run.events) {
        if (event.kind === 'fault' && !event.detail.startsWith('skipped')) applied.add(event.action);
      }
    }
    for (const action of ADMIN_ACTIONS) {
      expect(used.has(action), `generated ${action}`).toBe(true);
      expect(applied.has(action), `applied ${action}`).toBe(true);
    }
  });
});
