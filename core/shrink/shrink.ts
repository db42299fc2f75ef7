/**
 * Shrinking a crash: the smallest scenario we can find that still fails with the same fingerprint.
 * Each candidate is checked against the DSL (it must save as a valid crash file) and run on the
 * backend; it is kept only if the run hits the same fingerprint. The passes, repeated while they
 * make progress and the budget lasts:
 *
 * 1. the chaos block written out as timeline steps (so each fault can go on its own); if that
 *    loses the failure, gentler chaos settings instead;
 * 2. delta debugging over the timeline steps;
 * 3. fewer shards, then fewer replicas per shard;
 * 4. less workload, shorter step durations and restart delays, shorter waits between steps
 *    (never a shorter convergence timeout: that changes what the check means, see below);
 *
 * and finally max_steps cut to the violation's step. The result is a crash file with the run of
 * the final scenario (its own step and trace hash) and `shrunk_from` naming the original.
 */
import { InputError, type Backend, type RunResult } from '../backend.ts';
import { buildCrashFile, type CrashFile } from '../crash/index.ts';
import { scenarioFromDocument, scenarioToDocument } from '../dsl/index.ts';
import { materializeChaos } from '../scenario/chaos.ts';
import type { Scenario } from '../scenario/types.ts';
import {
  halveGapBefore,
  halveStepDuration,
  smallerChaos,
  smallerWorkloads,
  withReplicas,
  withShards,
  withTimeline,
} from './candidates.ts';
import { ddmin } from './ddmin.ts';
import { scenarioSize, stepDurations, type ScenarioSize } from './size.ts';

export interface ShrinkOptions {
  backend: Backend;
  /** Most backend runs to spend. @defaultValue 400 */
  maxRuns?: number;
  /** Stop trying after this long (wall ms); the best so far is kept. */
  timeLimitMs?: number;
  signal?: AbortSignal;
  /** The original crash file's path, recorded as `shrunk_from`. */
  shrunkFrom?: string;
  /** Progress, one line at a time. */
  onProgress?: (line: string) => void;
}

export interface ShrinkReport {
  crash: CrashFile;
  before: ScenarioSize & { maxSteps: number };
  after: ScenarioSize & { maxSteps: number };
  /** Backend runs made (the original's check included). */
  runs: number;
  /** Candidates the backend could not run (errors), by first message. */
  candidateErrors: string[];
  /** What was removed or shortened, one line per kind (original against final). */
  removed: string[];
  /** Why shrinking stopped: `done` (nothing smaller fails the same way), `budget`, `time`, `signal`. */
  stoppedBy: 'done' | 'budget' | 'time' | 'signal';
}

/** The crash no longer fails with its fingerprint on this backend: nothing to shrink. */
export class NotReproducingError extends InputError {
  constructor(message: string) {
    super(message);
    this.name = 'NotReproducingError';
  }
}

/** Runs candidates and says whether they keep the fingerprint, within the budget. */
class Checker {
  runs = 0;
  readonly errors = new Map<string, number>();
  stoppedBy: ShrinkReport['stoppedBy'] | null = null;
  private readonly deadlineMs: number;

  constructor(
    private readonly crash: CrashFile,
    private readonly options: ShrinkOptions,
  ) {
    this.deadlineMs = options.timeLimitMs === undefined ? Infinity : performance.now() + options.timeLimitMs;
  }

  /** The run if `candidate` fails with the same fingerprint, null if not, undefined when out of budget. */
  async check(candidate: Scenario, maxSteps = this.crash.maxSteps): Promise<RunResult | null | undefined> {
    if (this.outOfBudget()) return undefined;
    if (!isValidScenario(candidate)) return null;
    this.runs++;
    let result: RunResult;
    try {
      result = await this.options.backend.run(candidate, {
        maxSteps,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
    } catch (error) {
      // A candidate the backend cannot run is not a smaller failure; the original still stands.
      const message = (error as Error).message.split('\n')[0]!;
      this.errors.set(message, (this.errors.get(message) ?? 0) + 1);
      return null;
    }
    if (result.verdict === 'aborted') return undefined;
    return result.violation?.fingerprint === this.crash.violation.fingerprint ? result : null;
  }

  private outOfBudget(): boolean {
    if (this.stoppedBy !== null) return true;
    if (this.options.signal?.aborted) this.stoppedBy = 'signal';
    else if (this.runs >= (this.options.maxRuns ?? 400)) this.stoppedBy = 'budget';
    else if (performance.now() >= this.deadlineMs) this.stoppedBy = 'time';
    return this.stoppedBy !== null;
  }
}

/** A candidate must be a scenario the DSL accepts (targets in range, ...), so it saves and replays. */
function isValidScenario(scenario: Scenario): boolean {
  try {
    scenarioFromDocument(scenarioToDocument(scenario), '<shrink candidate>');
    return true;
  } catch (error) {
    if (error instanceof InputError) return false;
    throw error;
  }
}

/** The best scenario so far and the run that shows it fails. */
interface Best {
  scenario: Scenario;
  result: RunResult;
}

export async function shrinkCrash(crash: CrashFile, options: ShrinkOptions): Promise<ShrinkReport> {
  const checker = new Checker(crash, options);
  const progress = options.onProgress ?? (() => {});
  const original = await checker.check(crash.scenario);
  if (original === undefined) throw new NotReproducingError('shrink: stopped before the crash could be checked');
  if (original === null) {
    throw new NotReproducingError(
      `shrink: the crash does not fail with its fingerprint ${crash.violation.fingerprint} on ${options.backend.name}; nothing to shrink. Hint: busfuzz reproduce it to see what differs`,
    );
  }
  let best: Best = { scenario: crash.scenario, result: original };
  const before = scenarioSize(crash.scenario);
  const chaosNotes: string[] = [];
  const note = (line: string) => {
    if (line.startsWith('chaos')) chaosNotes.push(line);
    progress(`${line} (${checker.runs} runs)`);
  };

  best = await chaosPass(best, checker, note);
  for (let round = 1; round <= 4; round++) {
    const start = best;
    best = await timelinePass(best, checker, note);
    best = await clusterPass(best, checker, note);
    best = await tighteningPass(best, checker, note);
    if (best === start || checker.stoppedBy !== null) break;
  }
  const final = await maxStepsPass(best, crash.maxSteps, checker, note);
  const shrunk = buildCrashFile({
    scenario: final.best.scenario,
    result: final.best.result,
    maxSteps: final.maxSteps,
    ...(options.shrunkFrom === undefined ? {} : { shrunkFrom: options.shrunkFrom }),
  });
  return {
    crash: shrunk,
    before: { ...before, maxSteps: crash.maxSteps },
    after: { ...scenarioSize(final.best.scenario), maxSteps: final.maxSteps },
    runs: checker.runs,
    candidateErrors: [...checker.errors].map(([message, count]) => `${message} (x${count})`),
    removed: [
      ...chaosNotes,
      ...describeChanges(materializeChaos(crash.scenario), materializeChaos(final.best.scenario)),
      ...maxStepsChange(crash.maxSteps, final.maxSteps),
    ],
    stoppedBy: checker.stoppedBy ?? 'done',
  };
}

type Note = (line: string) => void;

/** Tries candidates in order and keeps the first that still fails; null if none did. */
async function firstFailing(candidates: Array<Scenario | null>, checker: Checker): Promise<Best | null> {
  for (const candidate of candidates) {
    if (candidate === null) continue;
    const result = await checker.check(candidate);
    if (result === undefined) return null;
    if (result !== null) return { scenario: candidate, result };
  }
  return null;
}

async function chaosPass(best: Best, checker: Checker, note: Note): Promise<Best> {
  if (best.scenario.chaos === null) return best;
  const written = materializeChaos(best.scenario);
  const result = await checker.check(written);
  if (result) {
    note(`chaos block written out as ${written.timeline.length - best.scenario.timeline.length} timeline steps`);
    return { scenario: written, result };
  }
  // Writing it out changed the run; make the block itself gentler instead.
  let current = best;
  for (let attempt = 0; attempt < 20; attempt++) {
    const next = await firstFailing(smallerChaos(current.scenario), checker);
    if (next === null) break;
    current = next;
  }
  if (current !== best)
    note(`chaos block made gentler: ${describeChaos(best.scenario)} -> ${describeChaos(current.scenario)}`);
  return current;
}

function describeChaos(scenario: Scenario): string {
  const chaos = scenario.chaos!;
  return `rate ${chaos.rate}/min, ${chaos.types.join('+')}, until ${chaos.untilMs} ms, max ${chaos.maxConcurrent} at once`;
}

async function timelinePass(best: Best, checker: Checker, note: Note): Promise<Best> {
  const steps = best.scenario.timeline;
  if (steps.length === 0) return best;
  let last = best;
  const kept = await ddmin(steps, async (subset) => {
    const candidate = withTimeline(best.scenario, subset);
    const result = await checker.check(candidate);
    if (result === undefined) return null;
    if (result !== null && subset.length < last.scenario.timeline.length) last = { scenario: candidate, result };
    return result !== null;
  });
  if (kept.length === steps.length) return best;
  // ddmin's answer is the last subset that failed, which `last` recorded.
  if (last.scenario.timeline.length !== kept.length)
    throw new Error(
      `shrink: ddmin kept ${kept.length} steps but the last failing run had ${last.scenario.timeline.length}`,
    );
  note(`timeline: ${steps.length} -> ${kept.length} steps (removed ${describeActions(steps, kept)})`);
  return last;
}

function describeActions(all: Scenario['timeline'], kept: Scenario['timeline']): string {
  const keptSet = new Set(kept);
  const counts = new Map<string, number>();
  for (const step of all) if (!keptSet.has(step)) counts.set(step.action, (counts.get(step.action) ?? 0) + 1);
  return [...counts].map(([action, count]) => `${count} ${action}`).join(', ');
}

async function clusterPass(best: Best, checker: Checker, note: Note): Promise<Best> {
  const { numShards, replicasPerShard } = best.scenario.cluster;
  const shards = await firstFailing(
    range(1, numShards - 1).map((n) => withShards(best.scenario, n)),
    checker,
  );
  if (shards !== null) {
    note(`shards: ${numShards} -> ${shards.scenario.cluster.numShards}`);
    best = shards;
  }
  const replicas = await firstFailing(
    range(0, replicasPerShard - 1).map((r) => withReplicas(best.scenario, r)),
    checker,
  );
  if (replicas !== null) {
    note(`replicas per shard: ${replicasPerShard} -> ${replicas.scenario.cluster.replicasPerShard}`);
    best = replicas;
  }
  return best;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}

/**
 * Workload, durations and gaps, each tried once per round. The convergence timeout is left alone:
 * shortening it makes the check stricter rather than the scenario smaller, and turns "never
 * converged" into "not converged within 3 s", a different finding under the same fingerprint.
 */
async function tighteningPass(best: Best, checker: Checker, note: Note): Promise<Best> {
  const workload = await firstFailing(smallerWorkloads(best.scenario), checker);
  if (workload !== null) {
    note(
      workload.scenario.workload === null
        ? 'workload removed'
        : `workload: ${describeWorkload(best.scenario)} -> ${describeWorkload(workload.scenario)}`,
    );
    best = workload;
  }
  let halved = 0;
  for (let index = 0; index < best.scenario.timeline.length; index++) {
    for (const [field] of stepDurations(best.scenario.timeline[index]!)) {
      const next = await firstFailing([halveStepDuration(best.scenario, index, field)], checker);
      if (next !== null) {
        best = next;
        halved++;
      }
    }
    const earlier = await firstFailing([halveGapBefore(best.scenario, index)], checker);
    if (earlier !== null) {
      best = earlier;
      halved++;
    }
  }
  if (halved > 0) note(`durations: ${halved} step durations, delays or gaps halved`);
  return best;
}

function describeWorkload(scenario: Scenario): string {
  const workload = scenario.workload!;
  return `${workload.keys} keys at ${workload.writesPerSec}/s`;
}

/** max_steps cut to the violation's step (or one more, whichever the backend needs to reach it). */
async function maxStepsPass(
  best: Best,
  maxSteps: number,
  checker: Checker,
  note: Note,
): Promise<{ best: Best; maxSteps: number }> {
  const violationStep = best.result.violation!.step;
  for (const bound of [violationStep, violationStep + 1]) {
    if (bound >= maxSteps) break;
    const result = await checker.check(best.scenario, bound);
    if (result === undefined) break;
    if (result !== null) {
      note(`max_steps: ${maxSteps} -> ${bound}`);
      return { best: { scenario: best.scenario, result }, maxSteps: bound };
    }
  }
  return { best, maxSteps };
}

function maxStepsChange(before: number, after: number): string[] {
  return before === after ? [] : [`max_steps: ${before} -> ${after} (the violation's step)`];
}

/** What shrinking changed, one line per kind, from the scenario before to the one after. */
export function describeChanges(before: Scenario, after: Scenario): string[] {
  const lines: string[] = [];
  const actionCounts = (steps: Scenario['timeline']) => {
    const counts = new Map<string, number>();
    for (const step of steps) counts.set(step.action, (counts.get(step.action) ?? 0) + 1);
    return counts;
  };
  const kept = actionCounts(after.timeline);
  const gone = [...actionCounts(before.timeline)]
    .map(([action, count]) => [action, count - (kept.get(action) ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([action, count]) => `${count} ${action}`);
  if (gone.length > 0)
    lines.push(`timeline: ${before.timeline.length} -> ${after.timeline.length} steps (removed ${gone.join(', ')})`);
  if (after.cluster.numShards !== before.cluster.numShards)
    lines.push(`shards: ${before.cluster.numShards} -> ${after.cluster.numShards}`);
  if (after.cluster.replicasPerShard !== before.cluster.replicasPerShard) {
    lines.push(`replicas per shard: ${before.cluster.replicasPerShard} -> ${after.cluster.replicasPerShard}`);
  }
  if (before.workload !== null && after.workload === null) lines.push('workload removed');
  else if (
    before.workload !== null &&
    after.workload !== null &&
    describeWorkload(before) !== describeWorkload(after)
  ) {
    lines.push(`workload: ${describeWorkload(before)} -> ${describeWorkload(after)}`);
  }
  const [durationBefore, durationAfter] = [scenarioSize(before).durationMs, scenarioSize(after).durationMs];
  if (durationAfter < durationBefore)
    lines.push(`step durations, restart delays and waits: ${durationBefore} -> ${durationAfter} ms in total`);
  const lastAtMs = (scenario: Scenario) => scenario.timeline.at(-1)?.atMs ?? 0;
  if (after.timeline.length > 0 && lastAtMs(after) < lastAtMs(before))
    lines.push(`last step at ${lastAtMs(before)} -> ${lastAtMs(after)} ms`);
  const [timeoutBefore, timeoutAfter] = [before.validation.convergenceTimeoutMs, after.validation.convergenceTimeoutMs];
  if (timeoutAfter < timeoutBefore) lines.push(`convergence timeout: ${timeoutBefore} -> ${timeoutAfter} ms`);
  return lines;
}
