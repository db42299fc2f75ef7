import { describe, expect, it } from 'vitest';
import { onePrimaryPerShard } from '../../../core/invariants/one-primary-per-shard.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster } from './builders.ts';

describe('one-primary-per-shard', () => {
  it('passes with one primary per shard', () => {
    expect(onePrimaryPerShard.check(context([healthyCluster(3, 2)]))).toBeNull();
  });

  it('flags an old primary that kept the primary role without slots', () => {
    const view = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    });
    const found = expectCleanFingerprint(onePrimaryPerShard.check(context([view])), 'one-primary-per-shard');
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=stale-demotion');
    expect(found.nodes).toEqual(['node-0', 'node-1']);
  });

  it('flags two primaries of one shard that both own slots', () => {
    const view = editNode(healthyCluster(3, 1), 'node-3', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
      node.report!.slots = [[5461, 5500]];
    });
    const found = expectCleanFingerprint(onePrimaryPerShard.check(context([view])), 'one-primary-per-shard');
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=split-slots');
  });
});
