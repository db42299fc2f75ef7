import { describe, expect, it } from 'vitest';
import { noReplicaOwnsSlots } from '../../../core/invariants/no-replica-owns-slots.ts';
import { context, editNode, editPeer, expectCleanFingerprint, healthyCluster } from './builders.ts';

describe('no-replica-owns-slots', () => {
  it('passes when only primaries own slots', () => {
    expect(noReplicaOwnsSlots.check(context([healthyCluster(3, 1)]))).toBeNull();
  });

  it('flags a replica that owns slots in its own view', () => {
    const view = editNode(healthyCluster(3, 1), 'node-5', (node) => {
      node.report!.slots = [[12000, 12010]];
    });
    const found = expectCleanFingerprint(noReplicaOwnsSlots.check(context([view])), 'no-replica-owns-slots');
    expect(found.fingerprint).toBe('no-replica-owns-slots/in=own-view');
    expect(found.nodes).toEqual(['node-5']);
  });

  it('flags a node seen as a replica with slots by a peer', () => {
    const view = editPeer(healthyCluster(3, 1), 'node-0', 'node-2', (peer) => {
      peer.role = 'replica';
      peer.flags = ['slave'];
    });
    const found = expectCleanFingerprint(noReplicaOwnsSlots.check(context([view])), 'no-replica-owns-slots');
    expect(found.fingerprint).toBe('no-replica-owns-slots/in=peer-view');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
  });
});
