/**
 * The Backend interface: run one resolved scenario and report at most one violation.
 * sim/ and real/ implement it; core never imports either. bin/main.ts builds them.
 */
import type { ObservedEvent } from './events.ts';
import type { RecordBuilder } from './report/record.ts';
import type { Scenario } from './scenario/types.ts';
import type { Steering } from './confirm/steering.ts';
import type { Violation } from './violation.ts';

export type BackendName = 'sim' | 'real';

export interface RunOptions {
  /** Step bound (the simulator's MAX_STEPS); the real backend counts applied steps and polls. */
  maxSteps: number;
  /** How many readable trace lines to keep before a violation. @defaultValue 50 */
  traceTailLines?: number;
  /** Called with each readable trace line (for `reproduce --trace`); off by default (speed). */
  onTraceLine?: (line: string) => void;
  /**
   * Called with the run's story as it happens: every observed event but the write acks (one per
   * write: the simulator's hot path), and the milestones (ready, converged). The CLI logs them.
   */
  onEvent?: (event: RunNote) => void;
  /** Stop early (Ctrl-C). The run ends with verdict `aborted`. */
  signal?: AbortSignal;
  /** Real backend: keep node folders even on success. */
  keepFiles?: boolean;
  /** Where to keep a failing run's logs (real backend: beside the crash file). */
  artifactsDir?: string;
  /** Keep the run's full event record for the HTML report (RunResult.record). @defaultValue false */
  record?: boolean;
  /**
   * `busfuzz confirm`: hold the run to the simulator's message order and move its steps by a
   * jitter (core/confirm/steering.ts). The real backend applies it; the simulator ignores it.
   */
  steering?: Steering;
  /** Guided fuzzing: report the run's features (RunResult.features). The simulator only. @defaultValue false */
  features?: boolean;
}

/** What RunOptions.onEvent hears: observed events and the run's milestones. */
export type RunNote =
  | Exclude<ObservedEvent, { kind: 'write-acked' }>
  | { kind: 'ready'; atMs: number; nodes: number }
  | { kind: 'converged'; atMs: number }
  /** Something a backend saw that no event carries (the real backend: a server that exited by itself). */
  | { kind: 'note'; atMs: number; level: 'info' | 'warn'; text: string };

export interface ServerInfo {
  binary: string;
  version: string;
}

/**
 * `inconclusive`: MAX_STEPS (or the real backend's step bound) ended the run before the cluster
 * formed or before the convergence checks gave their answer, so nothing was shown either way.
 */
export type Verdict = 'pass' | 'violation' | 'inconclusive' | 'aborted';

export interface RunResult {
  scenarioId: string;
  backend: BackendName;
  seed: number;
  verdict: Verdict;
  /** Steps taken (sim: scheduler events). */
  steps: number;
  /** Simulated ms (sim) or wall ms since ready (real). */
  simTimeMs: number;
  /** sha256 of the event trace up to the end (or the violation). */
  traceHash: string;
  violation: Violation | null;
  /** The last readable trace lines before the end or the violation. */
  traceTail: string[];
  /**
   * One status line per node at the end of the run (the simulator's sim/status.ts), printed by
   * `reproduce --trace` after the trace. Optional: a backend without it leaves it out.
   */
  nodeStatus?: string[];
  server: ServerInfo | null;
  /** Messages delivered (sim) or bus messages seen by the proxy (real). */
  messages: number;
  /** Backend-specific figures worth printing (formation time, failover times, ...). */
  stats: Record<string, number>;
  /** Real backend: folder with every node's log and nodes.conf, kept for a violation. */
  artifactsDir?: string | null;
  /** The run's event record, when RunOptions.record asked for it (core/report/record.ts). */
  record?: RecordBuilder;
  /**
   * Nodes whose wall clock a clock fault left off true time at the end (ms, signed), by node name:
   * reported as such, never as a violation. Absent when every clock is true.
   */
  clockSkews?: Record<string, number>;
  /** The run's distinct features (core/features.ts), sorted, when RunOptions.features asked for them. */
  features?: number[];
}

export interface Backend {
  readonly name: BackendName;
  run(scenario: Scenario, options: RunOptions): Promise<RunResult>;
  /**
   * Frees what the backend keeps between runs (the real backend's spare servers: stopped, and
   * waited for until reaped). A command calls it before it returns. Optional: the simulator holds nothing.
   */
  close?(): Promise<void>;
}

/**
 * An environment failure (exit 3): missing binary, no free port, a node that would not start.
 * `hint` says what to install or change.
 */
export class EnvironmentError extends Error {
  readonly kind = 'environment';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/**
 * Bad input (exit 2): names the file, line and field. `P` is the shape of one problem: plain
 * strings by default; the scenario loader's ScenarioError carries structured problems.
 */
export class InputError<P = string> extends Error {
  readonly kind = 'input';
  readonly problems: P[];
  constructor(message: string, problems?: P[]) {
    super(message);
    this.name = 'InputError';
    // Without a list the message itself is the one problem (P is string then).
    this.problems = problems ?? [message as P];
  }
}

/**
 * A busfuzz bug (an exception or a failed model assertion, core/assert.ts) during the run of one
 * scenario, carrying the scenario's seed so the report names it (exit 4). The fuzz loop reports
 * its seed the same way (core/fuzz/seed-run.ts classifies the error, the summary names the seed).
 */
export class RunBug extends Error {
  constructor(
    readonly scenarioId: string,
    readonly seed: number,
    readonly original: unknown,
  ) {
    super(
      `the run of ${scenarioId} at seed ${seed} broke: ${original instanceof Error ? original.message : String(original)}`,
    );
    this.name = 'RunBug';
  }
}

/** What a command rethrows when a run throws: bad input and environment errors as they are, anything else as a RunBug. */
export function asRunBug(error: unknown, scenario: { scenarioId: string; seed: number }): unknown {
  if (error instanceof InputError || error instanceof EnvironmentError || error instanceof RunBug) return error;
  return new RunBug(scenario.scenarioId, scenario.seed, error);
}
