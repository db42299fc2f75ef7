/**
 * The time and resource faults on the simulator: `clock` moves one node's wall clock (jump, drift:
 * sim/valkey/node-clock.ts says which of 8.0.1's timers read it) and `slow` starves one node of
 * CPU. FaultApplier resolves the target and hands the step here; the step's end phase comes back
 * through `end` with the same fault id.
 *
 * `slow` is modelled as the kernel throttles a process whose CPU quota is spent (and as the real
 * backend's SIGSTOP/SIGCONT fallback does it): in every period of SLOW_PERIOD_MS the node runs
 * for period/factor and is stopped for the rest, so what it does in a period's running slice
 * waits for the next slice, and its overdue cron tick runs when the slice begins. The stops are
 * not a `pause` fault: no node-down event, so failover-bound and the views do not count the node
 * as gone. A `pause` fault takes the node over from the cycle (yieldTo): the cycle neither stops
 * nor resumes it while it is paused, as on the real backend, where the cycle leaves a node the
 * pause fault stopped alone.
 */
import type { Step } from '../core/scenario/types.ts';
import type { World } from './world.ts';

/** CFS bandwidth control's default period (cpu.max's second number, 100000 us). */
export const SLOW_PERIOD_MS = 100;

type ClockStep = Extract<Step, { action: 'clock' }>;
type SlowStep = Extract<Step, { action: 'slow' }>;

export class TimeFaults {
  /** Fault id to the node a running slow fault cycles (its end stops the cycle). */
  private readonly slowed = new Map<number, { index: number; stopped: boolean }>();

  constructor(private readonly world: World) {}

  /** The node's skew now (ms): the fault events carry it for the invariants (clock-facts.ts). */
  skewOf(index: number): number {
    return this.world.clockOf(index).skewMs(Math.floor(this.world.clockMs));
  }

  clock(faultId: number, step: ClockStep, index: number): string {
    const clock = this.world.clockOf(index);
    const worldMs = Math.floor(this.world.clockMs);
    if (step.jumpMs !== undefined) clock.jump(step.jumpMs);
    if (step.driftPpm !== undefined) clock.startDrift(worldMs, step.driftPpm, faultId);
    const parts = [
      ...(step.jumpMs === undefined ? [] : [`jump ${step.jumpMs}ms`]),
      ...(step.driftPpm === undefined ? [] : [`drift ${step.driftPpm}ppm`]),
    ];
    return `${parts.join(', ')}; skew now ${clock.skewMs(worldMs)}ms`;
  }

  /** The end of a clock step: its drift stops; the skew stays. */
  clockEnd(faultId: number, index: number): string {
    const clock = this.world.clockOf(index);
    const worldMs = Math.floor(this.world.clockMs);
    clock.stopDrift(worldMs, faultId);
    return `drift over; skew ${clock.skewMs(worldMs)}ms`;
  }

  slow(faultId: number, step: SlowStep, index: number): void {
    const cycle = { index, stopped: false };
    this.slowed.set(faultId, cycle);
    const runMs = SLOW_PERIOD_MS / step.factor;
    const stopMs = SLOW_PERIOD_MS - runMs;
    const stop = (): void => {
      if (this.slowed.get(faultId) !== cycle) return;
      cycle.stopped = this.world.processes[index]!.running;
      if (cycle.stopped) this.world.pause(index, false);
      this.world.after(stopMs, run);
    };
    const run = (): void => {
      if (this.slowed.get(faultId) !== cycle) return;
      if (cycle.stopped) this.world.resume(index, false);
      cycle.stopped = false;
      this.world.after(runMs, stop);
    };
    this.world.after(runMs, stop);
  }

  /** A pause fault is about to stop the node: a slice we hold it stopped in ends now. */
  yieldTo(index: number): void {
    for (const cycle of this.slowed.values()) {
      if (cycle.index !== index || !cycle.stopped) continue;
      cycle.stopped = false;
      this.world.resume(index, false);
    }
  }

  slowEnd(faultId: number): void {
    const cycle = this.slowed.get(faultId);
    if (cycle === undefined) return;
    this.slowed.delete(faultId);
    if (cycle.stopped) this.world.resume(cycle.index, false);
  }

  /** Every node whose wall clock is off the world's now (ms, by process index). */
  skews(): Array<{ index: number; skewMs: number }> {
    const worldMs = Math.floor(this.world.clockMs);
    const out: Array<{ index: number; skewMs: number }> = [];
    this.world.clocks.forEach((clock, index) => {
      const skewMs = clock.skewMs(worldMs);
      if (skewMs !== 0) out.push({ index, skewMs });
    });
    return out;
  }
}
