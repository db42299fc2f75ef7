/**
 * `busfuzz run <scenario.yaml>`: run one scenario once on the chosen backend. A violation is
 * saved as a crash file (crashes/ or CRASH_DIR) and the replay command printed; exit 1.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asRunBug, InputError, type RunResult } from '../../backend.ts';
import { assertCrashDirUsable, buildCrashFile, crashFileGivenToRun, writeCrashFile } from '../../crash/index.ts';
import { loadScenarioFile } from '../../dsl/index.ts';
import { knownFor, knownLine, loadKnown } from '../../fuzz/known.ts';
import { DEFAULT_MAX_STEPS, type Command } from '../context.ts';
import { RunStory } from '../../run-story.ts';
import { EXIT_INCONCLUSIVE, abortOnSignals, describeResult, logOutcome, reportJson, resultJson } from '../report.ts';
import { writeRunReport } from '../../report/run-report.ts';

export const runCommand: Command = async (args, context) => {
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new InputError('run: expected <scenario.yaml>');
  if (extra.length > 0) throw new InputError(`run: unexpected argument '${extra[0]}'`);
  const crashGiven = await crashFileGivenToRun(file);
  if (crashGiven !== null) throw crashGiven;
  const loaded = loadScenarioFile(file);
  const seeded = args.flags.seed === undefined ? loaded : { ...loaded, seed: args.flags.seed };
  const scenario = args.flags.protocol === undefined ? seeded : { ...seeded, protocol: args.flags.protocol };
  const maxSteps = args.flags.maxSteps ?? DEFAULT_MAX_STEPS;
  const known = knownFor((await loadKnown(args.flags)).known, scenario.protocol);
  await assertCrashDirUsable(args.flags.crashDir);
  const backend = context.deps.createBackend(args.flags.backend, {
    valkeyServer: args.flags.valkeyServer,
    oneRun: true,
  });
  const stop = abortOnSignals();
  const story = new RunStory(context.log);
  context.log.info(
    { scenario: scenario.scenarioId, seed: scenario.seed, backend: backend.name, max_steps: maxSteps },
    `run ${file}`,
  );
  let result: RunResult;
  try {
    result = await backend.run(scenario, {
      maxSteps,
      signal: stop.signal,
      artifactsDir: args.flags.crashDir,
      onEvent: story.onEvent,
      record: args.flags.report !== undefined,
    });
  } catch (error) {
    throw asRunBug(error, scenario);
  } finally {
    stop.dispose();
    await backend.close?.();
  }
  // A finding known-issues explains is Valkey's documented behaviour: shown as KNOWN, exit 0, and
  // no crash file joins the corpus (the scenario file itself replays it).
  const knownIssue = result.violation ? (known.get(result.violation.fingerprint) ?? null) : null;
  let crashFile: string | null = null;
  if (result.violation && knownIssue === null) {
    crashFile = await writeCrashFile(args.flags.crashDir, buildCrashFile({ scenario, result, maxSteps }));
  }
  logOutcome(context.log, result);
  for (const line of describeResult(result, crashFile, story)) context.stderr.write(`${line}\n`);
  if (knownIssue !== null) {
    context.stderr.write(`${knownLine(result.violation!.fingerprint, knownIssue)}\n  ${knownIssue.reason}\n`);
  }
  const report =
    args.flags.report === undefined
      ? null
      : await writeRunReport(args.flags.report, {
          scenario,
          result,
          replay: crashFile === null ? null : `npx busfuzz reproduce ${crashFile}`,
        });
  if (report !== null) context.stderr.write(`  report:     ${report.page} (event record ${report.record})\n`);
  // A real finding's record also goes beside its node logs, where `busfuzz report <crash file>` looks.
  if (report !== null && crashFile !== null && result.artifactsDir)
    await copyFile(report.record, join(result.artifactsDir, 'run.json'));
  if (args.flags.json) {
    const knownJson =
      knownIssue === null
        ? null
        : { reason: knownIssue.reason, upstream: knownIssue.upstream, fixed_in: knownIssue.fixedIn };
    context.stdout.write(
      `${JSON.stringify(resultJson(result, crashFile, { known: knownJson, ...reportJson(report) }))}\n`,
    );
  }
  if (result.verdict === 'aborted') return 130;
  if (result.verdict === 'inconclusive') return EXIT_INCONCLUSIVE;
  return result.verdict === 'violation' && knownIssue === null ? 1 : 0;
};
