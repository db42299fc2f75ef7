/**
 * Where fuzz runs happen. The loop (loop.ts) only sees a SeedExecutor: the worker pool (processes or threads)
 * (worker-pool.ts) in the CLI, or the in-process executor below, which runs seeds on a Backend
 * object in this thread (the loop's tests use it with a fake backend; a single `busfuzz` process
 * that must not start threads could too).
 */
import { runSeed, type FuzzTarget, type SeedOutcome } from './seed-run.ts';
import type { Scenario } from '../scenario/types.ts';

/** The executor was closed while this run was in flight (its thread ended); the loop ignores it. */
export class RunCancelledError extends Error {
  constructor(readonly seed: number) {
    super(`run of seed ${seed} was cancelled`);
    this.name = 'RunCancelledError';
  }
}

export interface SeedExecutor {
  /** How many seeds may be in flight at once (the loop never asks for more). */
  readonly capacity: number;
  /** Runs one seed. Rejects only if the executor itself broke (a worker died). */
  run(seed: number, scenario?: Scenario): Promise<SeedOutcome>;
  /** Asks every in-flight run to stop; their outcomes come back with verdict `aborted`. */
  abort(): void;
  /** Waits up to `graceMs` for in-flight runs, then ends them and frees the workers. */
  close(graceMs: number): Promise<void>;
}

/** Runs seeds in this thread, up to `capacity` at once (useful when the backend awaits I/O). */
export class InProcessExecutor implements SeedExecutor {
  private controller = new AbortController();
  private readonly inFlight = new Set<Promise<SeedOutcome>>();

  constructor(
    private readonly target: FuzzTarget,
    private readonly maxSteps: number,
    readonly capacity = 1,
    private readonly features = false,
  ) {
    if (!(capacity >= 1)) throw new Error(`InProcessExecutor: capacity must be >= 1, got ${capacity}`);
  }

  run(seed: number, scenario?: Scenario): Promise<SeedOutcome> {
    if (this.inFlight.size >= this.capacity)
      throw new Error(`InProcessExecutor: more than ${this.capacity} runs in flight`);
    const promise = runSeed(this.target, seed, this.maxSteps, this.controller.signal, {
      features: this.features,
      ...(scenario === undefined ? {} : { scenario }),
    });
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }

  abort(): void {
    this.controller.abort();
  }

  async close(graceMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    this.abort();
    // A run in this thread cannot be ended from outside; wait for it, bounded so close() returns.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
