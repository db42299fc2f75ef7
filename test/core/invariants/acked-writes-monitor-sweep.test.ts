/**
 * The acked-writes monitor's sweeps drop pending acks that are excused for good; a sweep asks a
 * cheaper test than the read-back's judge. A monitor that sweeps after every ack must report, at
 * every read-back, exactly what one that never gets to sweep reports: a sweep that dropped an ack
 * the read-back would still blame changes a finding.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckedWritesMonitor } from '../../../core/invariants/acked-writes-monitor.ts';
import type { ObservedEvent } from '../../../core/events.ts';
import type { Finding } from '../../../core/violation.ts';

const FC_SEED = Number(process.env.FC_SEED ?? 42);
const FC_NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 2000);

const NODES = ['node-0', 'node-1', 'node-2'];
const KEYS = ['key:0'];
const node = fc.constantFrom(...NODES);

const writeAcked = fc.record({
  kind: fc.constant('write-acked' as const),
  atMs: fc.constant(0),
  key: fc.constantFrom(...KEYS),
  seq: fc.constant(0),
  node: fc.constantFrom('node-0', 'node-0', 'node-1'),
  holders: fc.oneof(fc.constant<string[]>(['node-0']), fc.uniqueArray(node, { minLength: 1, maxLength: 3 })),
  copies: fc.integer({ min: 0, max: 3 }),
  extendsSeq: fc.constantFrom<'previous' | 'none' | 'unknown'>('previous', 'previous', 'none', 'unknown'),
});
const dataLost = fc.record({
  kind: fc.constant('data-lost' as const),
  atMs: fc.constant(0),
  node,
  cause: fc.constant('kill'),
});
const electionWon = fc.record({
  kind: fc.constant('election-won' as const),
  atMs: fc.constant(0),
  node: fc.constantFrom('node-0', 'node-1', 'node-1', 'node-2'),
  epoch: fc.integer({ min: 0, max: 3 }),
  consensus: fc.boolean(),
});
const nodeState = fc.record({
  kind: fc.constant('node-state' as const),
  atMs: fc.constant(0),
  node,
  role: fc.constantFrom('primary' as const, 'replica' as const),
  primary: fc.option(node, { nil: null }),
  currentEpoch: fc.constant(0),
  configEpoch: fc.integer({ min: 0, max: 3 }),
  slotCount: fc.constantFrom(0, 100),
});
const nodeDown = fc.record({
  kind: fc.constant('node-down' as const),
  atMs: fc.constant(0),
  node,
  cause: fc.constant('kill' as const),
  wasPrimary: fc.boolean(),
  eligibleReplicas: fc.constant<string[]>([]),
});
const keysMigrated = fc.record({
  kind: fc.constant('keys-migrated' as const),
  atMs: fc.constant(0),
  keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1 }),
  from: node,
  to: node,
});
/** A read of seq (or none), sometimes with a history: the seqs it descends from, a subset of the lower ones, ending in 0. */
const readBack = fc
  .record({
    kind: fc.constant('read-back' as const),
    atMs: fc.constant(0),
    key: fc.constantFrom(...KEYS),
    seq: fc.option(fc.integer({ min: 1, max: 8 }), { nil: null }),
    node,
    ancestors: fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { maxLength: 4 }), { nil: undefined }),
  })
  .map(({ ancestors, ...read }): ObservedEvent => {
    if (ancestors === undefined || read.seq === null) return read;
    const below = ancestors.filter((seq) => seq < read.seq!).sort((a, b) => b - a);
    return { ...read, history: [read.seq, ...below, 0] };
  });
/** Weighted toward acks that leave older ones pending (another node, no extendsSeq) and the excuses a sweep tests. */
const step = fc.oneof(
  { weight: 6, arbitrary: writeAcked },
  { weight: 2, arbitrary: electionWon },
  { weight: 2, arbitrary: dataLost },
  { weight: 2, arbitrary: nodeState },
  { weight: 1, arbitrary: nodeDown },
  { weight: 1, arbitrary: keysMigrated },
  { weight: 2, arbitrary: readBack },
);

type Step =
  | ObservedEvent
  | (Omit<Extract<ObservedEvent, { kind: 'write-acked' }>, 'extendsSeq'> & {
      extendsSeq: 'previous' | 'none' | 'unknown';
    });

/** Numbers each key's writes and resolves `extendsSeq` against the key's previous ack. */
function withSeqs(steps: Step[]): ObservedEvent[] {
  const lastSeq = new Map<string, number>();
  return steps.map((step, index): ObservedEvent => {
    if (step.kind !== 'write-acked') return { ...step, atMs: index * 10 } as ObservedEvent;
    const previous = lastSeq.get(step.key) ?? 0;
    lastSeq.set(step.key, previous + 1);
    const extendsSeq =
      step.extendsSeq === 'unknown' ? undefined : step.extendsSeq === 'previous' && previous > 0 ? previous : null;
    const event: ObservedEvent = {
      ...step,
      atMs: index * 10,
      seq: previous + 1,
      copies: Math.min(step.copies, step.holders.length),
      extendsSeq,
    };
    if (extendsSeq === undefined) delete event.extendsSeq;
    return event;
  });
}

/** Feeds the events as the safety monitor does (acks by number) and collects each read-back's finding. */
function readBackFindings(monitor: AckedWritesMonitor, events: readonly ObservedEvent[]): Array<Finding | null> {
  const findings: Array<Finding | null> = [];
  events.forEach((event, index) => {
    switch (event.kind) {
      case 'write-acked':
        monitor.onWriteAckedNumbered(event, index, KEYS.indexOf(event.key), NODES.indexOf(event.node));
        break;
      case 'node-state':
        monitor.onNodeState(event, index);
        break;
      case 'election-won':
        monitor.onWin(event, index);
        break;
      case 'data-lost':
        monitor.onDataLost(event.node, index);
        break;
      case 'node-down':
        monitor.onNodeDown(event.node, index);
        break;
      case 'keys-migrated':
        monitor.onKeysMigrated(event, index);
        break;
      case 'read-back':
        findings.push(monitor.onReadBack(event));
        break;
      default:
        break;
    }
  });
  return findings;
}

describe(`acked-writes monitor: sweeping after every ack changes no finding (FC_SEED=${FC_SEED})`, () => {
  it('the same finding at every read-back', () => {
    let found = 0;
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }).map(withSeqs), (events) => {
        const never = readBackFindings(new AckedWritesMonitor(), events);
        const always = readBackFindings(new AckedWritesMonitor(1, 0), events);
        found += never.filter((finding) => finding !== null).length;
        expect(always).toEqual(never);
      }),
      { seed: FC_SEED, numRuns: FC_NUM_RUNS },
    );
    // Guards the property against sequences that never lose a write.
    expect(found).toBeGreaterThan(FC_NUM_RUNS / 40);
  });

  it('a sweep keeps an older ack that nothing excuses, and the read-back that lacks it is a finding', () => {
    // The second ack does not extend the first, so the first stays pending and is swept at once.
    const acks: Step[] = [
      {
        kind: 'write-acked',
        atMs: 0,
        key: 'key:0',
        seq: 0,
        node: 'node-0',
        holders: ['node-0'],
        copies: 1,
        extendsSeq: 'none',
      },
      {
        kind: 'write-acked',
        atMs: 0,
        key: 'key:0',
        seq: 0,
        node: 'node-1',
        holders: ['node-1'],
        copies: 1,
        extendsSeq: 'none',
      },
    ];
    const read: Step = { kind: 'read-back', atMs: 0, key: 'key:0', seq: 2, node: 'node-1', history: [2, 0] };
    expect(readBackFindings(new AckedWritesMonitor(1, 0), withSeqs([...acks, read]))[0]?.invariant).toBe(
      'acked-writes-durable',
    );
    // Once the first ack's holder lost its data, the sweep drops it, and nothing is found.
    const lost: Step = { kind: 'data-lost', atMs: 0, node: 'node-0', cause: 'kill' };
    expect(readBackFindings(new AckedWritesMonitor(1, 0), withSeqs([...acks, lost, read]))[0]).toBeNull();
  });

  it('a failover to a node that surely held the write excuses nothing: the swept ack stays and is found', () => {
    const steps: Step[] = [
      {
        kind: 'write-acked',
        atMs: 0,
        key: 'key:0',
        seq: 0,
        node: 'node-0',
        holders: ['node-0'],
        copies: 1,
        extendsSeq: 'none',
      },
      {
        kind: 'write-acked',
        atMs: 0,
        key: 'key:0',
        seq: 0,
        node: 'node-1',
        holders: ['node-1'],
        copies: 1,
        extendsSeq: 'none',
      },
      { kind: 'election-won', atMs: 0, node: 'node-0', epoch: 2, consensus: true },
      // An ack after the election, so the first one is swept with the election known.
      {
        kind: 'write-acked',
        atMs: 0,
        key: 'key:0',
        seq: 0,
        node: 'node-1',
        holders: ['node-1'],
        copies: 1,
        extendsSeq: 'previous',
      },
      { kind: 'read-back', atMs: 0, key: 'key:0', seq: 3, node: 'node-1', history: [3, 2, 0] },
    ];
    const events = withSeqs(steps);
    const swept = readBackFindings(new AckedWritesMonitor(1, 0), events);
    expect(swept).toEqual(readBackFindings(new AckedWritesMonitor(), events));
    expect(swept[0]?.fingerprint).toContain('lost-after=failover');
  });
});
