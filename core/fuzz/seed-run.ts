/**
 * One fuzz run: generate the scenario for a seed and run it on a backend. Used the same way in a
 * worker (process or thread) and in the parent, so a finding made by a worker is the run a single-process
 * replay makes. Errors are caught and classified (environment, input, internal) into plain data,
 * because an outcome crosses a process or thread boundary.
 */
import { EnvironmentError, InputError, type Backend, type RunResult } from '../backend.ts';
import type { Scenario } from '../scenario/types.ts';

/** What a fuzz loop runs: a backend and the scenario generator (core/generator.ts in the CLI). */
export interface FuzzTarget {
  backend: Backend;
  generate(seed: number): Scenario;
}

export interface SeedError {
  kind: 'environment' | 'input' | 'internal';
  message: string;
  hint?: string;
  /** Internal errors only: where in busfuzz it broke. */
  stack?: string;
}

export interface SeedOutcome {
  seed: number;
  /** Wall ms the run took (generation included). */
  wallMs: number;
  /** Null when the run threw (see `error`). */
  result: RunResult | null;
  /** The generated scenario, kept only with a violation (the crash file needs it). */
  scenario: Scenario | null;
  error: SeedError | null;
}

/** How a seed runs: its features asked for, and a given scenario (guided fuzzing) instead of the generated one. */
export interface SeedRunOptions {
  features?: boolean;
  scenario?: Scenario;
}

export async function runSeed(
  target: FuzzTarget,
  seed: number,
  maxSteps: number,
  signal?: AbortSignal,
  options: SeedRunOptions = {},
): Promise<SeedOutcome> {
  const startedAtMs = performance.now();
  try {
    const scenario = options.scenario ?? target.generate(seed);
    const result = await target.backend.run(scenario, { maxSteps, signal, features: options.features === true });
    const wallMs = performance.now() - startedAtMs;
    return { seed, wallMs, result, scenario: result.violation === null ? null : scenario, error: null };
  } catch (error) {
    return { seed, wallMs: performance.now() - startedAtMs, result: null, scenario: null, error: classify(error) };
  }
}

export function classify(error: unknown): SeedError {
  if (error instanceof EnvironmentError) {
    return error.hint === undefined
      ? { kind: 'environment', message: error.message }
      : { kind: 'environment', message: error.message, hint: error.hint };
  }
  if (error instanceof InputError) return { kind: 'input', message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? error.stack : undefined;
  return stack === undefined ? { kind: 'internal', message } : { kind: 'internal', message, stack };
}
