import { describe, expect, it } from 'vitest';
import { distinctConfigEpochs } from '../../../core/invariants/distinct-config-epochs.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster, idOf } from './builders.ts';

describe('distinct-config-epochs', () => {
  it("passes when slot-owning primaries have distinct epochs (replicas share their primary's)", () => {
    expect(distinctConfigEpochs.check(context([healthyCluster(3, 2)]))).toBeNull();
  });

  it('flags two slot-owning primaries with the same configEpoch', () => {
    const view = editNode(healthyCluster(3, 1), 'node-4', (node) => {
      node.report!.configEpoch = 2;
    });
    const found = expectCleanFingerprint(distinctConfigEpochs.check(context([view])), 'distinct-config-epochs');
    expect(found.fingerprint).toBe('distinct-config-epochs/owners=2,epoch=nonzero');
    expect(found.nodes).toEqual(['node-2', 'node-4']);
  });

  /** node-4 at node-2's configEpoch 2; each node of `unknownTo` drops the other of the pair from its view. */
  function tieWhere(unknownTo: string[]) {
    let view = editNode(healthyCluster(3, 1), 'node-4', (node) => {
      node.report!.configEpoch = 2;
    });
    for (const [observer, subject] of [
      ['node-2', 'node-4'],
      ['node-4', 'node-2'],
    ] as const) {
      if (!unknownTo.includes(observer)) continue;
      view = editNode(view, observer, (node) => {
        node.report!.peers = node.report!.peers.filter((peer) => peer.id !== idOf(subject));
      });
    }
    return distinctConfigEpochs.check(context([view]));
  }

  it('tags a tie the smaller-id owner cannot see: it does not know the other, which knows it', () => {
    // idOf('node-2') < idOf('node-4'): node-2 is the one clusterHandleConfigEpochCollision moves.
    const found = expectCleanFingerprint(tieWhere(['node-2']), 'distinct-config-epochs');
    expect(found.fingerprint).toBe('distinct-config-epochs/owners=2,epoch=nonzero,unknown-to-smaller-id');
  });

  it('keeps the plain tag when the smaller-id owner knows the other, or neither knows the other', () => {
    expect(tieWhere([])?.fingerprint).toBe('distinct-config-epochs/owners=2,epoch=nonzero');
    expect(tieWhere(['node-4'])?.fingerprint).toBe('distinct-config-epochs/owners=2,epoch=nonzero');
    expect(tieWhere(['node-2', 'node-4'])?.fingerprint).toBe('distinct-config-epochs/owners=2,epoch=nonzero');
  });
});
