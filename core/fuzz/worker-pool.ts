/**
 * The parent's side of the fuzz workers: one worker per slot, each running one seed at a time,
 * started from core/fuzz/worker-entry.js with the worker program's URL. Crash files are written by
 * the parent only, so ending a worker never leaves a half-written file.
 *
 * Simulator workers are child processes; real-backend workers are threads (their valkey-server
 * processes are cleaned up by the thread's own abort handling, which a killed child process could
 * not do). Processes because two simulator threads in one process each ran about a fifth slower
 * than alone, and two processes do not; and when there are as many workers as cores, each runs
 * V8 single-threaded: a lone worker gets about a quarter of a second core from V8's background
 * compiler and garbage collector, but with every core busy those helpers only take time from the
 * other workers.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EnvironmentError, InputError } from '../backend.ts';
import { RunCancelledError, type SeedExecutor } from './executor.ts';
import type { SeedError, SeedOutcome } from './seed-run.ts';
import type { Scenario } from '../scenario/types.ts';
import { WORKER_CONFIG_ENV, type FromWorker, type ToWorker, type WorkerConfig } from './worker-protocol.ts';

const ENTRY_URL = new URL('./worker-entry.js', import.meta.url);

/** How long a worker may take to stop its backend's servers before it is ended anyway. */
const CLOSE_BACKEND_MS = 20_000;
/**
 * V8 flags of a simulator worker process. A 64 MB young generation (V8's default is 16 MB): a run
 * allocates ~75 bytes a step and keeps many short-lived objects (messages in flight, events) alive
 * across a 16 MB scavenge, so scavenges were many and each copied much. Measured on the fuzz
 * workload, single-threaded, seeds 1..200 after 100 warm-up runs: 58 scavenges instead of 158 and
 * 8.6% less CPU (median of 5 paired runs; 32 MB gave 3.8%), for ~120 MB more peak memory
 * (294 MiB instead of 175). With as many workers as cores the GC runs on the workers' own threads,
 * so this is throughput the second core gets back (bench/fuzz-scaling.ts measures it).
 *
 * A 128 MB first old-generation limit (V8 starts near 88 MB here): with the 64 MB young generation
 * V8 started incremental marking from a task soon after each mark-compact, with 17 MB live against
 * an 88 MB limit (--trace-incremental-marking: "Start (task) ... 17MB / 88MB / 71MB"), seemingly
 * too little headroom for a 64 MB scavenge. Tasks run only when the event loop turns, i.e. between
 * two runs; the in-process measurement above never turned it, so it missed this: a worker process
 * ran a full mark-compact every ~11 runs
 * (37 in 400, --trace-gc), on 4 V8 helper threads (6-7 ms a run, 12% of a second core) when alone
 * and on its own thread (~2% of its CPU) when the cores are full. With 128 MB: none in 400 runs,
 * helpers 1.2 ms a run, peak 301-337 MiB per worker against 289-294 (core/fleet/k8s.ts sizes 384).
 */
const SIM_WORKER_V8_FLAGS = ['--max-semi-space-size=64', '--initial-old-space-size=128'];

/** How long a worker may take to load its modules and build its backend. */
const START_TIMEOUT_MS = 60_000;

/** A worker thread or process, as the pool uses it. */
interface WorkerHandle {
  post(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): () => void;
  onError(listener: (error: Error) => void): () => void;
  onExit(listener: (code: number | null) => void): () => void;
  terminate(): Promise<void>;
}

function threadWorker(config: WorkerConfig): WorkerHandle {
  const worker = new Worker(ENTRY_URL, { workerData: config });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => subscribe(worker, 'message', listener),
    onError: (listener) => subscribe(worker, 'error', listener),
    onExit: (listener) => subscribe(worker, 'exit', listener),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

function processWorker(config: WorkerConfig, singleThreaded: boolean): WorkerHandle {
  const child: ChildProcess = fork(fileURLToPath(ENTRY_URL), [], {
    // Structured clone, as between threads: outcomes keep undefined fields and the like.
    serialization: 'advanced',
    execArgv: [...(singleThreaded ? ['--single-threaded'] : []), ...SIM_WORKER_V8_FLAGS],
    env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    post: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => subscribe(child, 'message', listener),
    onError: (listener) => subscribe(child, 'error', listener),
    onExit: (listener) => subscribe(child, 'exit', (code: number | null) => listener(code)),
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function subscribe<T extends unknown[]>(
  emitter: {
    on(event: string, listener: (...args: T) => void): unknown;
    off(event: string, listener: (...args: T) => void): unknown;
  },
  event: string,
  listener: (...args: T) => void,
): () => void {
  emitter.on(event, listener);
  return () => emitter.off(event, listener);
}

interface Pending {
  seed: number;
  resolve(outcome: SeedOutcome): void;
  reject(error: Error): void;
}

interface Slot {
  index: number;
  worker: WorkerHandle;
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
    const singleThreaded = count >= availableParallelism();
    for (let index = 0; index < count; index++) {
      const workerConfig: WorkerConfig = { ...config, workerIndex: index };
      const worker =
        config.backend === 'sim' ? processWorker(workerConfig, singleThreaded) : threadWorker(workerConfig);
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

  run(seed: number, scenario?: Scenario): Promise<SeedOutcome> {
    const slot = this.slots.find((candidate) => candidate.pending === null && !candidate.exited);
    // No idle live worker: one died between runs. The loop stops on this error.
    if (slot === undefined)
      return Promise.reject(new Error(`fuzz: no live idle worker for seed ${seed} (a worker thread exited)`));
    return new Promise<SeedOutcome>((resolve, reject) => {
      slot.pending = { seed, resolve, reject };
      slot.worker.post(scenario === undefined ? { type: 'run', seed } : { type: 'run', seed, scenario });
    });
  }

  abort(): void {
    for (const slot of this.slots) {
      if (slot.pending !== null && !slot.exited) slot.worker.post({ type: 'abort' });
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
      const settled = busy.map(
        (slot) =>
          new Promise<void>((resolve) => {
            const pending = slot.pending!;
            slot.pending = {
              seed: pending.seed,
              resolve: (outcome) => {
                pending.resolve(outcome);
                resolve();
              },
              reject: (error) => {
                pending.reject(error);
                resolve();
              },
            };
          }),
      );
      await Promise.race([
        Promise.all(settled),
        new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    await this.closeBackends(Math.max(graceMs, CLOSE_BACKEND_MS));
    await this.terminateAll();
  }

  /** Asks each idle live worker to free its backend (the real one's spare servers), up to `waitMs`. */
  private async closeBackends(waitMs: number): Promise<void> {
    const idle = this.slots.filter((slot) => slot.pending === null && !slot.exited);
    let timer: NodeJS.Timeout | undefined;
    const closed = idle.map(
      (slot) =>
        new Promise<void>((resolve) => {
          const offs = [
            slot.worker.onMessage((message) => {
              if (message.type === 'closed') done();
            }),
            slot.worker.onExit(() => done()),
          ];
          function done() {
            for (const off of offs) off();
            resolve();
          }
          slot.worker.post({ type: 'close' });
        }),
    );
    await Promise.race([
      Promise.all(closed),
      new Promise((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private async terminateAll(): Promise<void> {
    await Promise.all(
      this.slots.map(async (slot) => {
        const pending = slot.pending;
        slot.pending = null;
        pending?.reject(new RunCancelledError(pending.seed));
        if (!slot.exited) await slot.worker.terminate();
        slot.exited = true;
      }),
    );
  }

  /** After start: route outcomes to their run, and fail a run whose worker died. */
  private watch(slot: Slot): void {
    slot.worker.onMessage((message: FromWorker) => {
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
    slot.worker.onError((error) =>
      fail(
        new Error(
          `fuzz worker ${slot.index} failed running seed ${slot.pending?.seed}: ${error.stack ?? error.message}`,
        ),
      ),
    );
    slot.worker.onExit((code) =>
      fail(new Error(`fuzz worker ${slot.index} exited (code ${code}) while running seed ${slot.pending?.seed}`)),
    );
  }
}

function waitReady(slot: Slot): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`fuzz worker ${slot.index} did not start within ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    const unsubscribe = [
      slot.worker.onMessage((message) => {
        if (message.type === 'ready') done(null);
        else if (message.type === 'fatal') done(errorFrom(message.error));
        else if (message.type === 'start-failed')
          done(new Error(`fuzz worker ${slot.index} failed to start: ${message.message}`));
      }),
      slot.worker.onError((error) =>
        done(new Error(`fuzz worker ${slot.index} failed to start: ${error.stack ?? error.message}`)),
      ),
      slot.worker.onExit((code) =>
        done(new Error(`fuzz worker ${slot.index} exited (code ${code}) before it was ready`)),
      ),
    ];
    function done(error: Error | null) {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      if (error === null) resolve();
      else reject(error);
    }
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
