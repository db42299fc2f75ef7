/**
 * The parent's side of the worker threads: one thread per worker, each running one seed at a
 * time, started from core/fuzz/worker-entry.js with the worker program's URL. Crash files are
 * written by the parent only, so ending a thread never leaves a half-written file.
 */
import { Worker } from 'node:worker_threads';
import { EnvironmentError, InputError } from '../backend.ts';
import { RunCancelledError, type SeedExecutor } from './executor.ts';
import type { SeedError, SeedOutcome } from './seed-run.ts';
import type { FromWorker, ToWorker, WorkerConfig } from './worker-protocol.ts';

const ENTRY_URL = new URL('./worker-entry.js', import.meta.url);

/** How long a worker may take to load its modules and build its backend. */
const START_TIMEOUT_MS = 60_000;

interface Pending {
  seed: number;
  resolve(outcome: SeedOutcome): void;
  reject(error: Error): void;
}

interface Slot {
  index: number;
  worker: Worker;
  pending: Pending | null;
  exited: boolean;
}

export class WorkerPool implements SeedExecutor {
  private closing = false;

  private constructor(private readonly slots: Slot[]) {}

  get capacity(): number {
    return this.slots.length;
  }

  /** Starts `count` workers and resolves when every one is ready to run seeds. */
  static async start(count: number, config: Omit<WorkerConfig, 'workerIndex'>): Promise<WorkerPool> {
    if (!(count >= 1)) throw new Error(`WorkerPool: count must be >= 1, got ${count}`);
    const slots: Slot[] = [];
    const ready: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const worker = new Worker(ENTRY_URL, { workerData: { ...config, workerIndex: index } satisfies WorkerConfig });
      const slot: Slot = { index, worker, pending: null, exited: false };
      slots.push(slot);
      ready.push(waitReady(slot));
    }
    const pool = new WorkerPool(slots);
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.terminateAll();
      throw error;
    }
    for (const slot of slots) pool.watch(slot);
    return pool;
  }

  run(seed: number): Promise<SeedOutcome> {
    const slot = this.slots.find((candidate) => candidate.pending === null && !candidate.exited);
    // No idle live worker: one died between runs. The loop stops on this error.
    if (slot === undefined) return Promise.reject(new Error(`fuzz: no live idle worker for seed ${seed} (a worker thread exited)`));
    return new Promise<SeedOutcome>((resolve, reject) => {
      slot.pending = { seed, resolve, reject };
      slot.worker.postMessage({ type: 'run', seed } satisfies ToWorker);
    });
  }

  abort(): void {
    for (const slot of this.slots) {
      if (slot.pending !== null && !slot.exited) slot.worker.postMessage({ type: 'abort' } satisfies ToWorker);
    }
  }

  async close(graceMs: number): Promise<void> {
    this.closing = true;
    const busy = this.slots.filter((slot) => slot.pending !== null);
    if (busy.length > 0) {
      this.abort();
      // A simulator run is synchronous inside its thread, so the abort is only seen when it ends;
      // past the grace period the thread is ended (nothing there writes files).
      let timer: NodeJS.Timeout | undefined;
      const settled = busy.map((slot) => new Promise<void>((resolve) => {
        const pending = slot.pending!;
        slot.pending = {
          seed: pending.seed,
          resolve: (outcome) => { pending.resolve(outcome); resolve(); },
          reject: (error) => { pending.reject(error); resolve(); },
        };
      }));
      await Promise.race([Promise.all(settled), new Promise((resolve) => { timer = setTimeout(resolve, graceMs); })]);
      clearTimeout(timer);
    }
    await this.terminateAll();
  }

  private async terminateAll(): Promise<void> {
    await Promise.all(this.slots.map(async (slot) => {
      const pending = slot.pending;
      slot.pending = null;
      pending?.reject(new RunCancelledError(pending.seed));
      if (!slot.exited) await slot.worker.terminate();
      slot.exited = true;
    }));
  }

  /** After start: route outcomes to their run, and fail a run whose worker died. */
  private watch(slot: Slot): void {
    slot.worker.on('message', (message: FromWorker) => {
      if (message.type !== 'outcome') return;
      const pending = slot.pending;
      if (pending === null || pending.seed !== message.outcome.seed) {
        throw new Error(`fuzz worker ${slot.index}: outcome for seed ${message.outcome.seed} that was not asked for`);
      }
      slot.pending = null;
      pending.resolve(message.outcome);
    });
    const fail = (error: Error) => {
      slot.exited = true;
      const pending = slot.pending;
      slot.pending = null;
      if (pending === null) return;
      pending.reject(this.closing ? new RunCancelledError(pending.seed) : error);
    };
    slot.worker.on('error', (error) => fail(new Error(`fuzz worker ${slot.index} failed running seed ${slot.pending?.seed}: ${error.stack ?? error.message}`)));
    slot.worker.on('exit', (code) => fail(new Error(`fuzz worker ${slot.index} exited (code ${code}) while running seed ${slot.pending?.seed}`)));
  }
}

function waitReady(slot: Slot): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`fuzz worker ${slot.index} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onMessage = (message: FromWorker) => {
      if (message.type === 'ready') done(null);
      else if (message.type === 'fatal') done(errorFrom(message.error));
    };
    const onError = (error: Error) => done(new Error(`fuzz worker ${slot.index} failed to start: ${error.stack ?? error.message}`));
    const onExit = (code: number) => done(new Error(`fuzz worker ${slot.index} exited (code ${code}) before it was ready`));
    function done(error: Error | null) {
      clearTimeout(timer);
      slot.worker.off('message', onMessage);
      slot.worker.off('error', onError);
      slot.worker.off('exit', onExit);
      if (error === null) resolve();
      else reject(error);
    }
    slot.worker.on('message', onMessage);
    slot.worker.on('error', onError);
    slot.worker.on('exit', onExit);
  });
}

/** Rebuilds a worker's start-up error as the class the CLI maps to an exit code. */
function errorFrom(error: SeedError): Error {
  if (error.kind === 'environment') return new EnvironmentError(error.message, error.hint);
  if (error.kind === 'input') return new InputError(error.message);
  const rebuilt = new Error(error.message);
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}
