/**
 * clusterHandleReplicaMigration (protocol reference §3.6): a replica of the best-covered primary,
 * the one with the smallest id among those primaries' replicas, moves to an orphaned primary
 * (slots, no working replica, MIGRATE_TO) after it has been orphaned for 5 s, if the cluster is ok
 * and its own primary keeps more than migration-barrier working replicas.
 */
import { countNonFailingReplicas, failed, isPrimary, isReplica, timedOut, type ClusterNode } from './cluster-node.ts';
import { CLUSTER_OK, NODE_MIGRATE_TO, REPLICA_MIGRATION_DELAY_MS } from './constants.ts';
import { setPrimary } from './roles.ts';
import type { ValkeyServer } from './server.ts';

export function handleReplicaMigration(server: ValkeyServer, maxReplicas: number): void {
  if (server.state !== CLUSTER_OK) return;
  const myPrimary = server.myself.replicaOf;
  if (myPrimary === null) return;
  let okReplicas = 0;
  for (const replica of myPrimary.replicas) if (!failed(replica) && !timedOut(replica)) okReplicas++;
  if (okReplicas <= server.env.cluster.migrationBarrier) return;

  const nowMs = server.nowMs;
  let candidate: ClusterNode = server.myself;
  let target: ClusterNode | null = null;
  for (const node of server.nodes) {
    let orphaned = !(isReplica(node) || failed(node)) && (node.flags & NODE_MIGRATE_TO) !== 0;
    const nodeOkReplicas = isPrimary(node) ? countNonFailingReplicas(node) : 0;
    if (nodeOkReplicas > 0) orphaned = false;
    if (orphaned) {
      if (target === null && node.numSlots > 0) target = node;
      if (node.orphanedTimeAtMs === 0) node.orphanedTimeAtMs = nowMs;
    } else {
      node.orphanedTimeAtMs = 0;
    }
    if (nodeOkReplicas === maxReplicas) {
      for (const replica of node.replicas) if (replica.name < candidate.name) candidate = replica;
    }
  }
  if (target !== null && candidate === server.myself && nowMs - target.orphanedTimeAtMs > REPLICA_MIGRATION_DELAY_MS) {
    setPrimary(server, target, true, true);
  }
}
