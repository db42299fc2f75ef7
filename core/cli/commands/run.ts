/**
 * `busfuzz run <scenario.yaml>`: run one scenario once on the chosen backend. A violation is
 * saved as a crash file (crashes/ or CRASH_DIR) and the replay command printed; exit 1.
 */
import { InputError } from '../../backend.ts';
import { assertCrashDirUsable, buildCrashFile, crashFileGivenToRun, writeCrashFile } from '../../crash/index.ts';
import { loadScenarioFile } from '../../dsl/index.ts';
import { DEFAULT_MAX_STEPS, type Command } from '../context.ts';
import { RunStory } from '../../run-story.ts';
import { EXIT_INCONCLUSIVE, abortOnSignals, describeResult, logOutcome, resultJson } from '../report.ts';

export const runCommand: Command = async (args, context) => {
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new InputError('run: expected <scenario.yaml>');
  if (extra.length > 0) throw new InputError(`run: unexpected argument '${extra[0]}'`);
  const crashGiven = await crashFileGivenToRun(file);
  if (crashGiven !== null) throw crashGiven;
  const loaded = loadScenarioFile(file);
  const scenario = args.flags.seed === undefined ? loaded : { ...loaded, seed: args.flags.seed };
  const maxSteps = args.flags.maxSteps ?? DEFAULT_MAX_STEPS;
  await assertCrashDirUsable(args.flags.crashDir);
  const backend = context.deps.createBackend(args.flags.backend, { valkeyServer: args.flags.valkeyServer, oneRun: true });
  const stop = abortOnSignals();
  const story = new RunStory(context.log);
  context.log.info({ scenario: scenario.scenarioId, seed: scenario.seed, backend: backend.name, max_steps: maxSteps }, `run ${file}`);
  let result;
  try {
    result = await backend.run(scenario, { maxSteps, signal: stop.signal, artifactsDir: args.flags.crashDir, onEvent: story.onEvent });
  } finally {
    stop.dispose();
    await backend.close?.();
  }
  let crashFile: string | null = null;
  if (result.violation) {
    crashFile = await writeCrashFile(args.flags.crashDir, buildCrashFile({ scenario, result, maxSteps }));
  }
  logOutcome(context.log, result);
  for (const line of describeResult(result, crashFile, story)) context.stderr.write(`${line}\n`);
  if (args.flags.json) context.stdout.write(`${JSON.stringify(resultJson(result, crashFile))}\n`);
  if (result.verdict === 'aborted') return 130;
  if (result.verdict === 'inconclusive') return EXIT_INCONCLUSIVE;
  return result.verdict === 'violation' ? 1 : 0;
};
