/** The fuzz worker of the broken-model CLI (test/cli/broken-model-cli.ts): real generator, broken model. */
import { generateScenario } from '../../core/generator.ts';
import { serveFuzzWorker } from '../../core/fuzz/worker-side.ts';
import { createBrokenModelBackend } from './broken-model.ts';

serveFuzzWorker(() => ({ backend: createBrokenModelBackend(), generate: generateScenario }));
