import { describe, expect, it } from 'vitest';
import { oneWinnerPerEpoch } from '../../../core/invariants/one-winner-per-epoch.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import { context, expectCleanFingerprint } from './builders.ts';

const won = (atMs: number, node: string, epoch: number, consensus = true): ObservedEvent => ({
  kind: 'election-won',
  atMs,
  node,
  epoch,
  consensus,
});
const replicaOf = (node: string, primary: string): ObservedEvent => ({
  kind: 'node-state',
  atMs: 0,
  node,
  role: 'replica',
  primary,
  currentEpoch: 3,
  configEpoch: 1,
  slotCount: 0,
});

describe('one-winner-per-epoch', () => {
  it('passes with one winner per epoch, and exempts wins without consensus', () => {
    const events = [won(1, 'node-1', 9), won(2, 'node-3', 10), won(3, 'node-5', 10, false), won(4, 'node-1', 9)];
    expect(oneWinnerPerEpoch.check(context([], events))).toBeNull();
  });

  it('flags two consensus winners of one epoch from the same shard', () => {
    const events = [
      replicaOf('node-1', 'node-0'),
      replicaOf('node-2', 'node-0'),
      won(5, 'node-1', 9),
      won(6, 'node-2', 9),
    ];
    const found = expectCleanFingerprint(oneWinnerPerEpoch.check(context([], events)), 'one-winner-per-epoch');
    expect(found.fingerprint).toBe('one-winner-per-epoch/winners=2,former-primary=same');
    expect(found.nodes).toEqual(['node-1', 'node-2']);
  });

  it('tells winners from different shards apart', () => {
    const events = [
      replicaOf('node-1', 'node-0'),
      replicaOf('node-3', 'node-2'),
      won(5, 'node-1', 9),
      won(6, 'node-3', 9),
    ];
    expect(oneWinnerPerEpoch.check(context([], events))?.fingerprint).toBe(
      'one-winner-per-epoch/winners=2,former-primary=different',
    );
  });
});
