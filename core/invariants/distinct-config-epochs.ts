/**
 * distinct-config-epochs: after faults heal, the slot-owning primaries have pairwise distinct
 * configEpochs (protocol reference §4.2: collision handling makes ties disappear; §9.3). A tie
 * left standing means two claims of equal version, which §4.3 cannot order.
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { countShape, lastView, liveNodes, type LiveNode } from './view-facts.ts';

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const byEpoch = new Map<number, LiveNode[]>();
  for (const node of liveNodes(view)) {
    if (node.report.role !== 'primary' || node.report.slots.length === 0) continue;
    const group = byEpoch.get(node.report.configEpoch) ?? [];
    group.push(node);
    byEpoch.set(node.report.configEpoch, group);
  }
  for (const [epoch, group] of byEpoch) {
    if (group.length < 2) continue;
    return finding(
      'distinct-config-epochs',
      `owners=${countShape(group.length)},epoch=${epoch === 0 ? 'zero' : 'nonzero'}`,
      `Slot-owning primaries ${group.map((node) => node.name).join(', ')} share configEpoch ${epoch} at ${view.atMs} ms; ` +
        'epoch collision handling should have given each a distinct configEpoch',
      group.map((node) => node.name),
    );
  }
  return null;
}

export const distinctConfigEpochs: Invariant = {
  name: 'distinct-config-epochs',
  kind: 'convergence',
  summary: 'slot-owning primaries have pairwise distinct configEpochs',
  check,
};
