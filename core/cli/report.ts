/**
 * How a run's result is shown: the human summary on stderr and the `--json` object (the
 * interface page's fields, snake_case) as the last stdout line. Shared by run and reproduce.
 */
import type { RunResult } from '../backend.ts';
import type { Logger } from '../log.ts';
import { describeFailover, type RunStory } from '../run-story.ts';
import type { Violation } from '../violation.ts';

/** Exit code of `run` and `reproduce` for an inconclusive run (the step bound came first). */
export const EXIT_INCONCLUSIVE = 5;

export function violationJson(violation: Violation | null) {
  if (violation === null) return null;
  return {
    invariant: violation.invariant,
    message: violation.message,
    step: violation.step,
    time_ms: violation.timeMs,
    nodes: violation.nodes,
    fingerprint: violation.fingerprint,
  };
}

export function resultJson(result: RunResult, crashFile: string | null, extra: Record<string, unknown> = {}) {
  return {
    scenario_id: result.scenarioId,
    backend: result.backend,
    seed: result.seed,
    verdict: result.verdict,
    steps: result.steps,
    sim_time_ms: result.simTimeMs,
    trace_hash: result.traceHash,
    violation: violationJson(result.violation),
    crash_file: crashFile,
    server: result.server,
    messages: result.messages,
    stats: result.stats,
    ...(result.clockSkews === undefined ? {} : { clock_skews_ms: result.clockSkews }),
    ...extra,
  };
}

/** The --json fields naming a run's page and its event record (null without --report). */
export function reportJson(report: { page: string; record: string } | null) {
  return { report: report?.page ?? null, events_file: report?.record ?? null };
}

/** A few lines a person reads first: the verdict, where, and what to run next. */
export function describeResult(result: RunResult, crashFile: string | null, story: RunStory | null = null): string[] {
  const where = `${result.steps.toLocaleString('en-US')} steps, ${(result.simTimeMs / 1000).toFixed(2)} s ${result.backend === 'sim' ? 'simulated' : 'wall'}`;
  const head = `${result.scenarioId} (seed ${result.seed}, ${result.backend}${result.server ? ` ${result.server.version}` : ''}): `;
  const lines: string[] = [];
  if (result.verdict === 'pass') {
    lines.push(`${head}pass after ${where}`);
    lines.push(...whatHappened(result, story));
  } else if (result.verdict === 'inconclusive') {
    const before = (result.stats.formation_ms ?? -1) < 0 ? 'the cluster formed' : 'the convergence checks answered';
    lines.push(
      `${head}INCONCLUSIVE: the step bound (${result.steps.toLocaleString('en-US')} steps) ended the run before ${before}; nothing was shown either way (${where})`,
    );
    lines.push('  Hint: raise --max-steps (or MAX_STEPS)');
  } else if (result.verdict === 'aborted') {
    lines.push(`${head}aborted after ${where}`);
  } else {
    const v = result.violation!;
    lines.push(`${head}VIOLATION ${v.invariant} at step ${v.step} (${(v.timeMs / 1000).toFixed(3)} s)`);
    lines.push(`  ${v.message}`);
    if (v.nodes.length > 0) lines.push(`  nodes: ${v.nodes.join(', ')}`);
    lines.push(`  fingerprint: ${v.fingerprint}`);
    if (result.traceTail.length > 0) {
      lines.push('  last events:');
      for (const line of result.traceTail.slice(-12)) lines.push(`    ${line}`);
    }
    if (crashFile) {
      lines.push(`  crash file: ${crashFile}`);
      lines.push(`  replay:     npx busfuzz reproduce ${crashFile}`);
    }
    if (result.artifactsDir) lines.push(`  node logs:  ${result.artifactsDir}`);
  }
  if (result.clockSkews !== undefined) {
    const skews = Object.entries(result.clockSkews).map(([node, ms]) => `${node} ${ms > 0 ? '+' : ''}${ms}ms`);
    lines.push(`  clocks still skewed at the end (left by clock faults; not a violation): ${skews.join(', ')}`);
  }
  lines.push(`  trace hash: ${result.traceHash}`);
  return lines;
}

/** The end of a run's story in the log: the finding, or how it ended (info: the human lines say it too). */
export function logOutcome(log: Logger, result: RunResult): void {
  const fields = {
    verdict: result.verdict,
    steps: result.steps,
    sim_time_ms: result.simTimeMs,
    trace_hash: result.traceHash,
  };
  const v = result.violation;
  if (v !== null)
    log.info(
      { ...fields, invariant: v.invariant, fingerprint: v.fingerprint, nodes: v.nodes, at_ms: v.timeMs, step: v.step },
      `finding ${v.fingerprint}: ${v.message}`,
    );
  else log.info(fields, `run ended: ${result.verdict}`);
}

/** A pass says what it survived: formation, failovers and their times, writes acked and lost. */
function whatHappened(result: RunResult, story: RunStory | null): string[] {
  const stats = result.stats;
  const lines: string[] = [];
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const parts: string[] = [];
  if ((stats.formation_ms ?? -1) >= 0) parts.push(`formed in ${seconds(stats.formation_ms!)}`);
  if ((stats.healed_at_ms ?? -1) >= 0 && (stats.converged_at_ms ?? -1) >= 0)
    parts.push(`converged ${seconds(stats.converged_at_ms! - stats.healed_at_ms!)} after the heal`);
  if (parts.length > 0) lines.push(`  ${parts.join(', ')}`);
  if (story !== null) {
    const clock = result.backend === 'sim' ? 'simulated' : 'wall';
    const failovers = story.failovers;
    lines.push(
      `  failovers: ${failovers.length === 0 ? 'none' : `${failovers.length}: ${failovers.map((failover) => describeFailover(failover, clock)).join('; ')}`}`,
    );
  }
  if (stats.writes_acked !== undefined) {
    const lost = stats.writes_lost ?? 0;
    // On a pass every loss was excused: each of its holders lost it to an injected fault.
    lines.push(
      `  writes: ${stats.writes_acked} acknowledged, ${lost} lost${lost === 0 ? '' : ' (keys whose holders all lost their data to injected faults, as acked-writes-durable excuses)'}`,
    );
  }
  return lines;
}

/**
 * An AbortSignal that fires on the first Ctrl-C or SIGTERM, so a run stops cleanly (the real
 * backend tears its processes down); a second signal exits at once.
 */
export function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`busfuzz: ${name}: stopping cleanly (again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
