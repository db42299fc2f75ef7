/**
 * Every action of the DSL (the interface page's action table) runs on the simulator. Each has its scenario,
 * scenarios/action-<action>.yaml, which uses that action and runs to convergence with every
 * invariant on; what each one must do is asserted in the other files of this folder.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../core/dsl/index.ts';
import { ACTIONS } from '../../../core/scenario/types.ts';
import { finish, scenarioPath, simRunOf } from '../helpers.ts';

describe('every DSL action on the simulator', () => {
  for (const action of ACTIONS) {
    it(`${action}: scenarios/action-${action}.yaml uses it, runs and converges with every invariant holding`, () => {
      const path = scenarioPath(`action-${action}`);
      expect(existsSync(path)).toBe(true);
      const scenario = loadScenarioFile(path);
      expect(scenario.timeline.some((step) => step.action === action)).toBe(true);
      const run = simRunOf(`action-${action}`);
      finish(run);
      expect(run.result(false).verdict).toBe('pass');
      // The action was applied (a fault event of its own), not skipped.
      const applied = run.events.filter((event) => event.kind === 'fault' && event.action === action);
      expect(applied.length).toBeGreaterThan(0);
      expect(applied.filter((event) => event.kind === 'fault' && event.detail.startsWith('skipped'))).toEqual([]);
    });
  }
});
