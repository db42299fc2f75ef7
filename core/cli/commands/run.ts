/**
 * `busfuzz run <scenario.yaml>`: run one scenario once on the chosen backend. A violation is
 * saved as a crash file (crashes/ or CRASH_DIR) and the replay command printed; exit 1.
 */
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../backend.ts';
import { buildCrashFile, writeCrashFile } from '../../crash/index.ts';
import { loadScenarioFile } from '../../dsl/index.ts';
import { DEFAULT_MAX_STEPS, type Command } from '../context.ts';
import { writeRunReport } from '../../report/run-report.ts';
import { abortOnSignals, describeResult, reportJson, resultJson } from '../report.ts';

export const runCommand: Command = async (args, context) => {
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new InputError('run: expected <scenario.yaml>');
  if (extra.length > 0) throw new InputError(`run: unexpected argument '${extra[0]}'`);
  const loaded = loadScenarioFile(file);
  const scenario = args.flags.seed === undefined ? loaded : { ...loaded, seed: args.flags.seed };
  const maxSteps = args.flags.maxSteps ?? DEFAULT_MAX_STEPS;
  const backend = context.deps.createBackend(args.flags.backend, { valkeyServer: args.flags.valkeyServer });
  const stop = abortOnSignals();
  let result;
  try {
    result = await backend.run(scenario, { maxSteps, signal: stop.signal, artifactsDir: args.flags.crashDir, record: args.flags.report !== undefined });
  } finally {
    stop.dispose();
  }
  let crashFile: string | null = null;
  if (result.violation) {
    crashFile = await writeCrashFile(args.flags.crashDir, buildCrashFile({ scenario, result, maxSteps }));
  }
  for (const line of describeResult(result, crashFile)) context.stderr.write(`${line}\n`);
  const report = args.flags.report === undefined ? null : await writeRunReport(args.flags.report, { scenario, result, replay: crashFile === null ? null : `npx busfuzz reproduce ${crashFile}` });
  if (report !== null) context.stderr.write(`  report:     ${report.page} (event record ${report.record})\n`);
  // A real finding's record also goes beside its node logs, where `busfuzz report <crash file>` looks.
  if (report !== null && crashFile !== null && result.artifactsDir) await copyFile(report.record, join(result.artifactsDir, 'run.json'));
  if (args.flags.json) context.stdout.write(`${JSON.stringify(resultJson(result, crashFile, reportJson(report)))}\n`);
  if (result.verdict === 'aborted') return 130;
  return result.verdict === 'violation' ? 1 : 0;
};
