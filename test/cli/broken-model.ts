/**
 * A simulator whose model is broken on purpose, for the test that a failed model assertion is a
 * busfuzz bug (exit 4 with the seed), never a finding: once the cluster is formed, node-0's
 * configEpoch is set above its currentEpoch, which Valkey never allows (sim/valkey/beliefs.ts),
 * and the run goes on until the model's own check stops it.
 */
import type { Backend } from '../../core/backend.ts';
import { SimRun } from '../../sim/runner.ts';

export function createBrokenModelBackend(): Backend {
  return {
    name: 'sim',
    run: async (scenario, options) => {
      const run = new SimRun(scenario, {});
      while (run.readyAtMs < 0) if (!run.world.step()) throw new Error('broken model: formation ran dry');
      const server = run.world.processes[0]!.server!;
      server.myself.configEpoch = server.currentEpoch + 100;
      run.runSteps(options.maxSteps, options.signal);
      return run.result(false);
    },
  };
}
