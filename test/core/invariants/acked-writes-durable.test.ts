import { describe, expect, it } from 'vitest';
import { ackedWritesDurable } from '../../../core/invariants/acked-writes-durable.ts';
import { createSafetyMonitor } from '../../../core/invariants/index.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import { context, expectCleanFingerprint, scenarioWith } from './builders.ts';

const ack = (
  atMs: number,
  key: string,
  seq: number,
  copies = 2,
  node = 'node-0',
  holders = ['node-0', 'node-1'],
): ObservedEvent => ({
  kind: 'write-acked',
  atMs,
  key,
  seq,
  node,
  holders,
  copies,
});
const readBack = (atMs: number, key: string, seq: number | null, history?: number[]): ObservedEvent => ({
  kind: 'read-back',
  atMs,
  key,
  seq,
  node: 'node-1',
  ...(history === undefined ? {} : { history }),
});
const lost = (atMs: number, node: string): ObservedEvent => ({
  kind: 'data-lost',
  atMs,
  node,
  cause: 'kill without persistence',
});
const state = (
  atMs: number,
  node: string,
  role: 'primary' | 'replica',
  primary: string | null,
  configEpoch: number,
): ObservedEvent => ({
  kind: 'node-state',
  atMs,
  node,
  role,
  primary,
  currentEpoch: configEpoch,
  configEpoch,
  slotCount: role === 'primary' ? 100 : 0,
});
const won = (atMs: number, node: string, epoch: number, consensus = true): ObservedEvent => ({
  kind: 'election-won',
  atMs,
  node,
  epoch,
  consensus,
});

/** The pure check, and the monitor fed the same events (they must agree). */
function verdicts(events: ObservedEvent[]): ReturnType<typeof ackedWritesDurable.check> {
  const pure = ackedWritesDurable.check(context([], events));
  const monitor = createSafetyMonitor(scenarioWith({}, ['acked-writes-durable']));
  let monitored = null;
  for (const event of events) monitored ??= monitor.observe(event);
  expect(monitored).toEqual(pure);
  return pure;
}

describe('acked-writes-durable', () => {
  it('passes when the read-back holds the acked seq or a later one', () => {
    const events = [ack(1, 'k1', 1), ack(2, 'k1', 2), readBack(9, 'k1', 3), ack(3, 'k2', 1), readBack(9, 'k2', 1)];
    expect(verdicts(events)).toBeNull();
  });

  it('excuses a write whose every sure copy was lost by an injected fault', () => {
    const events = [ack(1, 'k1', 4), lost(2, 'node-0'), lost(3, 'node-1'), readBack(9, 'k1', null)];
    expect(verdicts(events)).toBeNull();
  });

  it('does not excuse a loss that happened before the ack', () => {
    const events = [lost(0, 'node-0'), lost(0, 'node-1'), ack(1, 'k1', 4), readBack(9, 'k1', null)];
    const found = expectCleanFingerprint(verdicts(events), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=none,read=missing');
  });

  it('flags a write when too few holders lost their data', () => {
    const events = [ack(1, 'k1', 4), lost(2, 'node-1'), readBack(9, 'k1', null)];
    const found = expectCleanFingerprint(verdicts(events), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=partial-data-loss,read=missing');
  });

  it('excuses a write lost when a replica that lacked it was promoted (the async-replication window)', () => {
    const events = [
      state(0, 'node-2', 'replica', 'node-0', 1),
      ack(1, 'k1', 5, 1, 'node-0', ['node-0']),
      won(3, 'node-2', 2),
      readBack(9, 'k1', 4),
    ];
    expect(verdicts(events)).toBeNull();
  });

  it('flags a write lost although the replica promoted after the ack surely held it, naming the highest lost seq', () => {
    const events: ObservedEvent[] = [
      state(0, 'node-1', 'replica', 'node-0', 1),
      ack(1, 'k1', 5),
      ack(2, 'k1', 6),
      won(3, 'node-1', 4),
      readBack(9, 'k1', 4),
    ];
    const found = expectCleanFingerprint(verdicts(events), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=failover,read=other');
    expect(found.message).toContain('Write seq 6 of key k1');
    expect(found.nodes).toEqual(['node-0', 'node-1']);
  });

  it('excuses writes a primary acked after a replica of it had won with an epoch at least its own (§4.5)', () => {
    const events = [
      state(0, 'node-0', 'primary', null, 1),
      state(0, 'node-1', 'replica', 'node-0', 1),
      won(1, 'node-1', 2),
      ack(2, 'k1', 5, 1, 'node-0', ['node-0']),
      state(3, 'node-0', 'replica', 'node-1', 2),
      readBack(9, 'k1', 4),
    ];
    expect(verdicts(events)).toBeNull();
  });

  it("flags a successor's write lost when the predecessor takes the slots back without an election (§4.2)", () => {
    const events = [
      state(0, 'node-0', 'primary', null, 1),
      state(0, 'node-1', 'replica', 'node-0', 1),
      won(1, 'node-1', 3, false),
      state(1, 'node-1', 'primary', null, 3),
      ack(2, 'k1', 5, 1, 'node-1', ['node-1']),
      // node-0 came back with epoch 3 too, had the smaller id, bumped to 4 and took the slots back.
      state(3, 'node-1', 'replica', 'node-0', 4),
      readBack(9, 'k1', 7, [7, 2, 0]),
    ];
    const found = expectCleanFingerprint(verdicts(events), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=demoted,read=other');
  });

  it('names the demotion, not a later failover, when the demoted holder won back after syncing from a non-holder', () => {
    // Seed 42820's shape: node-5 won with epoch 7 while node-4 (smaller id) had bumped to 7 unheard;
    // node-4 bumped to 8, took the slots back, node-5 synced from it and lost seq 61, and a later
    // CLUSTER FAILOVER FORCE promoted node-5 again (as a replica of node-4, a non-holder).
    const events: ObservedEvent[] = [
      state(0, 'node-5', 'replica', 'node-4', 5),
      won(1, 'node-5', 7),
      state(1, 'node-5', 'primary', null, 7),
      ack(2, 'k1', 61, 1, 'node-5', ['node-5']),
      state(3, 'node-4', 'primary', null, 8),
      state(3, 'node-5', 'replica', 'node-4', 8),
      won(7, 'node-5', 9),
      state(7, 'node-5', 'primary', null, 9),
      readBack(9, 'k1', 451, [451, 116, 0]),
    ];
    const found = expectCleanFingerprint(verdicts(events), 'acked-writes-durable');
    expect(found.fingerprint).toBe('acked-writes-durable/lost-after=demoted,read=other');
    // Seed 49046's shape: every sure holder synced from the returning stale primary, then one won.
    const shard: ObservedEvent[] = [
      state(0, 'node-17', 'primary', null, 21),
      state(0, 'node-18', 'replica', 'node-17', 21),
      ack(1, 'k1', 1850, 2, 'node-17', ['node-17', 'node-18']),
      state(2, 'node-17', 'replica', 'node-16', 22),
      state(2, 'node-18', 'replica', 'node-16', 22),
      won(5, 'node-18', 27),
      readBack(9, 'k1', null),
    ];
    expect(expectCleanFingerprint(verdicts(shard), 'acked-writes-durable').fingerprint).toBe(
      'acked-writes-durable/lost-after=demoted,read=missing',
    );
    // A sure holder still a replica of a holder when it won: the failover stays the named cause (and
    // in every case here the win excuses nothing: each loss is still reported).
    const kept = shard.map((event) =>
      event.kind === 'node-state' && event.node === 'node-18' && event.atMs === 2
        ? { ...event, primary: 'node-17' }
        : event,
    );
    expect(verdicts(kept)?.fingerprint).toBe('acked-writes-durable/lost-after=failover,read=missing');
  });

  it('reads history: a larger seq from another branch does not hold the write', () => {
    const lineOf = (history: number[]) => [ack(1, 'k1', 5, 1, 'node-0', ['node-0']), readBack(9, 'k1', 8, history)];
    expect(verdicts(lineOf([8, 6, 5, 3, 0]))).toBeNull();
    expect(expectCleanFingerprint(verdicts(lineOf([8, 7, 2, 0])), 'acked-writes-durable').fingerprint).toBe(
      'acked-writes-durable/lost-after=none,read=other',
    );
    // Older than what the history reaches: taken as held.
    expect(verdicts(lineOf([8, 7]))).toBeNull();
  });

  it('excuses a write whose key MIGRATE moved after the ack, and only that key', () => {
    const events: ObservedEvent[] = [
      state(0, 'node-5', 'replica', 'node-4', 1),
      won(1, 'node-5', 2),
      ack(2, 'k1', 5, 1, 'node-5', ['node-5']),
      // A migration still run from node-4 (stale) moved its old copy of k1 to node-2.
      { kind: 'keys-migrated', atMs: 3, keys: ['k0', 'k1'], from: 'node-4', to: 'node-2' },
      readBack(9, 'k1', 3, [3, 0]),
    ];
    expect(verdicts(events)).toBeNull();
    // Slots of the shard moved, but not k1's: no excuse (a migration does not hide a collision).
    const otherKeys = events.map((event) => (event.kind === 'keys-migrated' ? { ...event, keys: ['k0'] } : event));
    expect(verdicts(otherKeys)?.fingerprint).toBe('acked-writes-durable/lost-after=none,read=other');
    const faultOnly = events.map(
      (event): ObservedEvent =>
        event.kind === 'keys-migrated'
          ? { kind: 'fault', atMs: 3, action: 'migrate_slots', nodes: ['node-2', 'node-4'], detail: '' }
          : event,
    );
    expect(verdicts(faultOnly)?.fingerprint).toBe('acked-writes-durable/lost-after=none,read=other');
  });

  it('names a loss after the acking primary lost slots (a migration run from a stale primary took them)', () => {
    const events: ObservedEvent[] = [
      state(0, 'node-1', 'primary', null, 7),
      ack(2, 'k1', 5, 1, 'node-1', ['node-1']),
      {
        kind: 'node-state',
        atMs: 3,
        node: 'node-1',
        role: 'primary',
        primary: null,
        currentEpoch: 8,
        configEpoch: 7,
        slotCount: 90,
      },
      readBack(9, 'k1', null, [0]),
    ];
    expect(verdicts(events)?.fingerprint).toBe('acked-writes-durable/lost-after=slots-lost,read=missing');
  });

  it('a dropped older ack never hides a loss: pruning keeps what the read-back can miss', () => {
    // seq 6 does not descend from seq 5 (another branch): both are kept and seq 5 is flagged.
    const events: ObservedEvent[] = [
      { ...ack(1, 'k1', 5, 1, 'node-0', ['node-0']), extendsSeq: null } as ObservedEvent,
      { ...ack(2, 'k1', 6, 1, 'node-0', ['node-0']), extendsSeq: null } as ObservedEvent,
      readBack(9, 'k1', 6, [6, 0]),
    ];
    expect(expectCleanFingerprint(verdicts(events), 'acked-writes-durable').message).toContain('Write seq 5');
  });
});
