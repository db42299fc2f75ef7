/**
 * The run plan: a scenario's timeline and expanded chaos as one ordered list of phases, each
 * fault with its start and (if it has a duration) its end. Pure data; both backends walk the same
 * plan, so a `pause` with `duration: 2s` resumes at the same offset on either.
 *
 * A phase `start` applies the step (resolving symbolic targets then); the matching `end` undoes
 * exactly what that start did, found by `faultId`: restart a killed node, resume a paused one,
 * lift one partition, latency or drop rule. `heal` lifts every network fault at once.
 */
import { stepsByTime } from './chaos.ts';
import type { Scenario, Step } from './types.ts';

export interface PlannedPhase {
  atMs: number;
  /** Index of the step in `steps` (stable id of the fault). */
  faultId: number;
  phase: 'start' | 'end';
  step: Step;
}

export interface Plan {
  steps: Step[];
  phases: PlannedPhase[];
  /**
   * When every fault that ends has ended and the last step has started: from here the
   * convergence clock runs. Kills without `restart_after` are permanent and do not delay it.
   */
  quietAtMs: number;
}

/** How long after its start a step ends itself, or null if it does not. */
export function stepEndAfterMs(step: Step): number | null {
  switch (step.action) {
    case 'kill':
    case 'terminate':
      return step.restartAfterMs ?? null;
    case 'pause':
    case 'slow':
      return step.durationMs;
    case 'clock':
      return step.durationMs ?? null;
    case 'partition':
    case 'latency':
    case 'drop':
      return step.durationMs ?? null;
    default:
      return null;
  }
}

/**
 * Orders steps by time (stable: equal times keep their file order) and adds end phases.
 * `chaosSteps` are the chaos block's expansion (core/scenario/chaos.ts), merged by time.
 */
export function planRun(scenario: Scenario, chaosSteps: readonly Step[] = []): Plan {
  const steps = stepsByTime([...scenario.timeline, ...chaosSteps]);
  const phases: PlannedPhase[] = [];
  let quietAtMs = 0;
  steps.forEach((step, faultId) => {
    phases.push({ atMs: step.atMs, faultId, phase: 'start', step });
    quietAtMs = Math.max(quietAtMs, step.atMs);
    const endAfterMs = stepEndAfterMs(step);
    if (endAfterMs !== null) {
      phases.push({ atMs: step.atMs + endAfterMs, faultId, phase: 'end', step });
      quietAtMs = Math.max(quietAtMs, step.atMs + endAfterMs);
    }
  });
  // Ends sort after starts at the same instant only if they were planned later; a stable sort by
  // time keeps generation order, which is deterministic.
  phases.sort(byAtMs);
  return { steps, phases, quietAtMs };
}

/** Module level, not inline: see byTimeThenIndex in chaos.ts. */
function byAtMs(a: { atMs: number }, b: { atMs: number }): number {
  return a.atMs - b.atMs;
}

/**
 * When each phase is due on a backend's clock: its offset from the moment the cluster was ready,
 * plus the time the plan was held back. Both backends keep one, so a scenario's steps keep the same
 * spacing on either:
 * - a `wait` step holds the rest of the plan for as long as it waited (`holdFor`);
 * - a step that takes time (add_node, migrate_slots, a REPLICATE waiting for its MEET) may run past
 *   the next phases' times; those then run when it ends, and every later phase moves by the same
 *   delay (`ranLate`), so a recipe's MEET, REPLICATE and FORGET keep their spacing instead of firing
 *   in one instant.
 */
export class PlanClock {
  private shiftMs = 0;

  constructor(private readonly readyAtMs: number) {}

  /** The backend time at which a phase with offset `atMs` is due. */
  dueMs(atMs: number): number {
    return this.readyAtMs + this.shiftMs + atMs;
  }

  /** The plan was held `ms` (a `wait` step): everything after it moves later by that much. */
  holdFor(ms: number): void {
    this.shiftMs += Math.max(0, ms);
  }

  /** At `nowMs` the phase with offset `atMs` is about to run; if it is overdue, later phases move too. */
  ranLate(atMs: number, nowMs: number): void {
    const lateMs = nowMs - this.dueMs(atMs);
    if (lateMs > 0) this.shiftMs += lateMs;
  }
}
