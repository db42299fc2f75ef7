/**
 * `keep_quorum` of chaos blocks, decided when a step is about to run, on its resolved targets
 * (only then is it known who is down): a kill, terminate, pause or partition is skipped if
 * afterwards fewer than a majority of the slot-owning primaries would still run on one side of
 * the network.
 */
import { countSlots } from '../core/cluster-nodes.ts';
import type { RealNode } from './cluster.ts';
import type { StepContext } from './step-context.ts';

/** Names of the slot-owning primaries (by their latest reports) and of those still running. */
function votingPrimaries(context: StepContext): { all: string[]; running: Set<string> } {
  const voting = context.cluster.nodes.filter((node) => {
    const report = context.observer.lastReportOf(node.name);
    return report !== undefined && report.role === 'primary' && countSlots(report.slots) > 0;
  });
  return {
    all: voting.map((node) => node.name),
    running: new Set(voting.filter((node) => node.host.process.state === 'running').map((node) => node.name)),
  };
}

/** Whether a majority of voting primaries still runs once `node` is down. */
export function quorumSurvivesDown(context: StepContext, node: RealNode): boolean {
  const { all, running } = votingPrimaries(context);
  running.delete(node.name);
  return running.size >= Math.floor(all.length / 2) + 1;
}

/** Whether one side of the partition keeps a majority of the voting primaries that run. */
export function quorumSurvivesPartition(context: StepContext, groups: readonly string[][]): boolean {
  const { all, running } = votingPrimaries(context);
  const largestSide = Math.max(0, ...groups.map((group) => group.filter((name) => running.has(name)).length));
  return largestSide >= Math.floor(all.length / 2) + 1;
}
