/**
 * The run lifecycle, one for both backends (sim/runner.ts on the simulated clock, real/real-run.ts
 * on the wall clock):
 * 1. formation: the cluster is formed and called ready; plan offsets count from ready;
 * 2. timeline: the plan's phases (core/scenario/plan.ts) at their offsets, a `wait` holding the
 *    rest of the plan for as long as it waited;
 * 3. quiet (the plan's quietAtMs): the final heal lifts every network fault left and resumes
 *    paused processes (`healed`); the workload stops writing;
 * 4. settle: no convergence check for `settleMs` after the heal, so what the last steps set off
 *    (an election, a manual failover, a node rejoining) has started before the cluster is judged;
 *    the safety checks go on meanwhile;
 * 5. convergence window: the convergence invariants are polled until they hold or
 *    `convergenceTimeoutMs` from the heal has passed (the last finding is then the violation);
 * 6. read-back of every acknowledged key once converged.
 *
 * Where the backends must differ, only in how time passes: the simulator schedules the checks on
 * its clock (every CONVERGENCE_POLL_MS simulated), the real run sleeps and polls the live servers
 * (every 100 ms of wall time, each poll taking what the servers take to answer).
 */
import type { Scenario } from '../types.ts';

/** Time from the final heal to the first convergence check: two node timeouts, at most half the budget. */
export function settleMs(scenario: Scenario): number {
  return Math.min(2 * scenario.cluster.nodeTimeoutMs, Math.floor(scenario.validation.convergenceTimeoutMs / 2));
}

/** The convergence window after the final heal: when checks begin, and when the last one may run. */
export interface ConvergenceWindow {
  /** First check, ms after the heal. */
  firstCheckMs: number;
  /** Checks go on until this many ms after the heal. */
  deadlineMs: number;
}

export function convergenceWindow(scenario: Scenario): ConvergenceWindow {
  return { firstCheckMs: settleMs(scenario), deadlineMs: scenario.validation.convergenceTimeoutMs };
}
