/**
 * What a CLI command gets: its parsed options, the environment, output streams and the backend
 * factories. bin/main.ts builds this (it is the one module that knows sim/ and real/); commands in
 * core/cli/commands/ only see the Backend interface, so core stays free of both backends.
 */
import type { Backend, BackendName } from '../backend.ts';
import type { Logger } from '../log.ts';
import type { Protocol } from '../scenario/types.ts';

export interface BackendOptions {
  /** --valkey-server / VALKEY_SERVER (real backend only). */
  valkeyServer?: string;
  /**
   * The command runs one scenario (run, reproduce): the real backend starts no spare servers for a
   * next run that never comes (they only cost start-up time, and stopping them, at the end).
   */
  oneRun?: boolean;
}

/** The simulator benchmark's result, as the interface page names its fields. */
export interface BenchResult {
  steps: number;
  wall_ms: number;
  steps_per_sec: number;
  sim_time_ms: number;
  time_compression: number;
  messages: number;
  messages_per_sec: number;
  baseline_events_per_sec: number;
  ratio_to_baseline: number;
  heap_mb: number;
}

export interface CliDeps {
  createBackend(name: BackendName, options: BackendOptions): Backend;
  runBench(options: { steps?: number }): BenchResult;
  /**
   * The module a fuzz worker thread loads to get its backends (bin/fuzz-worker.ts): workers
   * cannot receive functions, so they import this module by URL.
   */
  workerModuleUrl: URL;
}

export interface CliContext {
  deps: CliDeps;
  env: NodeJS.ProcessEnv;
  /** Human output and logs. */
  stderr: NodeJS.WritableStream;
  /** --json objects only. */
  stdout: NodeJS.WritableStream;
  log: Logger;
  /** Whether stderr is a terminal (live status line, pretty logs). */
  isTty: boolean;
}

/** A command returns its exit code: 0 ok, 1 violation, 2 bad input, 3 environment. */
export type Command = (args: ParsedArgs, context: CliContext) => Promise<number>;

export interface ParsedArgs {
  command: string;
  positionals: string[];
  /** Flags after env defaults were merged in (a flag wins over the variable). */
  flags: Flags;
}

export interface Flags {
  backend: BackendName;
  seed?: number;
  /** --max-steps / MAX_STEPS; undefined when neither was given (use DEFAULT_MAX_STEPS). */
  maxSteps?: number;
  json: boolean;
  runs?: number;
  forever: boolean;
  workers?: number;
  timeLimitSec?: number;
  crashDir: string;
  trace: boolean;
  output?: string;
  /** --known / FUZZ_KNOWN: the known-issues list (default: the repository's known-issues.yaml). */
  known?: string;
  /** --no-known: no known-issues list at all. */
  noKnown: boolean;
  valkeyServer?: string;
  file?: string;
  /** --report DIR: write the run's (or the campaign's) HTML page there. */
  report?: string;
  /** fuzz --shard I/N (JOB_COMPLETION_INDEX/COUNT are read by the fuzz command). */
  shard?: string;
  /** fleet k8s --shards N */
  shards?: number;
  /** fleet k8s --image IMAGE */
  image?: string;
  /** confirm: tries per crash file (default 10). */
  tries?: number;
  /** confirm: run every try (the rate), not stop at the first hit. */
  all: boolean;
  /** fuzz: confirm each new finding on real servers after the simulator work. */
  confirm: boolean;
  /** --protocol: run the scenario (or crash file, or generated scenarios) under this protocol's rules. */
  protocol?: Protocol;
  /** fuzz --guided: mutate a corpus of scenarios that reached new features (core/fuzz/guided/). */
  guided: boolean;
  /** fuzz --guided --corpus DIR: where the corpus entries go (default <crash dir>/corpus). */
  corpusDir?: string;
}

export const DEFAULT_MAX_STEPS = 1_000_000;
