import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { noReplicaChains } from '../../../core/invariants/no-replica-chains.ts';
import { context, downNode, editNode, editPeer, expectCleanFingerprint, healthyCluster, idOf } from './builders.ts';

function state(atMs: number, node: string, role: 'primary' | 'replica', primary: string | null): ObservedEvent {
  return {
    kind: 'node-state',
    atMs,
    node,
    id: idOf(node),
    role,
    primary,
    currentEpoch: 9,
    configEpoch: 7,
    slotCount: role === 'primary' ? 5461 : 0,
  };
}

describe('no-replica-chains', () => {
  it('passes when every replica replicates a primary', () => {
    expect(noReplicaChains.check(context([healthyCluster(2, 2)]))).toBeNull();
  });

  it('flags a replica of a replica', () => {
    const view = editNode(healthyCluster(2, 2), 'node-2', (node) => {
      node.report!.replicaOf = idOf('node-1');
    });
    const found = expectCleanFingerprint(noReplicaChains.check(context([view])), 'no-replica-chains');
    expect(found.fingerprint).toBe('no-replica-chains/replica-of-replica');
    expect(found.nodes).toEqual(['node-1', 'node-2']);
    expect(found.message).toContain('node-2 -> node-1');
  });

  it('flags a loop of replicas', () => {
    let view = editNode(healthyCluster(2, 2), 'node-2', (node) => {
      node.report!.replicaOf = idOf('node-1');
    });
    view = editNode(view, 'node-1', (node) => {
      node.report!.replicaOf = idOf('node-2');
    });
    const found = expectCleanFingerprint(noReplicaChains.check(context([view])), 'no-replica-chains');
    expect(found.fingerprint).toBe('no-replica-chains/loop');
  });

  it('names a loop through a down node whose promotion the replica missed, followed by the sub-replica rule', () => {
    // Seed 1057966381's shape: node-2 replicates node-0 and lists node-1 as node-0's replica; node-1
    // wins an election (node-2 never hears it) and goes down; node-0 follows node-1, and node-2, told
    // that its primary node-0 now replicates node-1, follows node-1 (the sub-replica safeguard),
    // which it still lists as node-0's replica: node-2 -> node-1 -> node-0 -> node-1.
    let view = downNode(healthyCluster(2, 2), 'node-1');
    view = editNode(view, 'node-0', (node) => {
      node.report!.role = 'replica';
      node.report!.replicaOf = idOf('node-1');
      node.report!.slots = [];
    });
    view = editPeer(view, 'node-0', 'node-1', (peer) => {
      peer.role = 'primary';
      peer.replicaOf = null;
    });
    view = editNode(view, 'node-2', (node) => {
      node.report!.replicaOf = idOf('node-1');
    });
    const events = (between: ObservedEvent[], deadLast: ObservedEvent): ObservedEvent[] => [
      state(1, 'node-0', 'primary', null),
      state(1, 'node-1', 'replica', 'node-0'),
      state(2, 'node-2', 'replica', 'node-0'),
      { kind: 'election-won', atMs: 3, node: 'node-1', epoch: 7, consensus: true },
      deadLast,
      { kind: 'node-down', atMs: 4, node: 'node-1', cause: 'kill', wasPrimary: true, eligibleReplicas: [] },
      state(5, 'node-0', 'replica', 'node-1'),
      ...between,
      state(6, 'node-2', 'replica', 'node-1'),
      state(7, 'node-2', 'replica', 'node-1'),
    ];
    const promoted = state(3, 'node-1', 'primary', null);
    const found = expectCleanFingerprint(
      noReplicaChains.check(context([view], events([], promoted))),
      'no-replica-chains',
    );
    expect(found.fingerprint).toBe('no-replica-chains/loop,via=missed-promotion');
    expect(found.message).toContain('node-2 -> node-1 -> node-0 -> node-1');
    // Without the down node's promotion in its own states: a plain loop.
    expect(noReplicaChains.check(context([view]))?.fingerprint).toBe('no-replica-chains/loop');
    expect(
      noReplicaChains.check(context([view], events([], state(3, 'node-1', 'replica', 'node-0'))))?.fingerprint,
    ).toBe('no-replica-chains/loop');
    // An operator's REPLICATE (or a reset) of the replica in between is not the sub-replica rule.
    const replicate: ObservedEvent = {
      kind: 'fault',
      atMs: 5,
      action: 'replicate',
      nodes: ['node-2'],
      detail: 'node-2 CLUSTER REPLICATE node-1: OK',
    };
    expect(noReplicaChains.check(context([view], events([replicate], promoted)))?.fingerprint).toBe(
      'no-replica-chains/loop',
    );
    // Nor is a replica that came to the down node from a node other than the one it lists it
    // replicating.
    const fromElsewhere: ObservedEvent[] = events([state(5, 'node-2', 'replica', 'node-3')], promoted);
    expect(noReplicaChains.check(context([view], fromElsewhere))?.fingerprint).toBe('no-replica-chains/loop');
  });
});
