/**
 * Quorum safety on the simulator: while a partition cuts a side off from a majority of the
 * slot-owning primaries, no node on that side wins an election (protocol reference §2.3, §3.3: FAIL
 * needs reports from size/2+1 voting primaries, a win needs their votes). The generated side holds
 * a minority of the primaries and always at least one replica of a primary on the other side
 * (a replica that would take over if it could), in a two-way or a one-way cut either way round.
 *
 * The "fails when" test hands the property a wrong model of the minority: a side that in fact
 * holds a quorum of primaries. Its replicas then do elect, and the property must catch it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../core/events.ts';
import { DEFAULT_CLUSTER, INVARIANT_NAMES, type Group, type Scenario } from '../../core/scenario/types.ts';
import { firstPrimaryIndex } from '../../core/scenario/targets.ts';
import { SimRun } from '../../sim/index.ts';
import { quorumOf } from './cluster-commands.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';

const DEFAULT_RUNS = 40;

interface QuorumCase {
  numShards: number;
  replicasPerShard: number;
  /** Node names on the cut-off side: its primaries and replicas. */
  side: string[];
  /** How many of the primaries the side holds (the model's claim: fewer than a quorum). */
  sidePrimaries: number;
  oneway: boolean;
  /** One-way: cut the side's traffic to the rest (false) or the rest's traffic to the side (true). */
  inbound: boolean;
  startMs: number;
  durationMs: number;
  seed: number;
}

/** How many primaries the cut-off side gets, for a shard count (the model under test). */
type SideSize = (numShards: number) => fc.Arbitrary<number>;

const minoritySize: SideSize = (numShards) => fc.integer({ min: 1, max: quorumOf(numShards) - 1 });
/** Deliberately wrong: a quorum of the primaries is no minority. */
const quorumSize: SideSize = (numShards) => fc.integer({ min: quorumOf(numShards), max: numShards - 1 });

function caseArbitrary(sideSize: SideSize): fc.Arbitrary<QuorumCase> {
  const shape = fc.record({
    numShards: fc.integer({ min: 3, max: 5 }),
    replicasPerShard: fc.integer({ min: 1, max: 2 }),
  });
  return shape
    .chain(({ numShards, replicasPerShard }) =>
      sideSize(numShards).chain((sidePrimaries) =>
        fc.record({
          numShards: fc.constant(numShards),
          replicasPerShard: fc.constant(replicasPerShard),
          sidePrimaries: fc.constant(sidePrimaries),
          shards: fc.shuffledSubarray([...Array(numShards).keys()], {
            minLength: sidePrimaries,
            maxLength: sidePrimaries,
          }),
          replicaPicks: fc.array(fc.boolean(), {
            minLength: numShards * replicasPerShard,
            maxLength: numShards * replicasPerShard,
          }),
          forced: fc.nat(),
          oneway: fc.boolean(),
          inbound: fc.boolean(),
          startMs: fc.integer({ min: 0, max: 20 }).map((tenths) => tenths * 100),
          durationMs: fc.integer({ min: 40, max: 120 }).map((tenths) => tenths * 100),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
      ),
    )
    .map(({ shards, replicaPicks, forced, ...rest }) => ({
      ...rest,
      side: sideNodes(rest.numShards, rest.replicasPerShard, shards, replicaPicks, forced),
    }));
}

/**
 * The side: the chosen shards' primaries, the replicas picked, and always one replica of a primary
 * left on the other side (`forced` chooses which).
 */
function sideNodes(
  numShards: number,
  replicasPerShard: number,
  shards: number[],
  picks: boolean[],
  forced: number,
): string[] {
  const nodes = new Set<number>(shards.map((shard) => firstPrimaryIndex(shard, replicasPerShard)));
  const replicaOf = (shard: number, j: number) => firstPrimaryIndex(shard, replicasPerShard) + 1 + j;
  picks.forEach((picked, k) => {
    if (picked) nodes.add(replicaOf(Math.floor(k / replicasPerShard), k % replicasPerShard));
  });
  const others = [...Array(numShards).keys()].filter((shard) => !shards.includes(shard));
  nodes.add(replicaOf(others[forced % others.length]!, forced % replicasPerShard));
  return [...nodes].sort((a, b) => a - b).map((k) => `node-${k}`);
}

function scenarioOf(c: QuorumCase): Scenario {
  const groups: Group[] = c.oneway && c.inbound ? ['rest', c.side] : [c.side, 'rest'];
  return {
    scenarioId: 'quorum-safety',
    seed: c.seed,
    protocol: 'valkey-8.0',
    cluster: {
      ...DEFAULT_CLUSTER,
      numShards: c.numShards,
      replicasPerShard: c.replicasPerShard,
      nodeTimeoutMs: 1000,
      pingIntervalMs: 100,
    },
    workload: null,
    timeline: [{ atMs: c.startMs, action: 'partition', groups, oneway: c.oneway, durationMs: c.durationMs }],
    chaos: null,
    validation: { convergenceTimeoutMs: 30_000, invariants: [...INVARIANT_NAMES] },
  };
}

type ElectionWon = Extract<ObservedEvent, { kind: 'election-won' }>;

/** The partition's start and end on the simulated clock, from the runner's fault events. */
function partitionWindow(events: readonly ObservedEvent[]): { startMs: number; endMs: number } {
  const start = events.find((event) => event.kind === 'fault' && event.action === 'partition');
  const end = events.find(
    (event) => event.kind === 'fault' && event.action === 'heal' && event.detail === 'end of partition',
  );
  if (start === undefined || end === undefined) throw new Error('the partition did not start and end');
  return { startMs: start.atMs, endMs: end.atMs };
}

/** `onElsewhere` hears of elections won on the other side (the guard that cases reach elections). */
function quorumSafetyProperty(sideSize: SideSize, onElsewhere: (wins: number) => void = () => {}) {
  return fc.property(caseArbitrary(sideSize), (c) => {
    const scenario = scenarioOf(c);
    const run = new SimRun(scenario, {});
    while (run.readyAtMs < 0) run.world.step();
    run.runUntilMs(run.readyAtMs + c.startMs + c.durationMs);
    expect(run.violation, 'a safety invariant broke').toBeNull();
    const { startMs, endMs } = partitionWindow(run.events);
    const side = new Set(c.side);
    const during = run.events.filter(
      (event): event is ElectionWon =>
        event.kind === 'election-won' && event.consensus && event.atMs >= startMs && event.atMs < endMs,
    );
    const wins = during.filter((event) => side.has(event.node));
    onElsewhere(during.length - wins.length);
    expect(
      wins,
      `the side ${c.side.join(',')} holds ${c.sidePrimaries} of ${c.numShards} primaries, yet elected`,
    ).toEqual([]);
  });
}

describe(seeded('quorum safety: a side cut off from a majority of the primaries never elects'), () => {
  it('no consensus election is won on the minority side while the partition holds', () => {
    let electionsElsewhere = 0;
    fc.assert(
      quorumSafetyProperty(minoritySize, (wins) => {
        electionsElsewhere += wins;
      }),
      fcParams(DEFAULT_RUNS),
    );
    // Guards against cases that never reach an election at all: the majority side does elect.
    expect(electionsElsewhere).toBeGreaterThan(0);
  });

  it('the property fails when the model takes a side with a quorum of primaries for a minority', () => {
    const details = expectPropertyFails(quorumSafetyProperty(quorumSize), DEFAULT_RUNS);
    expect(String(details.errorInstance)).toMatch(/yet elected/);
  });
});
