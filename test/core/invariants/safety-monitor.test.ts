/**
 * The safety monitor (incremental) and the pure safety invariants must agree: the same random
 * event sequences go to both, one invariant enabled at a time and all together.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSafetyMonitor, invariantByName } from '../../../core/invariants/index.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import { SAFETY_INVARIANTS, type InvariantName } from '../../../core/scenario/types.ts';
import type { Finding } from '../../../core/violation.ts';
import { context, scenarioWith } from './builders.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 3000);

// Few nodes, keys and epochs, so that votes collide, holder sets repeat and losses hit holders.
const NODES = ['node-0', 'node-1', 'node-2'];
const KEYS = ['k0', 'k1'];
const node = fc.constantFrom(...NODES);
const epoch = fc.integer({ min: 0, max: 2 });

/**
 * Events with a placeholder seq for writes; `withSeqs` numbers them per key, increasing. Weighted
 * toward writes and losses, and kept short, so the first finding is often a subtle one (an excuse
 * that holds for a newer write but not an older one, a pause between two votes).
 */
const voteGranted = fc.record({
  kind: fc.constant('vote-granted' as const),
  atMs: fc.constant(0),
  voter: node,
  candidate: node,
  epoch,
});
const electionWon = fc.record({
  kind: fc.constant('election-won' as const),
  atMs: fc.constant(0),
  node,
  epoch,
  consensus: fc.boolean(),
});
const nodeState = fc.record({
  kind: fc.constant('node-state' as const),
  atMs: fc.constant(0),
  node,
  role: fc.constantFrom('primary' as const, 'replica' as const),
  primary: fc.option(node, { nil: null }),
  currentEpoch: epoch,
  configEpoch: fc.integer({ min: 0, max: 2 }),
  slotCount: fc.constantFrom(0, 100),
});
/** seq is a placeholder: `withSeqs` numbers writes per key, increasing. */
const writeAcked = fc.record({
  kind: fc.constant('write-acked' as const),
  atMs: fc.constant(0),
  key: fc.constantFrom(...KEYS),
  seq: fc.constant(0),
  node,
  holders: fc.uniqueArray(fc.constantFrom('node-0', 'node-1'), { minLength: 1, maxLength: 2 }),
  copies: fc.integer({ min: 0, max: 2 }),
});
const dataLost = fc.record({
  kind: fc.constant('data-lost' as const),
  atMs: fc.constant(0),
  node,
  cause: fc.constant('kill'),
});
const nodeDown = fc.record({
  kind: fc.constant('node-down' as const),
  atMs: fc.constant(0),
  node,
  cause: fc.constantFrom('kill' as const, 'terminate' as const, 'pause' as const),
  wasPrimary: fc.boolean(),
  eligibleReplicas: fc.constant([]),
});
const nodeUp = fc.record({ kind: fc.constant('node-up' as const), atMs: fc.constant(0), node });
const keysMigrated = fc.record({
  kind: fc.constant('keys-migrated' as const),
  atMs: fc.constant(0),
  keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 2 }),
  from: node,
  to: node,
});
const readBack = fc.record({
  kind: fc.constant('read-back' as const),
  atMs: fc.constant(0),
  key: fc.constantFrom(...KEYS),
  seq: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  node,
});

/**
 * Per invariant, a mix of only the events it reads, so short sequences reach the subtle cases
 * (an excuse that holds for a newer write but not an older one, a pause between two votes);
 * `all` mixes everything.
 */
const MIXES: Record<InvariantName | 'all', fc.Arbitrary<ObservedEvent>> = {
  'epoch-order': nodeState,
  'one-vote-per-epoch': fc.oneof(voteGranted, voteGranted, nodeDown, nodeUp),
  'one-winner-per-epoch': fc.oneof(electionWon, nodeState),
  'acked-writes-durable': fc.oneof(
    writeAcked,
    writeAcked,
    dataLost,
    dataLost,
    nodeDown,
    electionWon,
    electionWon,
    nodeState,
    nodeState,
    readBack,
    keysMigrated,
  ),
  all: fc.oneof(voteGranted, electionWon, nodeState, writeAcked, dataLost, nodeDown, nodeUp, readBack, keysMigrated),
} as Record<InvariantName | 'all', fc.Arbitrary<ObservedEvent>>;

function withSeqs(events: ObservedEvent[]): ObservedEvent[] {
  const seqs = new Map<string, number>();
  return events.map((event, index) => {
    const timed = { ...event, atMs: index * 10 };
    if (timed.kind !== 'write-acked') return timed;
    const seq = (seqs.get(timed.key) ?? 0) + 1;
    seqs.set(timed.key, seq);
    return { ...timed, seq, copies: Math.min(timed.copies, timed.holders.length) };
  });
}

const eventsOf = (mix: fc.Arbitrary<ObservedEvent>): fc.Arbitrary<ObservedEvent[]> =>
  fc.array(mix, { maxLength: 20 }).map(withSeqs);

function firstFromMonitor(events: readonly ObservedEvent[], invariants: InvariantName[]): Finding | null {
  const monitor = createSafetyMonitor(scenarioWith({}, invariants));
  for (const event of events) {
    const found = monitor.observe(event);
    if (found !== null) return found;
  }
  return null;
}

describe(`safety monitor agrees with the pure invariants (FC_SEED=${FC_SEED})`, () => {
  for (const name of SAFETY_INVARIANTS) {
    it(`${name}: same first finding`, () => {
      fc.assert(
        fc.property(eventsOf(MIXES[name]), (events) => {
          const pure = invariantByName(name).check(context([], events, scenarioWith({}, [name])));
          expect(firstFromMonitor(events, [name])).toEqual(pure);
        }),
        { seed: FC_SEED, numRuns: FC_NUM_RUNS },
      );
    });
  }

  it('all enabled: the monitor finds something exactly when some pure invariant does', () => {
    fc.assert(
      fc.property(eventsOf(MIXES.all), (events) => {
        const pure = SAFETY_INVARIANTS.map((name) => invariantByName(name).check(context([], events))).filter(
          (found) => found !== null,
        );
        const monitored = firstFromMonitor(events, [...SAFETY_INVARIANTS]);
        expect(monitored === null).toBe(pure.length === 0);
        if (monitored !== null) expect(pure).toContainEqual(monitored);
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
  });

  it('checks only the enabled invariants', () => {
    const events: ObservedEvent[] = [
      { kind: 'vote-granted', atMs: 1, voter: 'node-0', candidate: 'node-1', epoch: 5 },
      { kind: 'vote-granted', atMs: 2, voter: 'node-0', candidate: 'node-2', epoch: 5 },
    ];
    expect(firstFromMonitor(events, ['epoch-order'])).toBeNull();
    expect(firstFromMonitor(events, ['one-vote-per-epoch'])?.fingerprint).toBe(
      'one-vote-per-epoch/candidates=different,voter-restarted=no',
    );
  });

  it('the generated sequences do reach findings of every safety invariant', () => {
    // Guards the property above against an arbitrary that never breaks anything.
    const seen = new Set<string>();
    fc.assert(
      fc.property(eventsOf(MIXES.all), (events) => {
        for (const name of SAFETY_INVARIANTS)
          if (invariantByName(name).check(context([], events)) !== null) seen.add(name);
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
    expect([...seen].sort()).toEqual([...SAFETY_INVARIANTS].sort());
  });

  it("acked-writes-durable with lineage (the simulator's extendsSeq and read-back history): same first finding", () => {
    let findings = 0;
    fc.assert(
      fc.property(lineageEvents, (events) => {
        const pure = invariantByName('acked-writes-durable').check(
          context([], events, scenarioWith({}, ['acked-writes-durable'])),
        );
        if (pure !== null) findings++;
        expect(firstFromMonitor(events, ['acked-writes-durable'])).toEqual(pure);
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
    // Guards the property against sequences that never lose a write.
    expect(findings).toBeGreaterThan(FC_NUM_RUNS / 20);
  });
});

/**
 * Event sequences whose writes form a consistent lineage, as the simulator reports it: each write
 * of a key replaces one earlier value of it (a tree per key); an ack names the newest acked
 * ancestor as `extendsSeq`; a read-back reads one value with its complete history. Mixed with
 * the events the excuses read.
 */
type LineageStep =
  | { op: 'write'; key: number; parent: number; ack: boolean; node: string; holders: string[]; copies: number }
  | { op: 'read'; key: number; value: number }
  | { op: 'event'; event: ObservedEvent };

const lineageStep: fc.Arbitrary<LineageStep> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      // Mostly one primary and one holder set, so older acks are often candidates for pruning.
      op: fc.constant('write' as const),
      key: fc.integer({ min: 0, max: 1 }),
      parent: fc.nat(),
      ack: fc.boolean(),
      node: fc.constantFrom('node-0', 'node-0', 'node-0', 'node-1'),
      holders: fc.oneof(
        fc.constant<string[]>(['node-0']),
        fc.constant<string[]>(['node-0']),
        fc.uniqueArray(node, { minLength: 1, maxLength: 2 }),
      ),
      copies: fc.integer({ min: 0, max: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('read' as const), key: fc.integer({ min: 0, max: 1 }), value: fc.nat() }),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(dataLost, electionWon, nodeState, nodeDown, keysMigrated)
      .map((event) => ({ op: 'event' as const, event: event as ObservedEvent })),
  },
);

const lineageEvents: fc.Arbitrary<ObservedEvent[]> = fc.array(lineageStep, { maxLength: 24 }).map((steps) => {
  const parents = new Map<number, number>();
  const acked = new Set<number>();
  const seqsOf: number[][] = [[], []];
  const events: ObservedEvent[] = [];
  let lastSeq = 0;
  const newestAckedAncestor = (seq: number): number | null => {
    for (let current = parents.get(seq)!; current > 0; current = parents.get(current)!)
      if (acked.has(current)) return current;
    return null;
  };
  for (const step of steps) {
    const atMs = events.length * 10;
    if (step.op === 'event') {
      events.push({ ...step.event, atMs });
    } else if (step.op === 'write') {
      const seqs = seqsOf[step.key]!;
      const seq = ++lastSeq;
      parents.set(seq, step.parent % (seqs.length + 1) === 0 ? 0 : seqs[(step.parent % (seqs.length + 1)) - 1]!);
      seqs.push(seq);
      if (!step.ack) continue;
      events.push({
        kind: 'write-acked',
        atMs,
        key: `k${step.key}`,
        seq,
        node: step.node,
        holders: step.holders,
        copies: Math.min(step.copies, step.holders.length),
        extendsSeq: newestAckedAncestor(seq),
      });
      acked.add(seq);
    } else {
      const seqs = seqsOf[step.key]!;
      const value = step.value % (seqs.length + 1) === 0 ? 0 : seqs[(step.value % (seqs.length + 1)) - 1]!;
      const history: number[] = [];
      for (let current = value; current > 0; current = parents.get(current)!) history.push(current);
      history.push(0);
      events.push({
        kind: 'read-back',
        atMs,
        key: `k${step.key}`,
        seq: value === 0 ? null : value,
        node: 'node-1',
        history,
      });
    }
  }
  return events;
});
