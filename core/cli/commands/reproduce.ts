/**
 * `busfuzz reproduce <crash.json>` (and `FUZZ_MODE=reproduce FUZZ_FILE=...`): replays a crash
 * file's scenario with its step bound. On the simulator it must hit the same invariant at the same
 * step with the same trace hash; on the real backend, the same invariant. Exit 1 when it
 * reproduces, 0 (saying what differed) when it does not, 2 for a bad crash file.
 * `--trace` prints the readable events before the violation and each node's status line there.
 */
import { InputError } from '../../backend.ts';
import { TOOL_VERSION, compareReplay, readCrashFile, type CrashFile, type ReplayComparison } from '../../crash/index.ts';
import type { RunResult } from '../../backend.ts';
import type { Command } from '../context.ts';
import { confirmationLine, readConfirmations } from '../../confirm/record.ts';
import { abortOnSignals, describeResult, resultJson } from '../report.ts';

/** How many readable trace lines `--trace` keeps before the end of the run. */
export const TRACE_WINDOW_LINES = 1000;

export const reproduceCommand: Command = async (args, context) => {
  const [file, ...extra] = args.positionals;
  if (file === undefined) throw new InputError('reproduce: expected <crash.json> (or FUZZ_FILE=...). Hint: busfuzz reproduce crashes/crash-....json');
  if (extra.length > 0) throw new InputError(`reproduce: unexpected argument '${extra[0]}'`);
  const crash = await readCrashFile(file);
  const say = (line: string) => context.stderr.write(`${line}\n`);
  const backend = context.deps.createBackend(args.flags.backend, { valkeyServer: args.flags.valkeyServer });
  const maxSteps = args.flags.maxSteps ?? crash.maxSteps;
  say(`replaying ${file}: ${crash.violation.fingerprint} found at step ${crash.violation.step} (seed ${crash.seed}, ${crash.backend}), on ${backend.name} with max ${maxSteps} steps`);

  const window = args.flags.trace ? new LineWindow(TRACE_WINDOW_LINES) : null;
  const stop = abortOnSignals();
  let result: RunResult;
  try {
    result = await backend.run(crash.scenario, {
      maxSteps,
      signal: stop.signal,
      ...(window === null ? {} : { onTraceLine: (line: string) => window.push(line) }),
    });
  } finally {
    stop.dispose();
  }
  if (window !== null) printTrace(window, result, say);
  for (const line of describeResult(result, null)) say(line);
  const comparison = compareReplay(crash, result);
  for (const line of verdictLines(crash, result, comparison)) say(line);
  // What `busfuzz confirm` found on live servers, as recorded in the file.
  for (const confirmation of await readConfirmations(file)) say(`${confirmationLine(confirmation)} (busfuzz confirm, ${confirmation.at})`);
  if (args.flags.json) {
    context.stdout.write(`${JSON.stringify(resultJson(result, file, {
      reproduced: comparison.reproduced,
      exact: comparison.exact,
      expected: { invariant: crash.violation.invariant, step: crash.violation.step, fingerprint: crash.violation.fingerprint, trace_hash: crash.traceHash },
      differences: comparison.differences,
    }))}\n`);
  }
  if (result.verdict === 'aborted') return 130;
  return comparison.reproduced ? 1 : 0;
};

function verdictLines(crash: CrashFile, result: RunResult, comparison: ReplayComparison): string[] {
  const rule = comparison.exact ? 'same invariant, step and trace hash' : 'same invariant (real processes: step and timing vary)';
  if (comparison.reproduced) {
    const notes = comparison.differences.map((difference) => `  differs (allowed here): ${difference}`);
    return [`REPRODUCED: ${crash.violation.invariant} at step ${result.violation!.step} (${rule})`, ...notes];
  }
  return [
    `NOT REPRODUCED (needs the ${rule}):`,
    ...comparison.differences.map((difference) => `  ${difference}`),
    ...(crash.toolVersion === TOOL_VERSION ? [] : [`Hint: the crash file was written by busfuzz ${crash.toolVersion} (this is ${TOOL_VERSION}); a changed simulator model changes traces.`]),
  ];
}

function printTrace(window: LineWindow, result: RunResult, say: (line: string) => void): void {
  const lines = window.lines();
  say(`--- trace: ${window.dropped > 0 ? `the last ${lines.length} of ${window.dropped + lines.length} lines` : `${lines.length} lines`} up to the ${result.violation === null ? 'end' : 'violation'} ---`);
  for (const line of lines) say(line);
  if (result.nodeStatus !== undefined && result.nodeStatus.length > 0) {
    say(`--- node status at the ${result.violation === null ? 'end' : 'violation'} ---`);
    for (const line of result.nodeStatus) say(line);
  }
  say('--- end of trace ---');
}

/** The last `size` lines seen (a ring), and how many fell out of it. */
class LineWindow {
  private readonly ring: string[] = [];
  private next = 0;
  dropped = 0;

  constructor(private readonly size: number) {}

  push(line: string): void {
    if (this.ring.length < this.size) {
      this.ring.push(line);
      return;
    }
    this.ring[this.next] = line;
    this.next = (this.next + 1) % this.size;
    this.dropped++;
  }

  lines(): string[] {
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }
}
