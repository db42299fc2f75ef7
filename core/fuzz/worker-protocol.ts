/**
 * Messages between the fuzz loop's parent and its workers, threads or child processes
 * (structured-clone data only).
 * parent -> worker: `run` one seed, `abort` the current run, `close` before it is ended.
 * worker -> parent: `ready` once its backend is built, `outcome` per run, `fatal` if it could not
 * start (a missing valkey-server is an environment error, reported as such), `start-failed` if
 * the worker program itself did not load (a process cannot raise it as a thread's 'error').
 */
import type { BackendName } from '../backend.ts';
import type { BackendOptions } from '../cli/context.ts';
import type { SeedError, SeedOutcome } from './seed-run.ts';
import type { Protocol, Scenario } from '../scenario/types.ts';

/** The environment variable that carries a worker process's WorkerConfig (JSON). */
export const WORKER_CONFIG_ENV = 'BUSFUZZ_WORKER_CONFIG';

/** What a worker is started with (`workerData` of a thread, WORKER_CONFIG_ENV of a process). */
export interface WorkerConfig {
  /** URL of the worker program (bin/fuzz-worker.ts in the CLI), imported after tsx is registered. */
  moduleUrl: string;
  backend: BackendName;
  backendOptions: BackendOptions;
  maxSteps: number;
  workerIndex: number;
  /** fuzz --protocol: generated scenarios run under this protocol (default: the generator's, valkey-8.0). */
  protocol?: Protocol;
  /** Report each run's features (guided fuzzing, and the feature count of a plain campaign). */
  features?: boolean;
}

/** `close`: free the backend (stop and reap the real backend's spare servers), then say `closed`. */
/** `run` with a scenario: run that (guided fuzzing's mutants) instead of generating the seed's. */
export type ToWorker = { type: 'run'; seed: number; scenario?: Scenario } | { type: 'abort' } | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'outcome'; outcome: SeedOutcome }
  | { type: 'closed' }
  | { type: 'fatal'; error: SeedError }
  | { type: 'start-failed'; message: string };
