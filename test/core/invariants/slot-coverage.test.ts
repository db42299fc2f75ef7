import { describe, expect, it } from 'vitest';
import { slotCoverage } from '../../../core/invariants/slot-coverage.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import {
  context,
  downNode,
  editNode,
  editPeerEverywhere,
  expectCleanFingerprint,
  healthyCluster,
  scenarioWith,
} from './builders.ts';

/** node-2 (shard 1's primary) killed for good at 1 s with node-3 eligible; healed at once. */
const killedForGood: ObservedEvent[] = [
  { kind: 'node-down', atMs: 1000, node: 'node-2', cause: 'kill', wasPrimary: true, eligibleReplicas: ['node-3'] },
  { kind: 'healed', atMs: 1000 },
];

describe('slot-coverage', () => {
  it('passes on a healthy cluster', () => {
    expect(slotCoverage.check(context([healthyCluster(3, 1)]))).toBeNull();
  });

  it('flags slots still owned by a dead primary while its replica lives', () => {
    const view = downNode(healthyCluster(3, 1), 'node-2');
    const found = expectCleanFingerprint(slotCoverage.check(context([healthyCluster(3, 1), view])), 'slot-coverage');
    expect(found.fingerprint).toBe('slot-coverage/owner=not-live');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
    expect(found.message).toContain('5461-10921');
  });

  it('is not required when a whole shard is down', () => {
    const view = downNode(downNode(healthyCluster(3, 1), 'node-2'), 'node-3');
    expect(slotCoverage.check(context([healthyCluster(3, 1), view]))).toBeNull();
  });

  it('is not required when a majority of slot owners is dead (no failover possible)', () => {
    // Two of three primaries killed for good: their replicas live, but no quorum can vote.
    const view = downNode(downNode(healthyCluster(3, 1), 'node-0'), 'node-2');
    expect(slotCoverage.check(context([healthyCluster(3, 1), view]))).toBeNull();
    // A 2-shard cluster cannot fail a dead primary over either.
    expect(slotCoverage.check(context([healthyCluster(2, 1), downNode(healthyCluster(2, 1), 'node-0')]))).toBeNull();
  });

  it('excuses the slots of a dead primary whose replica the data-age gate refuses (§3.1)', () => {
    const view = downNode(healthyCluster(3, 1), 'node-2');
    // Validity factor 1: the replica may fail over only within 10 s + 1 node timeout of losing its primary.
    const gated = scenarioWith({ nodeTimeoutMs: 1000, replicaValidityFactor: 1 });
    expect(slotCoverage.check(context([healthyCluster(3, 1), view], killedForGood, gated))).toBeNull();
    // Without the gate the same state is a missed failover.
    const ungated = scenarioWith({ nodeTimeoutMs: 1000, replicaValidityFactor: 0 });
    expect(slotCoverage.check(context([healthyCluster(3, 1), view], killedForGood, ungated))?.fingerprint).toBe(
      'slot-coverage/owner=not-live',
    );
  });

  it('flags unassigned slots', () => {
    const view = editPeerEverywhere(healthyCluster(3, 0), 'node-1', (peer) => {
      peer.slots = [[5461, 10000]];
    });
    const fixed = editNode(view, 'node-1', (node) => {
      node.report!.slots = [[5461, 10000]];
    });
    const found = expectCleanFingerprint(slotCoverage.check(context([fixed])), 'slot-coverage');
    expect(found.fingerprint).toBe('slot-coverage/owner=unassigned');
    expect(found.message).toContain('10001-10921');
  });
});
