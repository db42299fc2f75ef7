/**
 * The one module that imports core/, sim/ and real/: it builds the backends and hands them, with
 * the commands, to core's CLI. Keep it thin; nothing imports it but bin/busfuzz.js.
 */
import { runCli } from '../core/cli/main.ts';
import type { CliDeps } from '../core/cli/context.ts';
import { benchCommand } from '../core/cli/commands/bench.ts';
import { exportCommand } from '../core/cli/commands/export.ts';
import { fuzzCommand } from '../core/cli/commands/fuzz.ts';
import { reproduceCommand } from '../core/cli/commands/reproduce.ts';
import { runCommand } from '../core/cli/commands/run.ts';
import { shrinkCommand } from '../core/cli/commands/shrink.ts';
import { validateCommand } from '../core/cli/commands/validate.ts';
import { createRealBackend } from '../real/index.ts';
import { createSimBackend, runBench } from '../sim/index.ts';

const deps: CliDeps = {
  createBackend: (name, options) =>
    name === 'sim' ? createSimBackend() : createRealBackend({ valkeyServer: options.valkeyServer, env: process.env }),
  runBench,
  workerModuleUrl: new URL('./fuzz-worker.ts', import.meta.url),
};

export function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runCli(argv, env, deps, {
    run: runCommand,
    fuzz: fuzzCommand,
    reproduce: reproduceCommand,
    shrink: shrinkCommand,
    validate: validateCommand,
    export: exportCommand,
    bench: benchCommand,
  });
}
