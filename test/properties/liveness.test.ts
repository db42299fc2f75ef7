/**
 * Liveness on the simulator: with at most a minority of the slot-owning primaries killed (so a
 * quorum of voters stays up) and every network fault healed, every shard whose primary died with
 * a live, synced replica gets a new primary by election within `failoverBoundMs` (protocol
 * reference §9.2) of the later of the kill and the heal; and the run then converges.
 *
 * Cases: 3-5 shards, 1-2 replicas, kills (SIGKILL or SIGTERM) of some initial primaries at random
 * times, sometimes a partition of random nodes (two-way or one-way) that heals on its own first.
 * Checked from the run's events directly, not through the failover-bound invariant, so the two
 * check each other. The "fails when" tests use a bound no failover can meet (a wrong checker) and
 * kill a majority of the primaries (a wrong model).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObservedEvent } from '../../core/events.ts';
import { failoverBoundMs } from '../../core/invariants/index.ts';
import {
  DEFAULT_CLUSTER,
  INVARIANT_NAMES,
  type ClusterConfig,
  type Scenario,
  type Step,
} from '../../core/scenario/types.ts';
import { firstPrimaryIndex } from '../../core/scenario/targets.ts';
import { SimRun } from '../../sim/index.ts';
import { quorumOf } from './cluster-commands.ts';
import { MAX_STEPS } from './cluster-driver.ts';
import { expectPropertyFails, fcParams, seeded } from '../fc-config.ts';
import { knownReason } from './known-issues.ts';

const DEFAULT_RUNS = 30;

interface LivenessCase {
  numShards: number;
  replicasPerShard: number;
  kills: Array<{ shard: number; terminate: boolean; atMs: number }>;
  noise: { nodes: number[]; oneway: boolean; atMs: number; durationMs: number } | null;
  seed: number;
}

/** How many primaries to kill for a shard count (the model: at most those beyond a quorum). */
type KillCount = (numShards: number) => fc.Arbitrary<number>;
const minorityKills: KillCount = (numShards) => fc.integer({ min: 1, max: numShards - quorumOf(numShards) });
/** Deliberately wrong: with a majority of the primaries dead, nothing can be elected. */
const majorityKills: KillCount = (numShards) =>
  fc.integer({ min: numShards - quorumOf(numShards) + 1, max: numShards });

function caseArbitrary(killCount: KillCount): fc.Arbitrary<LivenessCase> {
  const shape = fc.record({
    numShards: fc.integer({ min: 3, max: 5 }),
    replicasPerShard: fc.integer({ min: 1, max: 2 }),
  });
  return shape.chain(({ numShards, replicasPerShard }) =>
    killCount(numShards).chain((count) => {
      const nodeCount = numShards * (1 + replicasPerShard);
      const kill = fc.record({
        terminate: fc.boolean(),
        atMs: fc.integer({ min: 0, max: 30 }).map((tenths) => tenths * 100),
      });
      const noise = fc.record({
        nodes: fc.uniqueArray(fc.integer({ min: 0, max: nodeCount - 1 }), { minLength: 1, maxLength: nodeCount - 1 }),
        oneway: fc.boolean(),
        atMs: fc.integer({ min: 0, max: 20 }).map((tenths) => tenths * 100),
        durationMs: fc.integer({ min: 5, max: 40 }).map((tenths) => tenths * 100),
      });
      return fc
        .record({
          numShards: fc.constant(numShards),
          replicasPerShard: fc.constant(replicasPerShard),
          shards: fc.shuffledSubarray([...Array(numShards).keys()], { minLength: count, maxLength: count }),
          killShapes: fc.array(kill, { minLength: count, maxLength: count }),
          noise: fc.option(noise, { nil: null }),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        })
        .map(({ shards, killShapes, ...rest }) => ({
          ...rest,
          kills: shards.map((shard, i) => ({ shard, ...killShapes[i]! })),
        }));
    }),
  );
}

function clusterOf(c: LivenessCase): ClusterConfig {
  return {
    ...DEFAULT_CLUSTER,
    numShards: c.numShards,
    replicasPerShard: c.replicasPerShard,
    nodeTimeoutMs: 1000,
    pingIntervalMs: 100,
  };
}

function scenarioOf(c: LivenessCase): Scenario {
  const timeline: Step[] = c.kills.map(({ shard, terminate, atMs }) => ({
    atMs,
    action: terminate ? 'terminate' : 'kill',
    target: `node-${firstPrimaryIndex(shard, c.replicasPerShard)}`,
  }));
  if (c.noise !== null) {
    const { nodes, oneway, atMs, durationMs } = c.noise;
    timeline.push({
      atMs,
      action: 'partition',
      groups: [[...nodes].sort((a, b) => a - b).map((k) => `node-${k}`), 'rest'],
      oneway,
      durationMs,
    });
  }
  timeline.sort((a, b) => a.atMs - b.atMs);
  return {
    scenarioId: 'liveness',
    seed: c.seed,
    protocol: 'valkey-8.0',
    cluster: clusterOf(c),
    workload: null,
    timeline,
    chaos: null,
    validation: { convergenceTimeoutMs: 40_000, invariants: [...INVARIANT_NAMES] },
  };
}

type NodeDown = Extract<ObservedEvent, { kind: 'node-down' }>;

/** Shard of each node by creation (node-K of shard I: I*(1+R) .. I*(1+R)+R). */
function shardOfNode(name: string, replicasPerShard: number): number {
  return Math.floor(Number(name.slice('node-'.length)) / (1 + replicasPerShard));
}

/**
 * The first complaint about a killed primary: no election by its shard within the bound after the
 * later of the kill and the end of the noise partition. Null when every one was replaced in time.
 */
function lateFailover(events: readonly ObservedEvent[], c: LivenessCase, boundMs: number): string | null {
  const healedAtMs =
    events.find((event) => event.kind === 'fault' && event.action === 'heal' && event.detail === 'end of partition')
      ?.atMs ?? 0;
  for (const down of events.filter((event): event is NodeDown => event.kind === 'node-down' && event.wasPrimary)) {
    if (down.eligibleReplicas.length === 0) continue;
    const shard = shardOfNode(down.node, c.replicasPerShard);
    const startMs = Math.max(down.atMs, healedAtMs);
    const win = events.find(
      (event) =>
        event.kind === 'election-won' &&
        event.atMs >= down.atMs &&
        shardOfNode(event.node, c.replicasPerShard) === shard,
    );
    if (win === undefined)
      return `${down.node} (shard ${shard}) went down at ${down.atMs} ms with eligible ${down.eligibleReplicas.join(',')}; no election by its shard`;
    if (win.atMs > startMs + boundMs)
      return `${down.node} (shard ${shard}): election won only at ${win.atMs} ms, bound ${boundMs} ms from ${startMs} ms`;
  }
  return null;
}

/**
 * `boundOf` is the bound the checker holds the simulator to (the right one, or a wrong one);
 * `onJudged` hears how many killed primaries had an eligible replica (the guard against cases that
 * judge nothing).
 */
function livenessProperty(
  killCount: KillCount,
  boundOf: (cluster: ClusterConfig) => number,
  onJudged: (count: number) => void = () => {},
) {
  return fc.property(caseArbitrary(killCount), (c) => {
    const run = new SimRun(scenarioOf(c), {});
    run.runSteps(MAX_STEPS);
    onJudged(
      run.events.filter((event) => event.kind === 'node-down' && event.wasPrimary && event.eligibleReplicas.length > 0)
        .length,
    );
    const complaint = lateFailover(run.events, c, boundOf(clusterOf(c)));
    if (complaint !== null)
      throw new Error(`a shard with a live synced replica was not failed over in time: ${complaint}`);
    const violation = run.violation;
    if (violation !== null && knownReason(violation.fingerprint) === undefined) {
      throw new Error(`the run broke ${violation.fingerprint}: ${violation.message}`);
    }
    if (!run.converged && violation === null) throw new Error(`the run did not end within ${MAX_STEPS} steps`);
  });
}

describe(seeded('liveness: a minority of primaries killed, faults healed, every shard fails over in time'), () => {
  it('every killed primary with a live synced replica is replaced within failoverBoundMs, and the run converges', () => {
    let judged = 0;
    const params = fcParams<[LivenessCase]>(DEFAULT_RUNS);
    fc.assert(
      livenessProperty(
        minorityKills,
        (cluster) => failoverBoundMs(cluster),
        (count) => {
          judged += count;
        },
      ),
      params,
    );
    // Most cases kill a primary whose replica is eligible; a third of them is a safe floor.
    expect(judged).toBeGreaterThanOrEqual(Math.ceil(params.numRuns! / 3));
  });

  it('the property fails when the checker demands a failover within node_timeout / 2 (a wrong checker)', () => {
    const details = expectPropertyFails(
      livenessProperty(minorityKills, (cluster) => cluster.nodeTimeoutMs / 2),
      10,
    );
    expect(String(details.errorInstance)).toMatch(/election won only at/);
  });

  it('the property fails when the model kills a majority of the primaries (a wrong model)', () => {
    const details = expectPropertyFails(
      livenessProperty(majorityKills, (cluster) => failoverBoundMs(cluster)),
      10,
    );
    expect(String(details.errorInstance)).toMatch(/no election by its shard|did not end|broke/);
  });
});
