/**
 * The simulator's public surface: the Backend (`createSimBackend`) that `busfuzz run --backend
 * sim` and the fuzz loop use, the benchmark (`runBench`), and the world with its turmoil-like
 * fault API for tests.
 */
import type { Backend } from '../core/backend.ts';
import { runSimScenario } from './runner.ts';

export { runBench, type BenchOptions } from './bench.ts';
export { SimRun, runSimScenario, CONVERGENCE_POLL_MS, type SimRunOptions } from './runner.ts';
export { World, type Pairs, type WorldOptions } from './world.ts';
export { buildClusterView } from './cluster-view.ts';
export { statusLines } from './status.ts';

export function createSimBackend(): Backend {
  return {
    name: 'sim',
    run: async (scenario, options) => runSimScenario(scenario, options),
  };
}
