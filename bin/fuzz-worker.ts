/**
 * The fuzz worker program: what each `busfuzz fuzz` worker thread runs (started by
 * core/fuzz/worker-pool.ts through core/fuzz/worker-entry.js, which registers tsx first). It builds
 * the backend the parent asked for and serves seeds: generate the scenario, run it, post the
 * outcome. Like bin/main.ts it may import sim/ and real/; nothing imports it.
 */
import { generateScenario } from '../core/generator.ts';
import { serveFuzzWorker } from '../core/fuzz/worker-side.ts';
import { createRealBackend } from '../real/index.ts';
import { createSimBackend } from '../sim/index.ts';

serveFuzzWorker((config) => ({
  backend:
    config.backend === 'sim'
      ? createSimBackend()
      : createRealBackend({ valkeyServer: config.backendOptions.valkeyServer, env: process.env }),
  generate:
    config.protocol === undefined
      ? generateScenario
      : (seed: number) => ({ ...generateScenario(seed), protocol: config.protocol! }),
}));
