/**
 * Failover timing on the simulator: runs a scenario that kills a primary and measures, from the
 * kill, when another node of the shard won its election (the moment it owns the slots; other
 * nodes list it as owner one message later). Used by bench/failover-times.ts and its test.
 */
import type { Scenario } from '../core/scenario/types.ts';
import { SimRun } from './runner.ts';

export interface FailoverTiming {
  seed: number;
  /** Kill to election won, in simulated ms; null if no election was won. */
  failoverMs: number | null;
  converged: boolean;
  violation: string | null;
}

export function measureFailover(scenario: Scenario, seed: number, maxSteps = 5_000_000): FailoverTiming {
  const run = new SimRun({ ...scenario, seed }, {});
  run.runSteps(maxSteps);
  const kill = run.events.find((event) => event.kind === 'fault' && event.action === 'kill');
  const won = run.events.find(
    (event) => event.kind === 'election-won' && kill !== undefined && event.atMs >= kill.atMs,
  );
  return {
    seed,
    failoverMs: kill !== undefined && won !== undefined ? won.atMs - kill.atMs : null,
    converged: run.converged,
    violation: run.violation?.fingerprint ?? null,
  };
}

/** min, p50, p90 and max of a list of numbers (nearest rank). */
export function summarize(values: readonly number[]): { min: number; p50: number; p90: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  return { min: sorted[0]!, p50: rank(0.5), p90: rank(0.9), max: sorted[sorted.length - 1]! };
}
