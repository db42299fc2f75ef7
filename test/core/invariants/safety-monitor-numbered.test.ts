/**
 * The safety monitor's numbered entry for acks (observeWriteAcked: the simulator passes the key's
 * number and the acking process's index instead of having them looked up by name) gives the same
 * finding at every event as observe() does. Mixes with writes (some extending the key's previous
 * write), losses, kills, wins, node states and read-backs, so pruning, reuse and excuses all run.
 * A numbering that gives two keys one number must disagree somewhere (the test can fail).
 */
import { FC_SEED, fcParams } from '../../fc-config.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSafetyMonitor } from '../../../core/invariants/index.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import type { Finding } from '../../../core/violation.ts';
import { scenarioWith } from './builders.ts';

const NODES = ['node-0', 'node-1', 'node-2'];
const KEYS = ['k0', 'k1', 'k2'];
const node = fc.constantFrom(...NODES);
const epoch = fc.integer({ min: 0, max: 2 });

const writeAcked = fc.record({
  kind: fc.constant('write-acked' as const),
  atMs: fc.constant(0),
  key: fc.constantFrom(...KEYS),
  seq: fc.constant(0),
  node,
  holders: fc.uniqueArray(node, { minLength: 1, maxLength: 2 }),
  copies: fc.integer({ min: 0, max: 2 }),
  extendsSeq: fc.constant<number | null>(null),
});
const others = fc.oneof(
  fc.record({ kind: fc.constant('election-won' as const), atMs: fc.constant(0), node, epoch, consensus: fc.boolean() }),
  fc.record({
    kind: fc.constant('node-state' as const),
    atMs: fc.constant(0),
    node,
    role: fc.constantFrom('primary' as const, 'replica' as const),
    primary: fc.option(node, { nil: null }),
    currentEpoch: epoch,
    configEpoch: epoch,
    slotCount: fc.constantFrom(0, 100),
  }),
  fc.record({ kind: fc.constant('data-lost' as const), atMs: fc.constant(0), node, cause: fc.constant('kill') }),
  fc.record({
    kind: fc.constant('node-down' as const),
    atMs: fc.constant(0),
    node,
    cause: fc.constantFrom('kill' as const, 'pause' as const),
    wasPrimary: fc.boolean(),
    eligibleReplicas: fc.constant([]),
  }),
  fc.record({
    kind: fc.constant('read-back' as const),
    atMs: fc.constant(0),
    key: fc.constantFrom(...KEYS),
    seq: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null }),
    node,
  }),
) as fc.Arbitrary<ObservedEvent>;

/** Writes numbered per key; a write extends the key's previous one (a line) unless `branch`. */
const eventsArbitrary = fc
  .array(fc.tuple(fc.oneof(writeAcked, writeAcked, others) as fc.Arbitrary<ObservedEvent>, fc.boolean()), {
    maxLength: 30,
  })
  .map((steps) => {
    const lastSeq = new Map<string, number>();
    return steps.map(([event, branch], index): ObservedEvent => {
      const timed = { ...event, atMs: index * 10 };
      if (timed.kind !== 'write-acked') return timed;
      const previous = lastSeq.get(timed.key) ?? 0;
      const seq = previous + 1;
      lastSeq.set(timed.key, seq);
      return {
        ...timed,
        seq,
        copies: Math.min(timed.copies, timed.holders.length),
        extendsSeq: branch || previous === 0 ? null : previous,
      };
    });
  });

type KeyNumber = (key: string) => number;

/** The finding after each event: by observe() alone, or with acks through observeWriteAcked. */
function findings(events: readonly ObservedEvent[], numbered: KeyNumber | null): Array<Finding | null> {
  const monitor = createSafetyMonitor(scenarioWith({}, ['acked-writes-durable']));
  return events.map((event) => {
    if (numbered === null || event.kind !== 'write-acked') return monitor.observe(event);
    return monitor.observeWriteAcked!(event, numbered(event.key), NODES.indexOf(event.node));
  });
}

describe(`safety monitor: acks by number agree with acks by name (FC_SEED=${FC_SEED})`, () => {
  it('the same finding after every event', () => {
    fc.assert(
      fc.property(eventsArbitrary, (events) => {
        expect(findings(events, (key) => KEYS.indexOf(key))).toEqual(findings(events, null));
      }),
      fcParams(1500),
    );
  });

  it('a numbering that merges two keys disagrees (the comparison can fail)', () => {
    const merged: KeyNumber = (key) => (key === 'k2' ? 0 : KEYS.indexOf(key));
    const result = fc.check(
      fc.property(eventsArbitrary, (events) => {
        expect(findings(events, merged)).toEqual(findings(events, null));
      }),
      fcParams(1500),
    );
    expect(result.failed).toBe(true);
  });
});
