import { describe, expect, it } from 'vitest';
import { oneVotePerEpoch } from '../../../core/invariants/one-vote-per-epoch.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import { context, expectCleanFingerprint } from './builders.ts';

const vote = (atMs: number, voter: string, candidate: string, epoch: number): ObservedEvent => ({
  kind: 'vote-granted',
  atMs,
  voter,
  candidate,
  epoch,
});

describe('one-vote-per-epoch', () => {
  it('passes when each voter grants one vote per epoch', () => {
    const events = [vote(1, 'node-0', 'node-1', 7), vote(2, 'node-2', 'node-1', 7), vote(3, 'node-0', 'node-3', 8)];
    expect(oneVotePerEpoch.check(context([], events))).toBeNull();
  });

  it('flags a second vote in the same epoch to another candidate', () => {
    const events = [vote(1, 'node-0', 'node-1', 7), vote(2, 'node-0', 'node-3', 7)];
    const found = expectCleanFingerprint(oneVotePerEpoch.check(context([], events)), 'one-vote-per-epoch');
    expect(found.fingerprint).toBe('one-vote-per-epoch/candidates=different,voter-restarted=no');
    expect(found.nodes).toEqual(['node-0', 'node-1', 'node-3']);
    expect(found.message).toContain('epoch 7');
  });

  it('tells a voter that was killed between the votes apart', () => {
    const events: ObservedEvent[] = [
      vote(1, 'node-0', 'node-1', 7),
      { kind: 'node-down', atMs: 2, node: 'node-0', cause: 'kill', wasPrimary: true, eligibleReplicas: [] },
      { kind: 'node-up', atMs: 3, node: 'node-0' },
      vote(4, 'node-0', 'node-1', 7),
    ];
    const found = expectCleanFingerprint(oneVotePerEpoch.check(context([], events)), 'one-vote-per-epoch');
    expect(found.fingerprint).toBe('one-vote-per-epoch/candidates=same,voter-restarted=yes');
  });
});
