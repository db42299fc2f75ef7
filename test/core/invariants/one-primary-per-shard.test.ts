import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
import { onePrimaryPerShard } from '../../../core/invariants/one-primary-per-shard.ts';
import type { ClusterView } from '../../../core/view.ts';
import { context, editNode, expectCleanFingerprint, healthyCluster } from './builders.ts';

/** healthyCluster(3, 2) with node-1 and node-2, shard 0's replicas, reporting themselves primaries. */
function shardOfThreePrimaries(): ClusterView {
  return editNode(
    editNode(healthyCluster(3, 2), 'node-1', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    }),
    'node-2',
    (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    },
  );
}

/** A node-state event maker (currentEpoch 9) whose configEpoch defaults to `defaultConfigEpoch`. */
function nodeStateAt(defaultConfigEpoch: number) {
  return (
    atMs: number,
    node: string,
    role: 'primary' | 'replica',
    primary: string | null,
    slotCount: number,
    configEpoch = defaultConfigEpoch,
  ): ObservedEvent => ({
    kind: 'node-state',
    atMs,
    node,
    role,
    primary,
    currentEpoch: 9,
    configEpoch,
    slotCount,
  });
}

/**
 * Two slotless elections in a row over a root the caller gives: node-1 (node-9's replica) replaces
 * node-9, then node-2 (node-1's replica by then) replaces node-1, with `between` before the second
 * win. By the check node-2 claims primary and node-0 owns the slots.
 */
function electionLine(consensus: boolean) {
  const view = editNode(healthyCluster(3, 2), 'node-2', (node) => {
    node.report!.role = 'primary';
    node.report!.replicaOf = null;
  });
  const state = nodeStateAt(9);
  const line = (root: ObservedEvent[], between: ObservedEvent[] = []): ObservedEvent[] => [
    ...root,
    state(2, 'node-1', 'replica', 'node-9', 0),
    state(2, 'node-2', 'replica', 'node-9', 0),
    { kind: 'election-won', atMs: 3, node: 'node-1', epoch: 4, consensus },
    state(3, 'node-1', 'primary', null, 0, 4),
    state(3, 'node-2', 'replica', 'node-1', 0, 4),
    ...between,
    { kind: 'election-won', atMs: 5, node: 'node-2', epoch: 5, consensus },
    state(5, 'node-2', 'primary', null, 0, 5),
    state(6, 'node-1', 'replica', 'node-2', 0, 5),
  ];
  return { view, state, line };
}

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

  it('names what made the slotless primary one: an election that gave it no slots, or a reset', () => {
    const view = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    });
    const won: ObservedEvent[] = [
      { kind: 'election-won', atMs: 5, node: 'node-1', epoch: 7, consensus: true },
      {
        kind: 'node-state',
        atMs: 5,
        node: 'node-1',
        role: 'primary',
        primary: null,
        currentEpoch: 7,
        configEpoch: 7,
        slotCount: 0,
      },
    ];
    expect(onePrimaryPerShard.check(context([view], won))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=slotless-election',
    );
    const reset: ObservedEvent[] = [
      ...won,
      { kind: 'fault', atMs: 9, action: 'reset', nodes: ['node-1'], detail: 'OK' },
    ];
    expect(onePrimaryPerShard.check(context([view], reset))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=reset',
    );
    // Owning slots after the win and losing them since: a primary never demoted.
    const lostSince: ObservedEvent[] = [
      ...won,
      {
        kind: 'node-state',
        atMs: 6,
        node: 'node-1',
        role: 'primary',
        primary: null,
        currentEpoch: 7,
        configEpoch: 7,
        slotCount: 100,
      },
    ];
    expect(onePrimaryPerShard.check(context([view], lostSince))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=stale-demotion',
    );
    // A replica since, then a primary without winning anything.
    const turned: ObservedEvent[] = [
      ...lostSince,
      {
        kind: 'node-state',
        atMs: 7,
        node: 'node-1',
        role: 'replica',
        primary: 'node-0',
        currentEpoch: 8,
        configEpoch: 8,
        slotCount: 0,
      },
      {
        kind: 'node-state',
        atMs: 8,
        node: 'node-1',
        role: 'primary',
        primary: null,
        currentEpoch: 8,
        configEpoch: 7,
        slotCount: 0,
      },
    ];
    expect(onePrimaryPerShard.check(context([view], turned))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=no-election',
    );
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

  it('names each slotless primary of 3+ by its own path, and an election that replaced an empty primary apart', () => {
    // Seed 1765934982's shape: node-1 re-pointed to the dead node-0 (which still owned slots by its
    // own state) and won an election with no slots; node-2 followed the slotless node-1 and won
    // again, replacing a primary that owned nothing itself.
    const view = shardOfThreePrimaries();
    const state = nodeStateAt(9);
    const firstWin: ObservedEvent[] = [
      state(1, 'node-0', 'primary', null, 5461),
      state(2, 'node-1', 'replica', 'node-0', 0),
      { kind: 'election-won', atMs: 3, node: 'node-1', epoch: 8, consensus: true },
      state(3, 'node-1', 'primary', null, 0),
    ];
    const chained: ObservedEvent[] = [
      ...firstWin,
      state(4, 'node-2', 'replica', 'node-1', 0),
      { kind: 'election-won', atMs: 5, node: 'node-2', epoch: 9, consensus: true },
      state(5, 'node-2', 'primary', null, 0),
    ];
    const found = expectCleanFingerprint(onePrimaryPerShard.check(context([view], chained)), 'one-primary-per-shard');
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=3+,via=empty-primary-election+slotless-election');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-2']);
    // The same path twice: both replaced the dead owner.
    const twice: ObservedEvent[] = [
      ...firstWin,
      state(4, 'node-2', 'replica', 'node-0', 0),
      { kind: 'election-won', atMs: 5, node: 'node-2', epoch: 9, consensus: true },
      state(5, 'node-2', 'primary', null, 0),
    ];
    expect(onePrimaryPerShard.check(context([view], twice))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=3+,via=slotless-election',
    );
    // Two different paths are both named: a slotless election and a reset.
    const mixed: ObservedEvent[] = [
      ...twice,
      { kind: 'fault', atMs: 6, action: 'reset', nodes: ['node-2'], detail: 'OK' },
    ];
    expect(onePrimaryPerShard.check(context([view], mixed))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=3+,via=reset+slotless-election',
    );
  });

  it('names a slotless primary replaced while down, back with an epoch not below the winner, replaced-restart', () => {
    // Seed 338934833's shape: node-1, a slotless primary, is down when its replica node-2 wins an
    // election (epoch 9) replacing it; node-1 comes back from its saved config with configEpoch 9 (a
    // bump it made before going down), so the empty-shard rule (strictly greater epoch) does not make
    // it follow node-2, and 8.0.1 never runs that rule again for two unchanged slotless claims.
    const view = shardOfThreePrimaries();
    const state = nodeStateAt(8);
    const replaced = (backWith: number, down: boolean): ObservedEvent[] =>
      [
        state(1, 'node-0', 'primary', null, 5461),
        state(2, 'node-1', 'replica', 'node-0', 0),
        { kind: 'election-won', atMs: 3, node: 'node-1', epoch: 8, consensus: true },
        state(3, 'node-1', 'primary', null, 0),
        state(4, 'node-2', 'replica', 'node-1', 0),
        ...(down
          ? [
              {
                kind: 'node-down',
                atMs: 5,
                node: 'node-1',
                cause: 'terminate',
                wasPrimary: true,
                eligibleReplicas: ['node-2'],
              },
            ]
          : []),
        { kind: 'election-won', atMs: 6, node: 'node-2', epoch: 9, consensus: true },
        state(6, 'node-2', 'primary', null, 0, 9),
        ...(down ? [{ kind: 'node-up', atMs: 7, node: 'node-1' }] : []),
        state(8, 'node-1', 'primary', null, 0, backWith),
      ] as ObservedEvent[];
    const found = expectCleanFingerprint(
      onePrimaryPerShard.check(context([view], replaced(9, true))),
      'one-primary-per-shard',
    );
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=3+,via=empty-primary-election+replaced-restart');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-2']);
    // Back with an epoch below the winner's: the empty-shard rule would have made it follow, so the
    // restart is not what keeps it a primary; its own election is named.
    expect(onePrimaryPerShard.check(context([view], replaced(8, true)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=3+,via=empty-primary-election+slotless-election',
    );
    // Replaced while running (cut off, not down): not this path.
    expect(onePrimaryPerShard.check(context([view], replaced(9, false)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=3+,via=empty-primary-election+slotless-election',
    );
  });

  it('names an election that replaced a demoted owner demoted-primary-election, apart from other empty primaries', () => {
    // Seed 1796672633's shape: node-2 replicates node-1 while node-1 owns the shard's slots; node-1
    // loses them all without turning replica (a stale demotion) and node-2 fails it over, winning
    // no slots. node-1 is a replica again by the check, node-0 owns the slots.
    const view = editNode(healthyCluster(3, 2), 'node-2', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    });
    const state = nodeStateAt(9);
    const replacing = (before: ObservedEvent[]): ObservedEvent[] => [
      ...before,
      { kind: 'election-won', atMs: 5, node: 'node-2', epoch: 9, consensus: true },
      state(5, 'node-2', 'primary', null, 0),
      state(6, 'node-1', 'replica', 'node-0', 0),
    ];
    const demoted = replacing([
      state(1, 'node-1', 'primary', null, 5461),
      state(2, 'node-2', 'replica', 'node-1', 0),
      state(3, 'node-1', 'primary', null, 0),
    ]);
    const found = expectCleanFingerprint(onePrimaryPerShard.check(context([view], demoted)), 'one-primary-per-shard');
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=demoted-primary-election');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
    // An empty primary that never owned slots (added empty, say) is not a demoted owner.
    const neverOwned = replacing([state(1, 'node-1', 'primary', null, 0), state(2, 'node-2', 'replica', 'node-1', 0)]);
    expect(onePrimaryPerShard.check(context([view], neverOwned))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    // Nor is one that was reset after it owned slots (the empty-shard rule path of a reset node).
    const resetOwner = replacing([
      state(1, 'node-1', 'primary', null, 5461),
      { kind: 'fault', atMs: 2, action: 'reset', nodes: ['node-1'], detail: 'OK' },
      state(2, 'node-1', 'primary', null, 0),
      state(3, 'node-2', 'replica', 'node-1', 0),
    ]);
    expect(onePrimaryPerShard.check(context([view], resetOwner))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
  });

  it('names an election that replaced an unelected empty primary unelected-primary-election', () => {
    // Seed 1599568908's shape: node-1 owned the shard's slots, followed node-0 after an UPDATE (a
    // replica), then turned primary with no slots without any election (a replica's claim naming it
    // as its primary: clusterProcessPacket's "A failover occurred in shard" branch promotes the
    // reader); its replica node-2 won an election (a manual failover) replacing it and stays a
    // slotless primary next to the owner node-0. node-1 is node-2's replica by the check.
    const view = editNode(healthyCluster(3, 2), 'node-2', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    });
    const state = nodeStateAt(9);
    const replacing = (before: ObservedEvent[]): ObservedEvent[] => [
      ...before,
      state(4, 'node-2', 'replica', 'node-1', 0),
      { kind: 'election-won', atMs: 5, node: 'node-2', epoch: 9, consensus: true },
      state(5, 'node-2', 'primary', null, 0),
      state(6, 'node-1', 'replica', 'node-2', 0),
    ];
    const unelected = replacing([
      state(1, 'node-1', 'primary', null, 5461),
      state(2, 'node-1', 'replica', 'node-0', 0),
      state(3, 'node-1', 'primary', null, 0),
    ]);
    const found = expectCleanFingerprint(onePrimaryPerShard.check(context([view], unelected)), 'one-primary-per-shard');
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=unelected-primary-election');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
    // A replica that turned primary by winning an election is not unelected (the slotless winner of
    // seed 1765934982's chain).
    const elected = replacing([
      state(1, 'node-1', 'replica', 'node-0', 0),
      { kind: 'election-won', atMs: 2, node: 'node-1', epoch: 8, consensus: true },
      state(2, 'node-1', 'primary', null, 0),
    ]);
    expect(onePrimaryPerShard.check(context([view], elected))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    // Nor is one reset after it turned primary, nor one that owned slots since (a demoted owner).
    const reset = replacing([
      state(1, 'node-1', 'replica', 'node-0', 0),
      state(2, 'node-1', 'primary', null, 0),
      { kind: 'fault', atMs: 3, action: 'reset', nodes: ['node-1'], detail: 'OK' },
    ]);
    expect(onePrimaryPerShard.check(context([view], reset))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    const ownedSince = replacing([
      state(1, 'node-1', 'replica', 'node-0', 0),
      state(2, 'node-1', 'primary', null, 0),
      state(3, 'node-1', 'primary', null, 5461),
      state(3, 'node-1', 'primary', null, 0),
    ]);
    expect(onePrimaryPerShard.check(context([view], ownedSince))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=demoted-primary-election',
    );
  });

  it('names no reset path from a reset step that was skipped (if_replica on a primary)', () => {
    const view = editNode(healthyCluster(3, 1), 'node-1', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    });
    const state = nodeStateAt(7);
    const skipped: ObservedEvent[] = [
      state(1, 'node-1', 'primary', null, 5461),
      state(2, 'node-1', 'primary', null, 0),
      {
        kind: 'fault',
        atMs: 3,
        action: 'reset',
        nodes: ['node-1'],
        detail: 'skipped: node-1 is a primary now (if_replica)',
      },
    ];
    expect(onePrimaryPerShard.check(context([view], skipped))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=stale-demotion',
    );
  });

  it('names an election at the end of a line of slotless elections that starts at a demoted owner demoted-chain-election', () => {
    // Seed 1313807487's shape: node-9 owned the shard's slots and lost them all without turning
    // replica (a stale demotion); node-1, its replica, took it over with no slots (a TAKEOVER), and
    // node-2, node-1's replica, took node-1 over in turn. node-1 is node-2's replica by the check,
    // node-0 owns the slots.
    const { view, state, line } = electionLine(false);
    const demotedRoot = [state(1, 'node-9', 'primary', null, 16384, 1), state(2, 'node-9', 'primary', null, 0, 1)];
    const found = expectCleanFingerprint(
      onePrimaryPerShard.check(context([view], line(demotedRoot))),
      'one-primary-per-shard',
    );
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=demoted-chain-election');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
    // A line that starts at an empty primary that never owned slots stays empty-primary-election.
    const neverOwned = [state(1, 'node-9', 'primary', null, 0, 1)];
    expect(onePrimaryPerShard.check(context([view], line(neverOwned)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    // So does one whose middle link was reset before it was replaced; one that turned replica and
    // primary again without an election is the unelected path, not a link of the line.
    const reset = [{ kind: 'fault', atMs: 4, action: 'reset', nodes: ['node-1'], detail: 'OK' } as ObservedEvent];
    expect(onePrimaryPerShard.check(context([view], line(demotedRoot, reset)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    const turned = [state(4, 'node-1', 'replica', 'node-0', 0, 4), state(4, 'node-1', 'primary', null, 0, 4)];
    expect(onePrimaryPerShard.check(context([view], line(demotedRoot, turned)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=unelected-primary-election',
    );
  });

  it('names an election at the end of a line of slotless elections that starts at an unelected primary unelected-chain-election', () => {
    // Seed 378961656's shape: node-9 was a replica and turned primary with no slots without an
    // election (a peer's claim naming it as its primary: clusterProcessPacket's "A failover occurred
    // in shard" branch promotes the reader); node-1, its replica, won an election replacing it with no
    // slots, and node-2, node-1's replica, won one replacing node-1 in turn. node-1 is node-2's replica
    // by the check, node-0 owns the slots.
    const { view, state, line } = electionLine(true);
    const unelectedRoot = [state(1, 'node-9', 'replica', 'node-0', 0, 1), state(2, 'node-9', 'primary', null, 0, 1)];
    const found = expectCleanFingerprint(
      onePrimaryPerShard.check(context([view], line(unelectedRoot))),
      'one-primary-per-shard',
    );
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=unelected-chain-election');
    expect(found.nodes).toEqual(['node-0', 'node-2']);
    // A line that starts at an empty primary that never was a replica stays empty-primary-election,
    // and one that starts at a demoted owner is demoted-chain-election as before.
    const neverReplica = [state(1, 'node-9', 'primary', null, 0, 1)];
    expect(onePrimaryPerShard.check(context([view], line(neverReplica)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    const demotedRoot = [state(1, 'node-9', 'primary', null, 16384, 1), state(2, 'node-9', 'primary', null, 0, 1)];
    expect(onePrimaryPerShard.check(context([view], line(demotedRoot)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=demoted-chain-election',
    );
    // A root that was reset after it turned primary, or a middle link reset before it was replaced,
    // breaks the line.
    const resetRoot = [
      ...unelectedRoot,
      { kind: 'fault', atMs: 2, action: 'reset', nodes: ['node-9'], detail: 'OK' } as ObservedEvent,
    ];
    expect(onePrimaryPerShard.check(context([view], line(resetRoot)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
    const reset = [{ kind: 'fault', atMs: 4, action: 'reset', nodes: ['node-1'], detail: 'OK' } as ObservedEvent];
    expect(onePrimaryPerShard.check(context([view], line(unelectedRoot, reset)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=2,via=empty-primary-election',
    );
  });

  it('names an election of a replica an operator pointed at a replaced owner replicate-election', () => {
    // Seed 1486777714's shape: node-9 owned the shard's slots (by its own states to the end); node-0
    // replaced it by an election with the slots and node-1 followed node-0; an operator's CLUSTER
    // REPLICATE then pointed node-1 at node-9, slotless in its table, and node-1 won an election with
    // no slots. node-0 owns the slots by the check.
    const view = editNode(healthyCluster(3, 2), 'node-1', (node) => {
      node.report!.role = 'primary';
      node.report!.replicaOf = null;
    });
    const state = nodeStateAt(9);
    const replicate = (detail: string): ObservedEvent => ({
      kind: 'fault',
      atMs: 3,
      action: 'replicate',
      nodes: ['node-1'],
      detail,
    });
    const run = (successorWon: boolean, repoint: ObservedEvent[]): ObservedEvent[] => [
      state(1, 'node-9', 'primary', null, 5461, 5),
      state(1, 'node-0', 'replica', 'node-9', 0, 5),
      state(1, 'node-1', 'replica', 'node-9', 0, 5),
      ...(successorWon
        ? [{ kind: 'election-won', atMs: 2, node: 'node-0', epoch: 6, consensus: false } as ObservedEvent]
        : []),
      state(2, 'node-0', 'primary', null, 5461, 6),
      state(2, 'node-1', 'replica', 'node-0', 0, 6),
      ...repoint,
      state(3, 'node-1', 'replica', 'node-9', 0, 5),
      { kind: 'election-won', atMs: 4, node: 'node-1', epoch: 8, consensus: true },
      state(4, 'node-1', 'primary', null, 0, 8),
    ];
    const found = expectCleanFingerprint(
      onePrimaryPerShard.check(context([view], run(true, [replicate('OK')]))),
      'one-primary-per-shard',
    );
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=2,via=replicate-election');
    expect(found.nodes).toEqual(['node-0', 'node-1']);
    // A re-point with no REPLICATE (a stale packet: flaw (a)), or with a refused one, stays
    // slotless-election; so does a REPLICATE to a primary no election had replaced.
    for (const events of [
      run(true, []),
      run(true, [replicate("refused: ERR I don't know about node")]),
      run(false, [replicate('OK')]),
    ])
      expect(onePrimaryPerShard.check(context([view], events))?.fingerprint).toBe(
        'one-primary-per-shard/primaries=2,via=slotless-election',
      );
  });

  it('names a split loss (the successor migrated slots to another shard) split-demotion and split-election', () => {
    // Seed 1572810549's shape: node-1 owned the shard's slots; node-0 won an election replacing it
    // (node-1 cut off) and migrated 179 slots to node-3, of another shard; node-2, node-1's replica
    // all along, won an election with no slots (node-0's claim left node-1 the migrated slots in its
    // view, node-3's took those: no re-point to another shard's node); node-1 lost its slots in two
    // steps, the last ones to node-3, and stays an empty primary.
    const view = shardOfThreePrimaries();
    const state = nodeStateAt(9);
    const shape = (migratedTo: string, node2Between: ObservedEvent[] = [], lastLoss = true): ObservedEvent[] => [
      state(1, 'node-1', 'primary', null, 5461, 14),
      state(1, 'node-0', 'replica', 'node-1', 0, 14),
      state(1, 'node-2', 'replica', 'node-1', 0, 14),
      { kind: 'election-won', atMs: 5, node: 'node-0', epoch: 18, consensus: true },
      state(5, 'node-0', 'primary', null, 5461, 18),
      state(6, 'node-0', 'primary', null, 5282, 18),
      { kind: 'fault', atMs: 6, action: 'migrate_slots', nodes: ['node-0', migratedTo], detail: '179 slots (0 keys)' },
      state(6, 'node-2', 'replica', 'node-1', 0, 18),
      ...node2Between,
      { kind: 'election-won', atMs: 7, node: 'node-2', epoch: 20, consensus: true },
      state(7, 'node-2', 'primary', null, 0, 20),
      ...(lastLoss ? [state(8, 'node-1', 'primary', null, 179, 14)] : []),
      state(8, 'node-1', 'primary', null, 0, 14),
    ];
    const found = expectCleanFingerprint(
      onePrimaryPerShard.check(context([view], shape('node-3'))),
      'one-primary-per-shard',
    );
    expect(found.fingerprint).toBe('one-primary-per-shard/primaries=3+,via=split-demotion+split-election');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-2']);
    // Slots moved inside the shard split nothing off.
    expect(onePrimaryPerShard.check(context([view], shape('node-1')))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=3+,via=slotless-election+stale-demotion',
    );
    // A replica re-pointed since the successor's win (flaw (a)'s path) is not the split's replica,
    // and a primary that lost everything at once is a plain stale demotion.
    const repointed = [state(6, 'node-2', 'replica', 'node-0', 0, 18), state(6, 'node-2', 'replica', 'node-1', 0, 18)];
    expect(onePrimaryPerShard.check(context([view], shape('node-3', repointed, false)))?.fingerprint).toBe(
      'one-primary-per-shard/primaries=3+,via=slotless-election+stale-demotion',
    );
  });
});
