/**
 * The time and resource faults on live servers.
 *
 * `clock` moves the target's wall clock through the clock shim (real/node-clock.ts): a jump at
 * once, a drift until the step's end (the skew it built stays, as on the simulator). The shim
 * reaches gettimeofday(), time() and clock_gettime(CLOCK_REALTIME[_COARSE]) in valkey-server, so
 * mstime()/ustime()/server.unixtime and everything 8.0.1 times with them; CLOCK_MONOTONIC (the
 * event loop's timers: INFO server says `monotonic_clock:POSIX clock_gettime` for Debian's
 * build) is left alone.
 *
 * `slow` starves the target of CPU by a SIGSTOP/SIGCONT duty cycle: in every SLOW_PERIOD_MS the
 * server runs for period/factor and is stopped for the rest, as the simulator models it
 * (sim/time-faults.ts) and as CFS bandwidth control throttles a process over its cpu.max quota.
 * A cgroup v2 cpu.max limit is not used: it throttles only a process that spends its quota, which
 * an idle valkey-server never does, and where this was built (a cgroup v1 host, the v2 hierarchy
 * without the cpu controller) it is not available anyway. The stops are not a `pause`: no
 * node-down event; a node a `pause` or kill took meanwhile is left alone.
 */
import { EnvironmentError } from '../core/backend.ts';
import type { StepOf } from '../core/scenario/types.ts';
import type { RealNode } from './cluster.ts';
import { clockShimPath } from './node-clock.ts';
import { resolveNode, type StepContext } from './step-context.ts';

export const SLOW_PERIOD_MS = 100;

/** A running slow fault: its node, whether we hold it stopped, and the next timer. */
interface SlowCycle {
  node: RealNode;
  stopped: boolean;
  timer: NodeJS.Timeout | null;
}

export class RealTimeFaults {
  private readonly cycles = new Map<number, SlowCycle>();

  constructor(private readonly context: StepContext) {}

  /** Starts a clock step; returns the node for the step's end, or null when it named none. */
  clock(step: StepOf<'clock'>, faultId: number): RealNode | null {
    if (clockShimPath() === null) {
      throw new EnvironmentError(
        'busfuzz: the clock fault on the real backend needs the clock shim; build it with: bash scripts/install-clock-shim.sh',
      );
    }
    const node = resolveNode(this.context, step.target);
    if (node === null) {
      this.emit('clock', [], `skipped: ${step.target} names no node`);
      return null;
    }
    const clock = node.host.clock;
    if (step.jumpMs !== undefined) clock.jump(step.jumpMs);
    if (step.driftPpm !== undefined) clock.startDrift(step.driftPpm, faultId);
    const parts = [
      ...(step.jumpMs === undefined ? [] : [`jump ${step.jumpMs}ms`]),
      ...(step.driftPpm === undefined ? [] : [`drift ${step.driftPpm}ppm`]),
    ];
    const skewMs = clock.skewMs();
    this.emit('clock', [node], `${parts.join(', ')}; skew now ${skewMs}ms`, step.durationMs, skewMs, step.jumpMs);
    return node;
  }

  clockEnd(node: RealNode, faultId: number): void {
    node.host.clock.stopDrift(faultId);
    const skewMs = node.host.clock.skewMs();
    this.emit('clock-end', [node], `drift over; skew ${skewMs}ms`, undefined, skewMs);
  }

  slow(step: StepOf<'slow'>, faultId: number): RealNode | null {
    const node = resolveNode(this.context, step.target);
    if (node === null) {
      this.emit('slow', [], `skipped: ${step.target} names no node`);
      return null;
    }
    const cycle: SlowCycle = { node, stopped: false, timer: null };
    this.cycles.set(faultId, cycle);
    const runMs = SLOW_PERIOD_MS / step.factor;
    const stopMs = SLOW_PERIOD_MS - runMs;
    const stop = (): void => {
      cycle.stopped = node.host.process.state === 'running' && signal(node, 'SIGSTOP');
      cycle.timer = setTimeout(run, stopMs);
    };
    const run = (): void => {
      if (cycle.stopped && node.host.process.state === 'running') signal(node, 'SIGCONT');
      cycle.stopped = false;
      cycle.timer = setTimeout(stop, runMs);
    };
    cycle.timer = setTimeout(stop, runMs);
    this.emit(
      'slow',
      [node],
      `x${step.factor} (SIGSTOP/SIGCONT duty cycle, ${SLOW_PERIOD_MS} ms period)`,
      step.durationMs,
    );
    return node;
  }

  slowEnd(faultId: number): void {
    const cycle = this.cycles.get(faultId);
    if (cycle === undefined) return;
    this.cycles.delete(faultId);
    if (cycle.timer !== null) clearTimeout(cycle.timer);
    if (cycle.stopped && cycle.node.host.process.state === 'running') signal(cycle.node, 'SIGCONT');
    this.emit('slow-end', [cycle.node], '');
  }

  /** Ends every slow cycle (the run is over or failed): no server is left stopped by us. */
  stopAll(): void {
    for (const faultId of [...this.cycles.keys()]) this.slowEnd(faultId);
  }

  /** RunResult.clockSkews: nodes whose wall clock is off true time now (ms), by name; {} when none. */
  skewReport(): { clockSkews?: Record<string, number> } {
    const out: Record<string, number> = {};
    for (const node of this.context.cluster.nodes) {
      const skewMs = node.host.clock.skewMs();
      if (skewMs !== 0) out[node.name] = skewMs;
    }
    return Object.keys(out).length === 0 ? {} : { clockSkews: out };
  }

  private emit(
    action: string,
    nodes: RealNode[],
    detail: string,
    durationMs?: number,
    skewMs?: number,
    jumpMs?: number,
  ): void {
    const atMs = this.context.nowMs();
    this.context.emit({
      kind: 'fault',
      atMs,
      action,
      nodes: nodes.map((node) => node.name),
      detail,
      ...(durationMs === undefined ? {} : { untilMs: atMs + durationMs }),
      ...(skewMs === undefined ? {} : { skewMs }),
      ...(jumpMs === undefined ? {} : { jumpMs }),
    });
  }
}

/** Sends a signal to the node's server; false when it has no process (it exited meanwhile). */
function signal(node: RealNode, name: 'SIGSTOP' | 'SIGCONT'): boolean {
  const pid = node.host.process.pid;
  if (pid === null) return false;
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
