/**
 * `busfuzz reproduce <crash.json>` (and `FUZZ_MODE=reproduce FUZZ_FILE=...`): replays a crash
 * file's scenario with its step bound. On the simulator it must hit the same invariant at the same
 * step with the same trace hash; on the real backend, the same invariant. Exit 1 when it
 * reproduces, 0 (saying what differed) when it does not, 2 for a bad crash file.
 * `--trace` prints the readable events before the violation and each node's status line there.
 */
import { asRunBug, InputError } from '../../backend.ts';
import {
  TOOL_VERSION,
  assertCrashDirUsable,
  compareReplay,
  readCrashFile,
  type CrashFile,
  type ReplayComparison,
} from '../../crash/index.ts';
import type { RunResult } from '../../backend.ts';
import { knownFor, knownLine, loadKnown } from '../../fuzz/known.ts';
import { DEFAULT_MAX_STEPS, type Command } from '../context.ts';
import { RunStory } from '../../run-story.ts';
import { EXIT_INCONCLUSIVE, abortOnSignals, describeResult, logOutcome, reportJson, resultJson } from '../report.ts';
import { readFile } from 'node:fs/promises';
import { writeRunReport, type WrittenReport } from '../../report/run-report.ts';
import { confirmationLine, readConfirmations } from '../../confirm/record.ts';
import { confirmationLine as reportConfirmationLine } from '../../report/crash-report.ts';

/** How many readable trace lines `--trace` keeps before the end of the run. */
export const TRACE_WINDOW_LINES = 1000;

export const reproduceCommand: Command = async (args, context) => {
  const [file, ...extra] = args.positionals;
  if (file === undefined)
    throw new InputError(
      'reproduce: expected <crash.json> (or FUZZ_FILE=...). Hint: busfuzz reproduce crashes/crash-....json',
    );
  if (extra.length > 0) throw new InputError(`reproduce: unexpected argument '${extra[0]}'`);
  const crash = await readCrashFile(file);
  // --protocol: "is it fixed in 8.1?" replays the scenario under another protocol's rules.
  const scenario =
    args.flags.protocol === undefined ? crash.scenario : { ...crash.scenario, protocol: args.flags.protocol };
  const say = (line: string) => context.stderr.write(`${line}\n`);
  // The real backend keeps a violation's node folders in CRASH_DIR: check it before the run.
  if (args.flags.backend === 'real') await assertCrashDirUsable(args.flags.crashDir);
  const backend = context.deps.createBackend(args.flags.backend, {
    valkeyServer: args.flags.valkeyServer,
    oneRun: true,
  });
  // A shrunk crash file's step bound ends at its violation; under another protocol the run takes
  // other steps, so it gets the default bound at least.
  const maxSteps =
    args.flags.maxSteps ??
    (scenario.protocol === crash.protocol ? crash.maxSteps : Math.max(crash.maxSteps, DEFAULT_MAX_STEPS));
  say(
    `replaying ${file}: ${crash.violation.fingerprint} found at step ${crash.violation.step} (seed ${crash.seed}, ${crash.backend}, ${crash.protocol}), on ${backend.name}${scenario.protocol === crash.protocol ? '' : ` under ${scenario.protocol}`} with max ${maxSteps} steps`,
  );

  const window = args.flags.trace ? new LineWindow(TRACE_WINDOW_LINES) : null;
  const stop = abortOnSignals();
  const story = new RunStory(context.log);
  let result: RunResult;
  try {
    result = await backend.run(scenario, {
      maxSteps,
      signal: stop.signal,
      onEvent: story.onEvent,
      record: args.flags.report !== undefined,
      ...(window === null ? {} : { onTraceLine: (line: string) => window.push(line) }),
    });
  } catch (error) {
    throw asRunBug(error, crash.scenario);
  } finally {
    stop.dispose();
    await backend.close?.();
  }
  if (window !== null) printTrace(window, result, say);
  logOutcome(context.log, result);
  for (const line of describeResult(result, null, story)) say(line);
  const comparison = compareReplay(crash, result, scenario.protocol);
  for (const line of verdictLines(crash, result, comparison)) say(line);
  if (scenario.protocol !== crash.protocol)
    say(
      comparison.reproduced
        ? `under ${scenario.protocol}: the finding still happens`
        : `under ${scenario.protocol}: the finding does not happen (${result.verdict === 'violation' ? `another one does: ${result.violation!.fingerprint}` : result.verdict})`,
    );
  // A reproduced finding still exits 1; known-issues only says why it is Valkey's behaviour. A
  // replay judged under a refined tag is looked up by the fingerprint it has now.
  const fingerprint =
    comparison.reproduced && result.violation !== null ? result.violation.fingerprint : crash.violation.fingerprint;
  const knownIssue = knownFor((await loadKnown(args.flags)).known, scenario.protocol).get(fingerprint) ?? null;
  if (knownIssue !== null) say(`${knownLine(fingerprint, knownIssue)}\n  ${knownIssue.reason}`);
  let report: WrittenReport | null = null;
  if (args.flags.report !== undefined) {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    report = await writeRunReport(args.flags.report, {
      scenario: crash.scenario,
      result,
      replay: `npx busfuzz reproduce ${file}`,
      confirmation: reportConfirmationLine(raw),
    });
    say(`report: ${report.page} (event record ${report.record})`);
  }
  // What `busfuzz confirm` found on live servers, as recorded in the file.
  for (const confirmation of await readConfirmations(file))
    say(`${confirmationLine(confirmation)} (busfuzz confirm, ${confirmation.at})`);
  if (args.flags.json) {
    context.stdout.write(
      `${JSON.stringify(
        resultJson(result, file, {
          reproduced: comparison.reproduced,
          exact: comparison.exact,
          expected: {
            invariant: crash.violation.invariant,
            step: crash.violation.step,
            fingerprint: crash.violation.fingerprint,
            trace_hash: crash.traceHash,
          },
          differences: comparison.differences,
          known:
            knownIssue === null
              ? null
              : { reason: knownIssue.reason, upstream: knownIssue.upstream, fixed_in: knownIssue.fixedIn },
          ...reportJson(report),
        }),
      )}\n`,
    );
  }
  if (result.verdict === 'aborted') return 130;
  if (result.verdict === 'inconclusive') return EXIT_INCONCLUSIVE;
  return comparison.reproduced ? 1 : 0;
};

function verdictLines(crash: CrashFile, result: RunResult, comparison: ReplayComparison): string[] {
  const rule = comparison.exact
    ? 'same invariant, step and trace hash'
    : result.backend === 'sim' && crash.backend === 'sim'
      ? 'same invariant (another protocol: step and trace differ by design)'
      : 'same invariant (real processes: step and timing vary)';
  if (comparison.reproduced) {
    const notes = comparison.differences.map((difference) => `  differs (allowed here): ${difference}`);
    return [`REPRODUCED: ${crash.violation.invariant} at step ${result.violation!.step} (${rule})`, ...notes];
  }
  return [
    `NOT REPRODUCED (needs the ${rule}):`,
    ...comparison.differences.map((difference) => `  ${difference}`),
    ...(crash.toolVersion === TOOL_VERSION
      ? []
      : [
          `Hint: the crash file was written by busfuzz ${crash.toolVersion} (this is ${TOOL_VERSION}); a changed simulator model changes traces.`,
        ]),
  ];
}

function printTrace(window: LineWindow, result: RunResult, say: (line: string) => void): void {
  const lines = window.lines();
  say(
    `--- trace: ${window.dropped > 0 ? `the last ${lines.length} of ${window.dropped + lines.length} lines` : `${lines.length} lines`} up to the ${result.violation === null ? 'end' : 'violation'} ---`,
  );
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
