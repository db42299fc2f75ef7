import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { slotCoverage } from '../../../core/invariants/slot-coverage.ts';
import type { ClusterView } from '../../../core/view.ts';
import { context, downNode, editNode, expectCleanFingerprint, healthyCluster, idOf } from './builders.ts';

/**
 * Seed 1717475339's shape on healthyCluster(3, 1): node-5 (shard 2's replica) is forgotten by every
 * node, takes shard 2's slots over (10922-16383), node-4 meets it again, takes its claim (loses its
 * own slots) and deletes it on a gossiped ban; node-5 dies. Nobody knows node-5, the others still
 * give the slots to node-4, which sees them unassigned.
 */
function forgottenOwnerView(): ClusterView {
  let view = downNode(healthyCluster(3, 1), 'node-5');
  for (const node of view.nodes) {
    if (node.report === null) continue;
    view = editNode(view, node.name, (edited) => {
      edited.report!.peers = edited.report!.peers.filter((peer) => peer.id !== idOf('node-5'));
    });
  }
  return editNode(view, 'node-4', (node) => {
    node.report!.slots = [];
    for (const peer of node.report!.peers) if (peer.id === idOf('node-4')) peer.slots = [];
  });
}

const state = (atMs: number, node: string, role: 'primary' | 'replica', slotCount: number): ObservedEvent => ({
  kind: 'node-state',
  atMs,
  node,
  id: idOf(node),
  role,
  primary: role === 'replica' ? 'node-4' : null,
  currentEpoch: 9,
  configEpoch: 9,
  slotCount,
});

function story(options: { forget?: boolean; observerLoses?: boolean } = {}): ObservedEvent[] {
  const { forget = true, observerLoses = true } = options;
  const events: ObservedEvent[] = [state(100, 'node-4', 'primary', 5462), state(100, 'node-5', 'replica', 0)];
  if (forget) {
    const detail = 'CLUSTER FORGET node-5 on node-0: OK; node-4: OK';
    events.push({ kind: 'fault', atMs: 1000, action: 'forget', nodes: ['node-5'], detail });
  }
  events.push(state(2000, 'node-5', 'primary', 5462));
  events.push({ kind: 'fault', atMs: 3000, action: 'meet', nodes: ['node-4', 'node-5'], detail: 'OK' });
  if (observerLoses) events.push(state(3100, 'node-4', 'primary', 0));
  events.push({ kind: 'node-down', atMs: 4000, node: 'node-5', cause: 'kill', wasPrimary: true, eligibleReplicas: [] });
  events.push({ kind: 'healed', atMs: 5000 });
  return events;
}

describe('slot-coverage: slots deleted with a forgotten owner', () => {
  const ready = healthyCluster(3, 1);

  it('are tagged forgotten-owner when the banned owner took them from the observer and is down', () => {
    const found = expectCleanFingerprint(
      slotCoverage.check(context([ready, forgottenOwnerView()], story())),
      'slot-coverage',
    );
    expect(found.fingerprint).toBe('slot-coverage/owner=unassigned,forgotten-owner');
    expect(found.message).toContain('banned by CLUSTER FORGET');
  });

  it('keep the plain tag without a forget, or when the observer never lost its slots', () => {
    expect(slotCoverage.check(context([ready, forgottenOwnerView()], story({ forget: false })))?.fingerprint).toBe(
      'slot-coverage/owner=unassigned',
    );
    expect(
      slotCoverage.check(context([ready, forgottenOwnerView()], story({ observerLoses: false })))?.fingerprint,
    ).toBe('slot-coverage/owner=unassigned');
  });

  it('keep the plain tag when a running node still claims the slots', () => {
    // node-2 claims shard 2's slots too in its own view: a live claimer, not this class.
    const view = editNode(forgottenOwnerView(), 'node-2', (node) => {
      node.report!.slots = [[5461, 16383]];
    });
    expect(slotCoverage.check(context([ready, view], story()))?.fingerprint).toBe('slot-coverage/owner=unassigned');
  });
});
