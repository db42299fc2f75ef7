/**
 * distinct-config-epochs: after faults heal, the slot-owning primaries have pairwise distinct
 * configEpochs (protocol reference §4.2: collision handling makes ties disappear; §9.3). A tie
 * left standing means two claims of equal version, which §4.3 cannot order.
 *
 * 8.0.1's collision rule (clusterHandleConfigEpochCollision) moves only the primary with the
 * smaller node id, and only when it processes a PING or PONG of the other; clusterProcessPacket
 * reads no header from a sender it does not know. A tie where every smaller-id owner does not know
 * the larger one, which knows it and PINGs it (the one-sided membership of a forgotten or reset
 * node, which 8.0.1 never heals: membership-symmetric's `missing-peer,one-sided`), can therefore
 * never be resolved; it is tagged `unknown-to-smaller-id` so the class is named precisely. Every
 * other tie keeps the plain tag.
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { countShape, lastView, liveNodes, peerById, type LiveNode } from './view-facts.ts';

/**
 * Whether, for every pair of the tied owners, the one with the smaller id (the only one the
 * collision rule moves; ids compare as memcmp does on their hex) does not know the other by its
 * id, while the other knows it.
 */
export function unknownToSmallerId(group: readonly LiveNode[]): boolean {
  const sorted = [...group].sort((a, b) => (a.report.id < b.report.id ? -1 : a.report.id > b.report.id ? 1 : 0));
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const smaller = sorted[i]!;
      const larger = sorted[j]!;
      if (peerById(smaller.report, larger.report.id) !== undefined) return false;
      if (peerById(larger.report, smaller.report.id) === undefined) return false;
    }
  }
  return true;
}

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
    const unknown = unknownToSmallerId(group);
    return finding(
      'distinct-config-epochs',
      `owners=${countShape(group.length)},epoch=${epoch === 0 ? 'zero' : 'nonzero'}${unknown ? ',unknown-to-smaller-id' : ''}`,
      `Slot-owning primaries ${group.map((node) => node.name).join(', ')} share configEpoch ${epoch} at ${view.atMs} ms; ` +
        'epoch collision handling should have given each a distinct configEpoch' +
        (unknown
          ? ' (the owner with the smaller id, the only one the collision rule moves, does not know the other, ' +
            'which knows it: 8.0.1 reads no header from an unknown sender and adds one only on a MEET)'
          : ''),
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
