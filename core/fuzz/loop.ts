/**
 * The fuzz loop: seeds N, N+1, ... handed to an executor (worker processes or threads, or this thread), each
 * outcome tallied by fingerprint, and a crash file written for the first finding of each new
 * fingerprint. Outcomes are handled in seed order, whatever order the workers finish in, so the
 * same seeds give the same crash files with 1 worker or 16 ("the first found" is the lowest seed).
 *
 * It stops after `runs` seeds, at the time limit, on the stop signal (Ctrl-C), or when the
 * environment fails; then it asks in-flight runs to stop, waits for pending crash-file writes and
 * returns a summary. It prints nothing: the CLI renders its events and snapshots.
 */
import { EnvironmentError } from '../backend.ts';
import { buildCrashFile, writeCrashFile } from '../crash/index.ts';
import type { InvariantName } from '../scenario/types.ts';
import { RunCancelledError, type SeedExecutor } from './executor.ts';
import type { KnownFingerprints, KnownIssue } from './known.ts';
import { SeedSchedule } from './schedule.ts';
import type { SeedError, SeedOutcome } from './seed-run.ts';
import type { ScenarioSource } from './guided/source.ts';

/** How many seeds of one fingerprint are remembered (the count goes on). */
const SEEDS_KEPT = 10;
/** Distinct error messages kept; past this, errors are counted under one entry per kind. */
const ERRORS_KEPT = 100;
/**
 * How far dispatch may run ahead of the lowest unhandled seed (per worker). Bounds the reorder
 * buffer, and keeps a finding from waiting long behind a slow lower seed.
 */
const REORDER_WINDOW_PER_WORKER = 16;

export interface FuzzLoopOptions {
  executor: SeedExecutor;
  firstSeed: number;
  /** Seeds to run; null runs until stopped or the time limit (`--forever`). */
  runs: number | null;
  timeLimitMs: number | null;
  maxSteps: number;
  crashDir: string;
  /** Fingerprints to count but not report. */
  known: KnownFingerprints;
  /** Fingerprints the crash folder already records (fingerprint -> file). */
  recorded: Map<string, string>;
  /**
   * Which seeds to run (a shard's share, from a checkpoint). @defaultValue firstSeed.. for `runs`
   * seeds. When given, `firstSeed` and `runs` only describe the run.
   */
  schedule?: SeedSchedule;
  /**
   * Called for every seed in schedule order once it and every earlier seed have settled (null: the
   * run was cancelled), before it is tallied: the campaign stats file follows the loop with it.
   */
  onSettled?: (seed: number, outcome: SeedOutcome | null) => void;
  /**
   * Guided fuzzing (core/fuzz/guided/source.ts): the scenario of each position, and each outcome in
   * schedule order; dispatch stays within `source.lag` of the lowest unhandled position.
   */
  source?: ScenarioSource;
  /** Stop request (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  /** How long in-flight runs may take to stop before their workers are ended. @defaultValue 2000 */
  graceMs?: number;
  onEvent?: (event: FuzzEvent) => void;
  /** A monotonic ms clock. @defaultValue performance.now */
  now?: () => number;
}

export type FindingStatus = 'new' | 'known' | 'recorded';

/** Every finding of one fingerprint. */
export interface FingerprintTally {
  fingerprint: string;
  invariant: InvariantName;
  status: FindingStatus;
  count: number;
  firstSeed: number;
  /** The first few seeds that found it. */
  seeds: number[];
  /** new: the file written; recorded: the file already there; known: null. */
  crashFile: string | null;
  /** known: why it is known, and its upstream reference. */
  known: KnownIssue | null;
}

/** Runs that threw (a busfuzz bug, or a generated scenario a backend refused), by message. */
export interface ErrorTally {
  error: SeedError;
  count: number;
  firstSeed: number;
}

export type FuzzEvent =
  | { type: 'new-finding'; tally: FingerprintTally; outcome: SeedOutcome; crashFile: string }
  /** The first run of a fingerprint that known-issues explains (no crash file). */
  | { type: 'known-finding'; tally: FingerprintTally; outcome: SeedOutcome }
  | { type: 'run-error'; tally: ErrorTally; seed: number }
  | { type: 'stopping'; reason: StopReason };

export type StopReason = 'runs' | 'time-limit' | 'signal' | 'error';

export interface FuzzSnapshot {
  firstSeed: number;
  /** Runs completed (aborted runs are not counted). */
  runs: number;
  steps: number;
  simTimeMs: number;
  elapsedMs: number;
  /** Sum of every run's wall time (per-run time; divided by elapsed it shows worker use). */
  runWallMs: number;
  /** Runs (counted in `runs`) that MAX_STEPS ended before they could pass or fail. */
  inconclusive: number;
  tallies: FingerprintTally[];
  errors: ErrorTally[];
  inFlight: number;
  /** The lowest seed not run to its end: where `--seed` resumes without a gap. */
  resumeSeed: number;
}

export interface FuzzSummary extends FuzzSnapshot {
  stopReason: StopReason;
  /** The environment failure or broken executor that stopped the loop. */
  fatal: Error | null;
  /** Fingerprints found for the first time in this run (crash files written). */
  newCount: number;
}

export class FuzzLoop {
  private readonly now: () => number;
  private readonly tallies = new Map<string, FingerprintTally>();
  private readonly errors = new Map<string, ErrorTally>();
  private readonly schedule: SeedSchedule;
  /** Outcomes that arrived before a lower seed's, by schedule position: handled in seed order. */
  private readonly arrived = new Map<number, SeedOutcome | null>();
  /** Schedule positions: the next to dispatch, the next to handle. */
  private nextPosition = 0;
  private nextToHandle = 0;
  /** The lowest seed that was cancelled or aborted, if any. */
  private firstUnfinished: number | null = null;
  private dispatched = 0;
  private inFlight = 0;
  private runs = 0;
  private steps = 0;
  private simTimeMs = 0;
  private runWallMs = 0;
  private inconclusive = 0;
  private startedAtMs = 0;
  private stopReason: StopReason | null = null;
  private fatal: Error | null = null;
  private closing: Promise<void> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private finish: () => void = () => {};

  constructor(private readonly options: FuzzLoopOptions) {
    this.now = options.now ?? (() => performance.now());
    this.schedule = options.schedule ?? SeedSchedule.consecutive(options.firstSeed, options.runs);
  }

  async run(): Promise<FuzzSummary> {
    this.startedAtMs = this.now();
    const finished = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
    const { signal, timeLimitMs } = this.options;
    const onAbort = () => this.stop('signal');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeLimitMs === null ? undefined : setTimeout(() => this.stop('time-limit'), timeLimitMs);
    if (signal?.aborted) this.stop('signal');
    this.fill();
    await finished;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    await (this.closing ?? this.options.executor.close(this.options.graceMs ?? 2000));
    await this.writes;
    return this.summary();
  }

  snapshot(): FuzzSnapshot {
    return {
      firstSeed: this.options.firstSeed,
      runs: this.runs,
      steps: this.steps,
      simTimeMs: this.simTimeMs,
      elapsedMs: this.now() - this.startedAtMs,
      runWallMs: this.runWallMs,
      inconclusive: this.inconclusive,
      tallies: [...this.tallies.values()].map((tally) => ({ ...tally, seeds: [...tally.seeds] })),
      errors: [...this.errors.values()].map((tally) => ({ ...tally })),
      inFlight: this.inFlight,
      resumeSeed: this.firstUnfinished ?? this.schedule.seedAt(this.nextToHandle),
    };
  }

  private summary(): FuzzSummary {
    const snapshot = this.snapshot();
    return {
      ...snapshot,
      stopReason: this.stopReason ?? 'runs',
      fatal: this.fatal,
      newCount: snapshot.tallies.filter((tally) => tally.status === 'new').length,
    };
  }

  /** Keeps the executor full while seeds remain; finishes when nothing is left in flight. */
  private fill(): void {
    const { executor, source } = this.options;
    const runs = this.schedule.size;
    const windowEnd = this.nextToHandle + REORDER_WINDOW_PER_WORKER * executor.capacity;
    while (
      this.stopReason === null &&
      this.inFlight < executor.capacity &&
      (runs === null || this.dispatched < runs) &&
      this.nextPosition < windowEnd &&
      (source === undefined || this.nextPosition < this.nextToHandle + source.lag)
    ) {
      const position = this.nextPosition++;
      const seed = this.schedule.seedAt(position);
      this.dispatched++;
      this.inFlight++;
      executor.run(seed, source?.scenarioAt(position, seed)).then(
        (outcome) => this.settle(seed, outcome),
        (error: Error) => {
          if (!(error instanceof RunCancelledError)) this.fail(error);
          this.settle(seed, null);
        },
      );
    }
    if (this.inFlight === 0) this.finish();
  }

  private settle(seed: number, outcome: SeedOutcome | null): void {
    this.inFlight--;
    this.arrived.set(this.schedule.positionOf(seed), outcome);
    while (this.arrived.has(this.nextToHandle)) {
      const next = this.arrived.get(this.nextToHandle)!;
      this.arrived.delete(this.nextToHandle);
      const position = this.nextToHandle++;
      const nextSeed = this.schedule.seedAt(position);
      this.options.source?.settled(position, nextSeed, next);
      if (next === null || next.result?.verdict === 'aborted') this.firstUnfinished ??= nextSeed;
      this.options.onSettled?.(nextSeed, next);
      if (next !== null) this.handle(next);
    }
    this.fill();
  }

  private stop(reason: StopReason): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.options.onEvent?.({ type: 'stopping', reason });
    this.closing = this.options.executor.close(this.options.graceMs ?? 2000);
  }

  private fail(error: Error): void {
    this.fatal ??= error;
    this.stop('error');
  }

  private handle(outcome: SeedOutcome): void {
    if (outcome.error !== null) {
      this.handleError(outcome.seed, outcome.error);
      return;
    }
    const result = outcome.result!;
    if (result.verdict === 'aborted') return;
    this.runs++;
    this.steps += result.steps;
    this.simTimeMs += result.simTimeMs;
    this.runWallMs += outcome.wallMs;
    if (result.verdict === 'inconclusive') this.inconclusive++;
    if (result.violation !== null) this.handleViolation(outcome);
  }

  private handleError(seed: number, error: SeedError): void {
    if (error.kind === 'environment') {
      this.fail(new EnvironmentError(error.message, error.hint));
      return;
    }
    const key =
      this.errors.size < ERRORS_KEPT || this.errors.has(error.message) ? error.message : `(more ${error.kind} errors)`;
    const existing = this.errors.get(key);
    if (existing !== undefined) {
      existing.count++;
      return;
    }
    const tally: ErrorTally = {
      error: key === error.message ? error : { kind: error.kind, message: key },
      count: 1,
      firstSeed: seed,
    };
    this.errors.set(key, tally);
    this.options.onEvent?.({ type: 'run-error', tally: { ...tally }, seed });
  }

  private handleViolation(outcome: SeedOutcome): void {
    const violation = outcome.result!.violation!;
    const existing = this.tallies.get(violation.fingerprint);
    if (existing !== undefined) {
      existing.count++;
      if (existing.seeds.length < SEEDS_KEPT) existing.seeds.push(outcome.seed);
      return;
    }
    const known = this.options.known.get(violation.fingerprint) ?? null;
    const recordedFile = this.options.recorded.get(violation.fingerprint) ?? null;
    const status: FindingStatus = known !== null ? 'known' : recordedFile !== null ? 'recorded' : 'new';
    const tally: FingerprintTally = {
      fingerprint: violation.fingerprint,
      invariant: violation.invariant,
      status,
      count: 1,
      firstSeed: outcome.seed,
      seeds: [outcome.seed],
      crashFile: status === 'recorded' ? recordedFile : null,
      known,
    };
    this.tallies.set(violation.fingerprint, tally);
    if (status === 'new') this.writes = this.writes.then(() => this.writeCrash(tally, outcome));
    else if (status === 'known')
      this.options.onEvent?.({ type: 'known-finding', tally: { ...tally, seeds: [...tally.seeds] }, outcome });
  }

  private async writeCrash(tally: FingerprintTally, outcome: SeedOutcome): Promise<void> {
    const crash = buildCrashFile({
      scenario: outcome.scenario!,
      result: outcome.result!,
      maxSteps: this.options.maxSteps,
    });
    try {
      tally.crashFile = await writeCrashFile(this.options.crashDir, crash);
    } catch (error) {
      this.fail(
        new EnvironmentError(
          `cannot write a crash file in ${this.options.crashDir}: ${(error as Error).message}`,
          'check that the folder is writable and the disk is not full, or pick another with --crash-dir',
        ),
      );
      return;
    }
    this.options.onEvent?.({
      type: 'new-finding',
      tally: { ...tally, seeds: [...tally.seeds] },
      outcome,
      crashFile: tally.crashFile,
    });
  }
}
