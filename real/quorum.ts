/**
 * `keep_quorum` of chaos blocks, decided when a step is about to run, on its resolved targets
 * (only then is it known who is down): a kill, terminate, pause or partition is skipped if
 * afterwards fewer than size/2+1 of the slot-owning primaries would be up, counting the nodes cut
 * off by partitions in force as down (core/scenario/semantics/partition.ts, as the simulator).
 */
import { countSlots } from '../core/cluster-nodes.ts';
import { quorumSurvives as quorumOf } from '../core/scenario/semantics/partition.ts';
import type { RealNode } from './cluster.ts';
import type { StepContext } from './step-context.ts';

/** Slot-owning primaries by their latest reports. */
export function votingPrimaries(context: StepContext): RealNode[] {
  return context.cluster.nodes.filter((node) => {
    const report = context.observer.lastReportOf(node.name);
    return report !== undefined && report.role === 'primary' && countSlots(report.slots) > 0;
  });
}

/** Whether a majority of voting primaries is still up once `down` (and the stopped ones) are out. */
export function quorumSurvives(context: StepContext, down: readonly RealNode[]): boolean {
  const out = new Set(down.map((node) => node.name));
  return quorumOf(votingPrimaries(context), (node) => node.host.process.state !== 'running' || out.has(node.name));
}
