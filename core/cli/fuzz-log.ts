/**
 * The fuzz loop's story in the log (stderr, LOG_LEVEL): each finding as it comes, run errors, the
 * stop, and the summary's figures. Its runs happen in workers, so a run's own story (run-story.ts)
 * is not logged here: `busfuzz run` on the exported seed tells it.
 */
import type { FuzzEvent, FuzzSummary } from '../fuzz/loop.ts';
import type { Logger } from '../log.ts';

export function logFuzzEvent(log: Logger, event: FuzzEvent): void {
  switch (event.type) {
    case 'new-finding': {
      const violation = event.outcome.result!.violation!;
      log.info(
        {
          seed: event.outcome.seed,
          fingerprint: violation.fingerprint,
          step: violation.step,
          at_ms: violation.timeMs,
          nodes: violation.nodes,
          crash_file: event.crashFile,
        },
        `finding ${violation.fingerprint} at seed ${event.outcome.seed}: ${violation.message}`,
      );
      return;
    }
    case 'run-error':
      log.error(
        { seed: event.seed, kind: event.tally.error.kind },
        `run error at seed ${event.seed}: ${event.tally.error.message.split('\n')[0]}`,
      );
      return;
    case 'stopping':
      log.info({ reason: event.reason }, `fuzz stopping: ${event.reason}`);
  }
}

export function logFuzzSummary(log: Logger, summary: FuzzSummary): void {
  log.info(
    {
      runs: summary.runs,
      steps: summary.steps,
      inconclusive: summary.inconclusive,
      new_findings: summary.newCount,
      fingerprints: summary.tallies.length,
      stop_reason: summary.stopReason,
      resume_seed: summary.resumeSeed,
    },
    `fuzz done: ${summary.runs} runs, ${summary.tallies.length} fingerprints (${summary.newCount} new), ${summary.inconclusive} inconclusive`,
  );
  for (const tally of summary.tallies)
    log.debug(
      { fingerprint: tally.fingerprint, status: tally.status, count: tally.count, seeds: tally.seeds },
      `${tally.status} ${tally.fingerprint} x${tally.count}`,
    );
}
