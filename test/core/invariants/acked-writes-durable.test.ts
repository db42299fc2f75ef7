import { describe, expect, it } from 'vitest';
import { ackedWritesDurable } from '../../../core/invariants/acked-writes-durable.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import { context, expectCleanFingerprint } from './builders.ts';

const ack = (atMs: number, key: string, seq: number, copies = 2): ObservedEvent => ({
  kind: 'write-acked', atMs, key, seq, node: 'node-0', holders: ['node-0', 'node-1'], copies,
});
const readBack = (atMs: number, key: string, seq: number | null): ObservedEvent => ({ kind: 'read-back', atMs, key, seq, node: 'node-1' });
const lost = (atMs: number, node: string): ObservedEvent => ({ kind: 'data-lost', atMs, node, cause: 'kill without persistence' });

describe('acked-writes-durable', () => {
  it('passes when the read-back holds the acked seq or a later one', () => {
    const events = [ack(1, 'k1', 1), ack(2, 'k1', 2), readBack(9, 'k1', 3), ack(3, 'k2', 1), readBack(9, 'k2', 1)];
    expect(ackedWritesDurable.check(context([], events))).toBeNull();
  });

  it('excuses a write whose every sure copy was lost by an injected fault', () => {
    const events = [ack(1, 'k1', 4), lost(2, 'node-0'), lost(3, 'node-1'), readBack(9, 'k1', null)];
    expect(ackedWritesDurable.check(context([], events))).toBeNull();
  });

  it('does not excuse a loss that happened before the ack', () => {
    const events = [lost(0, 'node-0'), lost(0, 'node-1'), ack(1, 'k1', 4), readBack(9, 'k1', null)];
    const found = expectCleanFingerprint(ackedWritesDurable.check(context([], events)), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=none,read=missing');
  });

  it('flags a write lost after a failover in its shard, naming the highest lost seq', () => {
    const events: ObservedEvent[] = [
      { kind: 'node-state', atMs: 0, node: 'node-1', role: 'replica', primary: 'node-0', currentEpoch: 3, configEpoch: 1, slotCount: 0 },
      ack(1, 'k1', 5),
      ack(2, 'k1', 6),
      { kind: 'election-won', atMs: 3, node: 'node-1', epoch: 4, consensus: true },
      readBack(9, 'k1', 4),
    ];
    const found = expectCleanFingerprint(ackedWritesDurable.check(context([], events)), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=failover,read=older');
    expect(found.message).toContain('Write seq 6 of key k1');
    expect(found.nodes).toEqual(['node-0', 'node-1']);
  });

  it('flags a write when too few holders lost their data', () => {
    const events = [ack(1, 'k1', 4), lost(2, 'node-1'), readBack(9, 'k1', null)];
    const found = expectCleanFingerprint(ackedWritesDurable.check(context([], events)), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=partial-data-loss,read=missing');
  });
});
