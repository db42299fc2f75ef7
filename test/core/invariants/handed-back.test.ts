import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { slotCoverage } from '../../../core/invariants/slot-coverage.ts';
import { viewsAgree } from '../../../core/invariants/views-agree.ts';
import type { ClusterView } from '../../../core/view.ts';
import { context, editNode, editPeer, expectCleanFingerprint, healthyCluster } from './builders.ts';

/** Slots 10975-11085 in the shape of seed 219746 (a migration node-2 -> node-0 of 10922-11100). */
const TARGET_OWN: [number, number][] = [
  [0, 5460],
  [10922, 10974],
  [11086, 11100],
];
const MIGRATED: [number, number][] = [
  [0, 5460],
  [10922, 11100],
];

/** The source as the target (and a view that keeps the target's stale binding) holds it. */
const SOURCE_SEEN: [number, number][] = [
  [10975, 11085],
  [11101, 16383],
];

const migration: ObservedEvent = {
  kind: 'fault',
  atMs: 5340,
  action: 'migrate_slots',
  nodes: ['node-0', 'node-2'],
  detail: '179 slots (0 keys) node-2 -> node-0',
};

/**
 * healthyCluster(3, 0) after node-2 moved 10922-11100 to node-0, and node-0 gave 10975-11085 back
 * to node-2 (a stale claim at a greater epoch): node-2's own view names node-0, node-0's own view
 * names node-2, nobody claims them. `observer`: node-1 learnt the slots afresh (`unassigned`) or
 * still binds them to node-2 (`source`).
 */
function handedBack(observer: 'unassigned' | 'source', targetGivesTo = 'node-2'): ClusterView {
  let view = healthyCluster(3, 0);
  view = editNode(view, 'node-2', (node) => {
    node.report!.slots = [[11101, 16383]];
  });
  view = editPeer(view, 'node-2', 'node-0', (peer) => {
    peer.slots = MIGRATED;
  });
  view = editNode(view, 'node-0', (node) => {
    node.report!.slots = TARGET_OWN;
  });
  view = editPeer(view, 'node-0', 'node-2', (peer) => {
    peer.slots = targetGivesTo === 'node-2' ? SOURCE_SEEN : [[11101, 16383]];
  });
  if (targetGivesTo !== 'node-2')
    view = editPeer(view, 'node-0', targetGivesTo, (peer) => {
      peer.slots = [...peer.slots, [10975, 11085]];
    });
  view = editPeer(view, 'node-1', 'node-0', (peer) => {
    peer.slots = TARGET_OWN;
  });
  view = editPeer(view, 'node-1', 'node-2', (peer) => {
    peer.slots = observer === 'source' ? SOURCE_SEEN : [[11101, 16383]];
  });
  return view;
}

describe('slots a migration handed back (handed-back.ts)', () => {
  it('slot-coverage tags unassigned slots that source and target each give to the other', () => {
    const found = expectCleanFingerprint(
      slotCoverage.check(context([handedBack('unassigned')], [migration])),
      'slot-coverage',
    );
    expect(found.fingerprint).toBe('slot-coverage/owner=unassigned,handed-back');
    expect(found.message).toContain('10975-11085');
    expect(found.message).toContain('no node claims them');
  });

  it('views-agree tags the disagreement over those slots, whether the other view has them unassigned or at the source', () => {
    expect(viewsAgree.check(context([handedBack('unassigned')], [migration]))?.fingerprint).toBe(
      'views-agree/slot-owners,one-side-unassigned,handed-back',
    );
    const found = expectCleanFingerprint(viewsAgree.check(context([handedBack('source')], [migration])), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned,handed-back');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
  });

  it('keeps the plain tags without a migration between the two, when the target gives them elsewhere, or when a node gave no report', () => {
    expect(slotCoverage.check(context([handedBack('unassigned')]))?.fingerprint).toBe('slot-coverage/owner=unassigned');
    expect(viewsAgree.check(context([handedBack('source')]))?.fingerprint).toBe(
      'views-agree/slot-owners,both-assigned',
    );
    const otherPair: ObservedEvent = { ...migration, nodes: ['node-0', 'node-1'] };
    expect(slotCoverage.check(context([handedBack('unassigned')], [otherPair]))?.fingerprint).toBe(
      'slot-coverage/owner=unassigned',
    );
    // node-0 binds them to node-1, which does not bind them back: not a hand-back between two nodes.
    expect(slotCoverage.check(context([handedBack('unassigned', 'node-1')], [migration]))?.fingerprint).toBe(
      'slot-coverage/owner=unassigned',
    );
    // A running node that did not answer may claim them.
    const silent = editNode(handedBack('unassigned'), 'node-1', (node) => {
      node.report = null;
    });
    expect(viewsAgree.check(context([silent], [migration]))?.fingerprint).toBe('views-agree/slot-owners,both-assigned');
  });
  it('slot-coverage tags the source that lost the name by a CLUSTER FORGET of the target after the migration', () => {
    // Seed 729720721: node-0 (target) lost slot 8196 to an UPDATE for node-2 (source) at a
    // collision-bumped epoch; node-2 then forgot node-0 (clusterDelNode unassigns its slots) and,
    // after the ban, re-learned node-0's claim without the slot: node-2 sees it unassigned.
    const forgotten = editPeer(handedBack('source'), 'node-2', 'node-0', (peer) => {
      peer.slots = TARGET_OWN;
    });
    const forget = (at: number, outcomes: string): ObservedEvent => ({
      kind: 'fault',
      atMs: at,
      action: 'forget',
      nodes: ['node-0'],
      detail: `CLUSTER FORGET node-0 on ${outcomes}`,
    });
    const found = expectCleanFingerprint(
      slotCoverage.check(context([forgotten], [migration, forget(6000, 'node-1: OK; node-2: OK')])),
      'slot-coverage',
    );
    expect(found.fingerprint).toBe('slot-coverage/owner=unassigned,handed-back,forgotten');
    expect(found.nodes).toEqual(['node-2']);
    expect(found.message).toContain('10975-11085');
    // No forget, a forget before the migration, or one that failed on node-2: the plain tag.
    const plain = (...events: ObservedEvent[]) => slotCoverage.check(context([forgotten], events))?.fingerprint;
    expect(plain(migration)).toBe('slot-coverage/owner=unassigned');
    expect(plain(forget(5000, 'node-2: OK'), migration)).toBe('slot-coverage/owner=unassigned');
    expect(plain(migration, forget(6000, 'node-1: OK; node-2: ERR Unknown node node-0'))).toBe(
      'slot-coverage/owner=unassigned',
    );
    // The target does not name the source for them: not a hand-back.
    const elsewhere = editPeer(forgotten, 'node-0', 'node-2', (peer) => {
      peer.slots = [[11101, 16383]];
    });
    expect(slotCoverage.check(context([elsewhere], [migration, forget(6000, 'node-2: OK')]))?.fingerprint).toBe(
      'slot-coverage/owner=unassigned',
    );
  });
});
