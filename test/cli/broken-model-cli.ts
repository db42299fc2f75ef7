/**
 * The busfuzz command line with a deliberately broken simulator model (test/cli/broken-model.ts):
 * the real run, reproduce and fuzz commands, so the test sees how a failed model assertion is
 * reported. Run as `node --import tsx test/cli/broken-model-cli.ts <args>`.
 */
import { InputError } from '../../core/backend.ts';
import { fuzzCommand } from '../../core/cli/commands/fuzz.ts';
import { reproduceCommand } from '../../core/cli/commands/reproduce.ts';
import { runCommand } from '../../core/cli/commands/run.ts';
import type { CliDeps, Command } from '../../core/cli/context.ts';
import { runCli } from '../../core/cli/main.ts';
import { createBrokenModelBackend } from './broken-model.ts';

const deps: CliDeps = {
  createBackend: () => createBrokenModelBackend(),
  runBench: () => {
    throw new InputError('bench: not in the broken-model CLI');
  },
  workerModuleUrl: new URL('./broken-model-worker.ts', import.meta.url),
};

const unsupported: Command = async (args) => {
  throw new InputError(`${args.command}: not in the broken-model CLI`);
};

process.exitCode = await runCli(process.argv.slice(2), process.env, deps, {
  fuzz: fuzzCommand,
  reproduce: reproduceCommand,
  run: runCommand,
  shrink: unsupported,
  validate: unsupported,
  export: unsupported,
  bench: unsupported,
  report: unsupported,
  merge: unsupported,
  fleet: unsupported,
  confirm: unsupported,
  corpus: unsupported,
});
