/**
 * The cluster and workload part of a generated scenario: the swarm's per-seed shape. Weights put
 * most runs on 3-5 shards, one or two replicas and short node timeouts (fast failovers, many per
 * run), while every other shape keeps a share so no corner goes untested.
 */
import type { Rng } from '../rng.ts';
import { DEFAULT_CLUSTER, type ClusterConfig, type Workload } from '../scenario/types.ts';
import { pickWeighted, type Weighted } from './weighted.ts';

const SHARD_COUNTS: Weighted<number> = [
  [1, 1],
  [2, 1],
  [3, 4],
  [4, 4],
  [5, 4],
  [6, 1],
  [7, 1],
  [8, 1],
];
const REPLICA_COUNTS: Weighted<number> = [
  [0, 1],
  [1, 4],
  [2, 3],
  [3, 1],
];
const NODE_TIMEOUTS_MS: Weighted<number> = [
  [1000, 4],
  [1500, 2],
  [2000, 3],
  [3000, 1],
  [5000, 1],
];
/** 0 is Valkey's default (node_timeout/2); 100 ms is the test-suite speed-up. */
const PING_INTERVALS_MS: Weighted<number> = [
  [100, 8],
  [0, 2],
  [250, 1],
];
/** 0 disables the data-age gate; 10 is Valkey's default. */
const VALIDITY_FACTORS: Weighted<number> = [
  [10, 5],
  [0, 3],
  [1, 1],
  [2, 1],
  [3, 1],
];
const MIGRATION_BARRIERS: Weighted<number> = [
  [1, 4],
  [0, 1],
  [2, 1],
];

export function pickCluster(rng: Rng): ClusterConfig {
  return {
    ...DEFAULT_CLUSTER,
    numShards: pickWeighted(rng, SHARD_COUNTS),
    replicasPerShard: pickWeighted(rng, REPLICA_COUNTS),
    nodeTimeoutMs: pickWeighted(rng, NODE_TIMEOUTS_MS),
    pingIntervalMs: pickWeighted(rng, PING_INTERVALS_MS),
    replicaValidityFactor: pickWeighted(rng, VALIDITY_FACTORS),
    allowReplicaMigration: rng.chance(3, 4),
    migrationBarrier: pickWeighted(rng, MIGRATION_BARRIERS),
    requireFullCoverage: rng.chance(3, 4),
    serverConfig: {},
  };
}

/** A workload in three runs of four; WAIT never asks for more replicas than a shard has. */
export function pickWorkload(rng: Rng, cluster: ClusterConfig): Workload | null {
  if (rng.chance(1, 4)) return null;
  return {
    keys: rng.pick([10, 100, 1000]),
    writesPerSec: rng.pick([10, 50, 100, 200]),
    waitReplicas: rng.range(0, cluster.replicasPerShard),
  };
}
