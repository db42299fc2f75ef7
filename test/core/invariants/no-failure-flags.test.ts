import { describe, expect, it } from 'vitest';
import { noFailureFlags } from '../../../core/invariants/no-failure-flags.ts';
import { context, downNode, editPeer, editPeerEverywhere, expectCleanFingerprint, healthyCluster } from './builders.ts';

describe('no-failure-flags', () => {
  it('passes with no flags, and ignores flags on down nodes', () => {
    expect(noFailureFlags.check(context([healthyCluster(3, 1)]))).toBeNull();
    const view = editPeerEverywhere(healthyCluster(3, 1), 'node-3', (peer) => {
      peer.flags = ['slave', 'fail'];
    });
    expect(noFailureFlags.check(context([downNode(view, 'node-3')]))).toBeNull();
  });

  it('flags fail on a live primary', () => {
    const view = editPeer(healthyCluster(3, 1), 'node-1', 'node-2', (peer) => {
      peer.flags = ['master', 'fail'];
    });
    const found = expectCleanFingerprint(noFailureFlags.check(context([view])), 'no-failure-flags');
    expect(found.fingerprint).toBe('no-failure-flags/flag=fail,on=primary');
    expect(found.nodes).toEqual(['node-1', 'node-2']);
  });

  it('flags fail? on a live replica', () => {
    const view = editPeer(healthyCluster(3, 1), 'node-0', 'node-5', (peer) => {
      peer.flags = ['slave', 'fail?'];
    });
    expect(noFailureFlags.check(context([view]))?.fingerprint).toBe('no-failure-flags/flag=pfail,on=replica');
  });
});
