/**
 * The busfuzz command line with the fake backend in place of sim/ and real/ (a test fixture):
 * the real CLI dispatcher and the fuzz, reproduce and shrink commands, so their process-level
 * behaviour (signals, exit codes, the environment form, files left behind) is tested without the
 * simulator. Run as `node --import tsx test/cli/fake-cli.ts <args>`. FAKE_BY_SEED and FAKE_BUSY_MS
 * are read by the fake backend here and in the workers (test/core/fuzz/fake-worker.ts).
 */
import { InputError } from '../../core/backend.ts';
import { fuzzCommand } from '../../core/cli/commands/fuzz.ts';
import { mergeCommand } from '../../core/cli/commands/merge.ts';
import { corpusCommand } from '../../core/cli/commands/corpus.ts';
import { reproduceCommand } from '../../core/cli/commands/reproduce.ts';
import { shrinkCommand } from '../../core/cli/commands/shrink.ts';
import type { CliDeps, Command } from '../../core/cli/context.ts';
import { runCli } from '../../core/cli/main.ts';
import { FakeBackend } from '../core/fuzz/fake-backend.ts';

const deps: CliDeps = {
  createBackend: () => new FakeBackend({ fingerprintsBySeed: Number(process.env.FAKE_BY_SEED ?? 0) }),
  runBench: () => {
    throw new InputError('bench: not in the fake CLI');
  },
  workerModuleUrl: new URL('../core/fuzz/fake-worker.ts', import.meta.url),
};

const unsupported: Command = async (args) => {
  throw new InputError(`${args.command}: not in the fake CLI`);
};

process.exitCode = await runCli(process.argv.slice(2), process.env, deps, {
  fuzz: fuzzCommand,
  reproduce: reproduceCommand,
  shrink: shrinkCommand,
  run: unsupported,
  validate: unsupported,
  export: unsupported,
  bench: unsupported,
  report: unsupported,
  merge: mergeCommand,
  fleet: unsupported,
  confirm: unsupported,
  corpus: corpusCommand,
});
