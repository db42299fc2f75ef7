/**
 * The fault part of a generated scenario, as in swarm testing (TigerBeetle's VOPR, FoundationDB):
 * each seed enables a random subset of fault kinds, each with its own rate, so some runs hammer
 * one kind and others mix several; plus, half the time, a chaos block. No kind or target is
 * favoured beyond what the tables below say.
 */
import type { Rng } from '../rng.ts';
import { faultSteps, nextArrivalGapMs } from '../scenario/fault-steps.ts';
import {
  NETWORK_PROCESS_FAULTS,
  type Chaos,
  type ChaosTargets,
  type ClusterConfig,
  type FaultAction,
  type Step,
} from '../scenario/types.ts';
import { node, type Layout } from './layout.ts';
import { pickWeighted, roundMs, subset, type Weighted } from './weighted.ts';

/** Faults per simulated minute for one enabled kind. */
const KIND_RATES_PER_MINUTE = [1, 2, 3, 4, 6] as const;
const CHAOS_RATES_PER_MINUTE = [2, 4, 6, 10, 20] as const;
const CHAOS_TARGETS: Weighted<ChaosTargets> = [
  ['any', 3],
  ['primaries', 2],
  ['replicas', 1],
];
const MAX_CONCURRENT: Weighted<number> = [
  [1, 3],
  [2, 2],
  [3, 1],
];

/** A target for an explicit fault: symbolic (resolved at run time) or a fixed initial node. */
function faultTarget(rng: Rng, layout: Layout): string {
  const { numShards, replicasPerShard } = layout.cluster;
  const hasReplicas = replicasPerShard > 0;
  return pickWeighted(rng, [
    ['random', 2],
    ['random-primary', 2],
    ['random-replica', hasReplicas ? 1 : 0],
    [`shard-${rng.int(numShards)}-primary`, 3],
    [hasReplicas ? `shard-${rng.int(numShards)}-replica-${rng.int(replicasPerShard)}` : 'random', hasReplicas ? 1 : 0],
    [node(rng.int(layout.initialNodeCount)), 1],
  ]);
}

/** Shorter than node_timeout (no failover expected) one time in three, else well past it. */
function faultDurationMs(rng: Rng, cluster: ClusterConfig): number {
  const nodeTimeoutMs = cluster.nodeTimeoutMs;
  return rng.chance(1, 3) ? rng.range(200, nodeTimeoutMs) : rng.range(nodeTimeoutMs, 4 * nodeTimeoutMs + 2000);
}

/** One kill or terminate in six is permanent; for a fixed node, half of those restart later. */
function permanentKill(rng: Rng, steps: Step[], endMs: number): Step[] {
  const [kill] = steps;
  if (kill === undefined || (kill.action !== 'kill' && kill.action !== 'terminate') || !rng.chance(1, 6)) return steps;
  const { restartAfterMs: _dropped, ...permanent } = kill;
  const out: Step[] = [permanent];
  if (/^node-\d+$/.test(kill.target) && rng.chance(1, 2)) {
    out.push({
      atMs: Math.min(endMs, kill.atMs + roundMs(rng.range(1000, 10_000))),
      source: 'timeline',
      action: 'restart',
      target: kill.target,
    });
  }
  return out;
}

/** Poisson arrivals of one kind in [startMs, endMs); each fault ends by endMs. */
export function kindFaults(rng: Rng, layout: Layout, action: FaultAction, startMs: number, endMs: number): Step[] {
  const rate = rng.pick(KIND_RATES_PER_MINUTE);
  const steps: Step[] = [];
  for (let atMs = startMs + nextArrivalGapMs(rng, rate); atMs < endMs - 100; atMs += nextArrivalGapMs(rng, rate)) {
    const at = roundMs(atMs);
    const durationMs = roundMs(Math.min(faultDurationMs(rng, layout.cluster), endMs - at), 100) || 100;
    const shape = {
      action,
      target: faultTarget(rng, layout),
      atMs: at,
      durationMs,
      source: 'timeline' as const,
      nodeTimeoutMs: layout.cluster.nodeTimeoutMs,
    };
    steps.push(...permanentKill(rng, faultSteps(rng, shape), endMs));
  }
  return steps;
}

/** The explicit faults: a random subset of kinds, each with its own rate. */
export function faultMix(rng: Rng, layout: Layout, startMs: number, endMs: number): Step[] {
  const kinds = subset(rng, NETWORK_PROCESS_FAULTS);
  return kinds.flatMap((action) => kindFaults(rng, layout, action, startMs, endMs));
}

/** A chaos block half the time: a random non-empty subset of kinds, until the fault window ends. */
export function pickChaos(rng: Rng, cluster: ClusterConfig, untilMs: number): Chaos | null {
  if (rng.chance(1, 2)) return null;
  const picked = subset(rng, NETWORK_PROCESS_FAULTS);
  const types = picked.length > 0 ? picked : [rng.pick(NETWORK_PROCESS_FAULTS)];
  const faultDurationMsMin = roundMs(rng.range(200, cluster.nodeTimeoutMs));
  const faultDurationMsMax = roundMs(rng.range(faultDurationMsMin, 3 * cluster.nodeTimeoutMs + 3000));
  return {
    rate: rng.pick(CHAOS_RATES_PER_MINUTE),
    types,
    targets: pickWeighted(rng, CHAOS_TARGETS),
    maxConcurrent: pickWeighted(rng, MAX_CONCURRENT),
    keepQuorum: rng.chance(3, 4),
    untilMs,
    faultDurationMsMin,
    faultDurationMsMax: Math.max(faultDurationMsMin, faultDurationMsMax),
  };
}
