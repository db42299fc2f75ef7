import { describe, expect, it } from 'vitest';
import { slotCoverage } from '../../../core/invariants/slot-coverage.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import {
  clockEvent,
  context,
  downNode,
  editNode,
  editPeerEverywhere,
  expectCleanFingerprint,
  healthyCluster,
  idOf,
  scenarioWith,
} from './builders.ts';
import { electionHeldByClock } from '../../../core/invariants/clock-facts.ts';

/** node-2 (shard 1's primary) killed for good at 1 s with node-3 eligible; healed at once. */
const killedForGood: ObservedEvent[] = [
  { kind: 'node-down', atMs: 1000, node: 'node-2', cause: 'kill', wasPrimary: true, eligibleReplicas: ['node-3'] },
  { kind: 'healed', atMs: 1000 },
];

/**
 * Seed 1133166401's shape: node-2 terminated for good at 1 s; its replica node-3 (at currentEpoch 3
 * then) asked for votes in epoch 4 at 5 s, and its wall clock went back an hour at 8 s.
 */
function heldByClock(
  overrides: { voteEpoch?: number; voteAtMs?: number; after?: ObservedEvent[] } = {},
): ObservedEvent[] {
  return [
    {
      kind: 'node-state',
      atMs: 500,
      node: 'node-3',
      role: 'replica',
      primary: 'node-2',
      currentEpoch: 3,
      configEpoch: 2,
      slotCount: 0,
    },
    {
      kind: 'node-down',
      atMs: 1000,
      node: 'node-2',
      cause: 'terminate',
      wasPrimary: true,
      eligibleReplicas: ['node-3'],
    },
    {
      kind: 'vote-granted',
      atMs: overrides.voteAtMs ?? 5000,
      voter: 'node-0',
      candidate: 'node-3',
      epoch: overrides.voteEpoch ?? 4,
    },
    clockEvent('node-3', 8000, -3_600_000, -3_600_000),
    ...(overrides.after ?? []),
    { kind: 'healed', atMs: 9000 },
  ];
}

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

  it('tags owner=not-live,clock=back only while every replica of the dead owner has its election held by its own clock', () => {
    const before = healthyCluster(3, 1);
    const view = downNode(healthyCluster(3, 1, 60_000), 'node-2');
    const tagged = expectCleanFingerprint(slotCoverage.check(context([before, view], heldByClock())), 'slot-coverage');
    expect(tagged.fingerprint).toBe('slot-coverage/owner=not-live,clock=back');
    expect(tagged.message).toContain('node-3');
    const plain = (events: ObservedEvent[], at: typeof view = view): string | undefined =>
      slotCoverage.check(context([before, at], events))?.fingerprint;
    // No clock fault: a missed failover.
    expect(plain(heldByClock().filter((event) => event.kind !== 'fault'))).toBe('slot-coverage/owner=not-live');
    // No vote after the owner died in an epoch above the replica's then: no attempt is known
    // (failover_auth_time may be old, and the replica free to start one).
    expect(plain(heldByClock({ voteEpoch: 3 }))).toBe('slot-coverage/owner=not-live');
    // The clock has caught up: the hour has passed on the replica's clock.
    expect(plain(heldByClock(), { ...view, atMs: 3_700_000 })).toBe('slot-coverage/owner=not-live');
    // A restart since resets failover_auth_time (here failover-bound's excuse, a harmed replica, already spares it).
    const restarted: ObservedEvent[] = [
      { kind: 'node-down', atMs: 8500, node: 'node-3', cause: 'kill', wasPrimary: false, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 8700, node: 'node-3' },
    ];
    expect(electionHeldByClock(heldByClock(), 'node-3', 'node-2', 60_000)).toBe(true);
    expect(electionHeldByClock(heldByClock({ after: restarted }), 'node-3', 'node-2', 60_000)).toBe(false);
    // A pause does not.
    const paused: ObservedEvent[] = [
      { kind: 'node-down', atMs: 8500, node: 'node-3', cause: 'pause', wasPrimary: false, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 8700, node: 'node-3' },
    ];
    expect(plain(heldByClock({ after: paused }))).toBe('slot-coverage/owner=not-live,clock=back');
    // A second replica of the owner whose clock is fine can still fail it over.
    const second = editNode(view, 'node-5', (node) => {
      node.report!.replicaOf = idOf('node-2');
    });
    expect(plain(heldByClock(), second)).toBe('slot-coverage/owner=not-live');
  });
});
