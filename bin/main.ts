/**
 * The one module that imports core/, sim/ and real/: it builds the backends and hands them, with
 * the commands, to core's CLI. Keep it thin; nothing imports it but bin/busfuzz.js.
 *
 * Commands and backends are loaded on demand, so `busfuzz validate` starts without loading the
 * simulator or ioredis, and a backend that fails to load is reported (exit 3) instead of taking
 * every other command down with it.
 */
import { EnvironmentError, type Backend, type BackendName } from '../core/backend.ts';
import type { BackendOptions, CliDeps, Command } from '../core/cli/context.ts';
import { parseCommandLine } from '../core/cli/args.ts';
import { runCli } from '../core/cli/main.ts';

type SimModule = typeof import('../sim/index.ts');
type RealModule = typeof import('../real/index.ts');

async function loadModule<T>(name: string, load: () => Promise<T>): Promise<T | Error> {
  try {
    return await load();
  } catch (error) {
    return new EnvironmentError(`the ${name} could not be loaded: ${(error as Error).message}`);
  }
}

function lazyCommand(load: () => Promise<Record<string, unknown>>, exportName: string): Command {
  return async (args, context) => {
    const module = await load();
    return (module[exportName] as Command)(args, context);
  };
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let wantsReal = false;
  try {
    const parsed = parseCommandLine(argv, env);
    // confirm (and fuzz --confirm) run the real backend whatever --backend says.
    wantsReal = parsed.flags.backend === 'real' || parsed.command === 'confirm' || parsed.flags.confirm;
  } catch {
    // runCli parses again and reports the usage error with its exit code.
  }
  const sim = await loadModule<SimModule>('simulator backend', () => import('../sim/index.ts'));
  const real = wantsReal ? await loadModule<RealModule>('real backend', () => import('../real/index.ts')) : null;

  const deps: CliDeps = {
    createBackend(name: BackendName, options: BackendOptions): Backend {
      if (name === 'sim') {
        if (sim instanceof Error) throw sim;
        return sim.createSimBackend();
      }
      if (real === null) throw new Error('the real backend was not loaded: --backend real was not on the command line');
      if (real instanceof Error) throw real;
      return real.createRealBackend({
        valkeyServer: options.valkeyServer,
        env,
        ...(options.oneRun ? { spares: 'never' as const } : {}),
      });
    },
    runBench(options) {
      if (sim instanceof Error) throw sim;
      return sim.runBench(options);
    },
    workerModuleUrl: new URL('./fuzz-worker.ts', import.meta.url),
  };

  return runCli(argv, env, deps, {
    run: lazyCommand(() => import('../core/cli/commands/run.ts'), 'runCommand'),
    fuzz: lazyCommand(() => import('../core/cli/commands/fuzz.ts'), 'fuzzCommand'),
    reproduce: lazyCommand(() => import('../core/cli/commands/reproduce.ts'), 'reproduceCommand'),
    shrink: lazyCommand(() => import('../core/cli/commands/shrink.ts'), 'shrinkCommand'),
    validate: lazyCommand(() => import('../core/cli/commands/validate.ts'), 'validateCommand'),
    export: lazyCommand(() => import('../core/cli/commands/export.ts'), 'exportCommand'),
    bench: lazyCommand(() => import('../core/cli/commands/bench.ts'), 'benchCommand'),
    report: lazyCommand(() => import('../core/cli/commands/report.ts'), 'reportCommand'),
    merge: lazyCommand(() => import('../core/cli/commands/merge.ts'), 'mergeCommand'),
    fleet: lazyCommand(() => import('../core/cli/commands/fleet.ts'), 'fleetCommand'),
    confirm: lazyCommand(() => import('../core/cli/commands/confirm.ts'), 'confirmCommand'),
    corpus: lazyCommand(() => import('../core/cli/commands/corpus.ts'), 'corpusCommand'),
  });
}
