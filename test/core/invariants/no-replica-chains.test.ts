import { describe, expect, it } from 'vitest';
import { noReplicaChains } from '../../../core/invariants/no-replica-chains.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster, idOf } from './builders.ts';

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
});
