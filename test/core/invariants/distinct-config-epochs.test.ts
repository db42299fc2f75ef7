import { describe, expect, it } from 'vitest';
import { distinctConfigEpochs } from '../../../core/invariants/distinct-config-epochs.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster } from './builders.ts';

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
});
