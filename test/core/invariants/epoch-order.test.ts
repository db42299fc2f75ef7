import { describe, expect, it } from 'vitest';
import { epochOrder } from '../../../core/invariants/epoch-order.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster } from './builders.ts';

const state = (node: string, currentEpoch: number, configEpoch: number): ObservedEvent => ({
  kind: 'node-state',
  atMs: 10,
  node,
  role: 'primary',
  primary: null,
  currentEpoch,
  configEpoch,
  slotCount: 100,
});

describe('epoch-order', () => {
  it('passes when currentEpoch >= configEpoch in events and views', () => {
    expect(
      epochOrder.check(context([healthyCluster(3, 1)], [state('node-0', 4, 4), state('node-2', 7, 3)])),
    ).toBeNull();
  });

  it('flags a node-state event with currentEpoch below configEpoch', () => {
    const found = expectCleanFingerprint(
      epochOrder.check(context([], [state('node-0', 4, 4), state('node-2', 12, 13)])),
      'epoch-order',
    );
    expect(found.fingerprint).toBe('epoch-order/current-below-config,role=primary');
    expect(found.nodes).toEqual(['node-2']);
    expect(found.message).toContain('currentEpoch 12 below its configEpoch 13');
  });

  it('flags a report with currentEpoch below configEpoch', () => {
    const view = editNode(healthyCluster(3, 1), 'node-3', (node) => {
      node.report!.currentEpoch = 1;
      node.report!.configEpoch = 2;
    });
    const found = expectCleanFingerprint(epochOrder.check(context([view])), 'epoch-order');
    expect(found.fingerprint).toBe('epoch-order/current-below-config,role=replica');
  });

  it('flags lastVoteEpoch above currentEpoch where the backend reports it', () => {
    const view = editNode(healthyCluster(3, 1), 'node-4', (node) => {
      node.report!.lastVoteEpoch = 40;
    });
    const found = expectCleanFingerprint(epochOrder.check(context([view])), 'epoch-order');
    expect(found.fingerprint).toBe('epoch-order/last-vote-above-current');
    expect(found.nodes).toEqual(['node-4']);
  });
});
