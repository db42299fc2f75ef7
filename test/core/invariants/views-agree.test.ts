import { describe, expect, it } from 'vitest';
import { viewsAgree } from '../../../core/invariants/views-agree.ts';
import { context, downNode, editPeer, expectCleanFingerprint, healthyCluster } from './builders.ts';

describe('views-agree', () => {
  it('passes when every live node sees the same owners and roles (down nodes ignored)', () => {
    expect(viewsAgree.check(context([healthyCluster(3, 1)]))).toBeNull();
    expect(viewsAgree.check(context([downNode(healthyCluster(3, 1), 'node-5')]))).toBeNull();
  });

  it('flags a node that still binds slots to the old owner', () => {
    // node-5 binds shard 2's slots to node-0 (a stale claim never corrected by UPDATE).
    const view = editPeer(
      editPeer(healthyCluster(3, 1), 'node-5', 'node-4', (peer) => {
        peer.slots = [];
      }),
      'node-5',
      'node-0',
      (peer) => {
        peer.slots = [
          [0, 5460],
          [10922, 16383],
        ];
      },
    );
    const found = expectCleanFingerprint(viewsAgree.check(context([view])), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/slot-owners,both-assigned');
    expect(found.nodes).toEqual(['node-0', 'node-4', 'node-5']);
    expect(found.message).toContain('10922-16383');
  });

  it('flags a role seen differently from the node itself', () => {
    const view = editPeer(healthyCluster(3, 1), 'node-2', 'node-1', (peer) => {
      peer.role = 'primary';
      peer.flags = ['master'];
      peer.replicaOf = null;
    });
    const found = expectCleanFingerprint(viewsAgree.check(context([view])), 'views-agree');
    expect(found.fingerprint).toBe('views-agree/roles,seen=primary,own=replica');
    expect(found.nodes).toEqual(['node-1', 'node-2']);
  });
});
