/**
 * `busfuzz shrink <crash.json> [-o OUT]`: minimises a crash while its fingerprint stays the same
 * (core/shrink), writes the smaller crash file (default: beside the original, `.min.json`) and says
 * what it removed. `--time-limit` bounds the search (the best so far is written); Ctrl-C does too.
 * Exit 0 when a file was written; 2 for a bad crash file or one that does not fail any more.
 */
import { basename, dirname, join } from 'node:path';
import { InputError } from '../../backend.ts';
import { readCrashFile, writeCrashFile } from '../../crash/index.ts';
import { shrinkCrash, type ShrinkReport } from '../../shrink/index.ts';
import type { Command } from '../context.ts';
import { abortOnSignals } from '../report.ts';
import { replayCommand } from './fuzz.ts';

/** Backend runs the search may spend. */
export const SHRINK_MAX_RUNS = 400;

export const shrinkCommand: Command = async (args, context) => {
  const [file, ...extra] = args.positionals;
  if (file === undefined)
    throw new InputError('shrink: expected <crash.json>. Hint: busfuzz shrink crashes/crash-....json -o smaller.json');
  if (extra.length > 0) throw new InputError(`shrink: unexpected argument '${extra[0]}'`);
  const crash = await readCrashFile(file);
  const say = (line: string) => context.stderr.write(`${line}\n`);
  const backend = context.deps.createBackend(args.flags.backend, { valkeyServer: args.flags.valkeyServer });
  say(
    `shrinking ${file}: ${crash.violation.fingerprint} (seed ${crash.seed}) on ${backend.name}, at most ${SHRINK_MAX_RUNS} runs${args.flags.timeLimitSec === undefined ? '' : ` or ${args.flags.timeLimitSec} s`}`,
  );
  const stop = abortOnSignals();
  let report: ShrinkReport;
  try {
    report = await shrinkCrash(crash, {
      backend,
      maxRuns: SHRINK_MAX_RUNS,
      ...(args.flags.timeLimitSec === undefined ? {} : { timeLimitMs: args.flags.timeLimitSec * 1000 }),
      signal: stop.signal,
      shrunkFrom: file,
      onProgress: (line) => say(`  ${line}`),
    });
  } finally {
    stop.dispose();
    await backend.close?.();
  }
  const output = args.flags.output ?? join(dirname(file), `${basename(file).replace(/(\.min)?\.json$/, '')}.min.json`);
  const written = await writeCrashFile(dirname(output), report.crash, { fileName: basename(output) });
  for (const line of reportLines(report)) say(line);
  say(`wrote ${written}`);
  say(`replay: ${replayCommand(written)}`);
  if (args.flags.json) context.stdout.write(`${JSON.stringify(reportJson(report, file, written))}\n`);
  return 0;
};

function reportLines(report: ShrinkReport): string[] {
  const { before, after } = report;
  const stopped = {
    done: 'nothing smaller fails the same way',
    budget: 'run budget spent',
    time: 'time limit',
    signal: 'interrupted',
  }[report.stoppedBy];
  return [
    `shrunk in ${report.runs} runs (${stopped}), fingerprint kept: ${report.crash.violation.fingerprint}`,
    `  steps     ${before.steps} -> ${after.steps}   faults ${before.faults} -> ${after.faults}`,
    `  shards    ${before.shards} -> ${after.shards}   replicas per shard ${before.replicasPerShard} -> ${after.replicasPerShard}   nodes ${before.nodes} -> ${after.nodes}`,
    `  fault time ${before.durationMs} -> ${after.durationMs} ms   max_steps ${before.maxSteps} -> ${after.maxSteps}`,
    ...(report.removed.length === 0 ? ['  removed nothing'] : report.removed.map((line) => `  - ${line}`)),
    ...report.candidateErrors.map((line) => `  candidates the backend refused: ${line}`),
  ];
}

function reportJson(report: ShrinkReport, input: string, output: string) {
  const size = (s: ShrinkReport['before']) => ({
    steps: s.steps,
    faults: s.faults,
    shards: s.shards,
    replicas_per_shard: s.replicasPerShard,
    nodes: s.nodes,
    duration_ms: s.durationMs,
    max_steps: s.maxSteps,
  });
  return {
    input,
    crash_file: output,
    fingerprint: report.crash.violation.fingerprint,
    runs: report.runs,
    stopped_by: report.stoppedBy,
    before: size(report.before),
    after: size(report.after),
    removed: report.removed,
    step: report.crash.violation.step,
    trace_hash: report.crash.traceHash,
  };
}
