/**
 * Role changes: clusterSetNodeAsPrimary (my view of another node, or myself after a failover) and
 * clusterSetPrimary (I become the replica of a node: demoted primary, sibling re-pointing,
 * sub-replica fix, CLUSTER REPLICATE, replica migration).
 */
import { assertPrimaryKnown } from './beliefs.ts';
import { isPrimary, setRole, type ClusterNode } from './cluster-node.ts';
import { NODE_MIGRATE_TO, TODO_SAVE_CONFIG, TODO_UPDATE_STATE } from './constants.ts';
import { updateShardId } from './gossip.ts';
import { resetManualFailover } from './manual-failover.ts';
import { setPrimary as replicationSetPrimary } from './replication.ts';
import type { ValkeyServer } from './server.ts';

/** clusterSetNodeAsPrimary. */
export function setNodeAsPrimary(server: ValkeyServer, node: ClusterNode): void {
  if (isPrimary(node)) return;
  if (node.replicaOf !== null) {
    server.removeReplica(node.replicaOf, node);
    if (node !== server.myself) node.flags |= NODE_MIGRATE_TO;
  }
  setRole(node, true);
  node.replicaOf = null;
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
}

/**
 * clusterSetPrimary: I (with no slots) replicate `primary`, forgetting my open slots if
 * `closeSlots` (not when I follow a failover inside my shard); a full sync unless it is my shard.
 */
export function setPrimary(
  server: ValkeyServer,
  primary: ClusterNode,
  closeSlots: boolean,
  fullSyncRequired: boolean,
): void {
  const myself = server.myself;
  if (primary === myself)
    throw new Error(`clusterSetPrimary: process ${server.processIndex} asked to replicate itself`);
  if (myself.numSlots !== 0)
    throw new Error(`clusterSetPrimary: process ${server.processIndex} still owns ${myself.numSlots} slots`);
  if (isPrimary(myself)) {
    myself.flags &= ~NODE_MIGRATE_TO;
    setRole(myself, false);
  } else if (myself.replicaOf !== null) {
    server.removeReplica(myself.replicaOf, myself);
  }
  if (closeSlots) server.closeAllSlots();
  myself.replicaOf = primary;
  assertPrimaryKnown(server, primary);
  updateShardId(server, myself, primary.shardId);
  server.addReplica(primary, myself);
  replicationSetPrimary(server, primary.address, fullSyncRequired);
  resetManualFailover(server);
  // A new primary: an election scheduled or expired against the old one no longer applies.
  if (server.failoverAuthTimeAtMs !== 0) server.failoverAuthTimeAtMs = 0;
}
