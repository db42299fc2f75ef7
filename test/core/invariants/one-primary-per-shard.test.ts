import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../../core/events.ts';
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
});
