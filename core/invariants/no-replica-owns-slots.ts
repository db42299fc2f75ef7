/**
 * no-replica-owns-slots: after faults heal, no replica owns slots, neither in its own view nor as
 * a live node sees it (protocol reference §9.3; a replica's slots would mean a demotion that kept
 * its claim, §4.5).
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { NodeDirectory, lastView, liveNodes, slotCountOf } from './view-facts.ts';

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  for (const node of live) {
    if (node.report.role !== 'replica' || node.report.slots.length === 0) continue;
    return finding(
      'no-replica-owns-slots',
      'in=own-view',
      `${node.name} is a replica (of ${node.report.replicaOf ?? 'no known primary'}) but owns ` +
        `${slotCountOf(node.report.slots)} slots in its own view at ${view.atMs} ms; a replica serves no slots`,
      [node.name],
    );
  }
  const directory = new NodeDirectory(context);
  for (const observer of live) {
    for (const peer of observer.report.peers) {
      if (peer.id === observer.report.id || peer.role !== 'replica' || peer.slots.length === 0) continue;
      const subject = directory.label(peer.id);
      return finding(
        'no-replica-owns-slots',
        'in=peer-view',
        `${observer.name} sees ${subject} as a replica that owns ${slotCountOf(peer.slots)} slots at ${view.atMs} ms; ` +
          'a replica serves no slots',
        [observer.name, ...(directory.nameOf(peer.id) === undefined ? [] : [subject])],
      );
    }
  }
  return null;
}

export const noReplicaOwnsSlots: Invariant = {
  name: 'no-replica-owns-slots',
  kind: 'convergence',
  summary: 'no replica owns slots, in its own view or in any live view',
  check,
};
