import { describe, expect, it } from 'vitest';
import { replicasConsistent } from '../../../core/invariants/replicas-consistent.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster } from './builders.ts';

describe('replicas-consistent', () => {
  it("passes when replicas hold their primary's data, and skips unknown digests and down links", () => {
    expect(replicasConsistent.check(context([healthyCluster(3, 1)]))).toBeNull();
    const unknown = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.dataDigest = null;
    });
    expect(replicasConsistent.check(context([unknown]))).toBeNull();
    const linkDown = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.dataDigest = 'other';
      node.report!.replLinkUp = false;
    });
    expect(replicasConsistent.check(context([linkDown]))).toBeNull();
  });

  it('flags a replica with other data at the same offset', () => {
    const view = editNode(healthyCluster(3, 1), 'node-3', (node) => {
      node.report!.dataDigest = 'other';
    });
    const found = expectCleanFingerprint(replicasConsistent.check(context([view])), 'replicas-consistent');
    expect(found.fingerprint).toBe('replicas-consistent/diverged');
    expect(found.nodes).toEqual(['node-2', 'node-3']);
  });

  it('leaves a replica that is still catching up alone, and tells one that is ahead apart', () => {
    const behind = editNode(healthyCluster(3, 1), 'node-3', (node) => {
      node.report!.dataDigest = 'other';
      node.report!.replOffset = 10;
    });
    expect(replicasConsistent.check(context([behind]))).toBeNull();
    const ahead = editNode(healthyCluster(3, 1), 'node-3', (node) => {
      node.report!.dataDigest = 'other';
      node.report!.replOffset = 9000;
    });
    expect(replicasConsistent.check(context([ahead]))?.fingerprint).toBe('replicas-consistent/replica-ahead');
  });
});
