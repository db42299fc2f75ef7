/**
 * What applying a timeline step needs from the run: the cluster, the latest reports, the target
 * stream of the Rng, the run clock and the event sink. Shared by the fault and admin actions.
 */
import type { ObservedEvent } from '../core/events.ts';
import type { Rng } from '../core/rng.ts';
import { resolveTarget, type TopologyEntry } from '../core/scenario/targets.ts';
import type { Scenario, Target } from '../core/scenario/types.ts';
import type { RealCluster, RealNode } from './cluster.ts';
import type { Observer } from './observer.ts';
import { buildTopology } from './topology.ts';

export interface StepContext {
  scenario: Scenario;
  cluster: RealCluster;
  observer: Observer;
  /** The stream random targets are drawn from. */
  targetRng: Rng;
  nowMs(): number;
  emit(event: ObservedEvent): void;
  /** Whether a kill keeps every acknowledged write (AOF always); else a kill is a data-lost. */
  keepsDataAcrossKill: boolean;
  /** Polls until the convergence invariants hold or the timeout passes; true if they held. */
  waitUntilConverged(timeoutMs: number): Promise<boolean>;
  signal: AbortSignal;
}

export function topologyOf(context: StepContext): TopologyEntry[] {
  return buildTopology(
    context.cluster.nodes,
    (name) => context.observer.lastReportOf(name),
    context.scenario.cluster.numShards,
  );
}

/** The node a target names now, or null. */
export function resolveNode(context: StepContext, target: Target): RealNode | null {
  const name = resolveTarget(target, topologyOf(context), context.targetRng);
  return name === null ? null : context.cluster.nodeByName(name);
}

/** A 'fault' event: what the runner did, to which nodes, in words. */
export function emitFault(
  context: StepContext,
  action: string,
  nodes: readonly RealNode[],
  detail: string,
  durationMs?: number,
): void {
  const atMs = context.nowMs();
  context.emit({
    kind: 'fault',
    atMs,
    action,
    nodes: nodes.map((node) => node.name),
    detail,
    ...(durationMs === undefined ? {} : { untilMs: atMs + durationMs }),
  });
}

/** A command's error as one short line for a fault event's detail. */
export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
