/**
 * The Valkey 8.1 rules a profile switches on (profiles.ts names each one and its upstream PR).
 * Each function is called from a small hook in the 8.0.1 rule file where 8.1 differs, and does
 * nothing unless the server's profile has its rule on: the default profile (valkey-8.0) runs
 * exactly the 8.0.1 model.
 */
import { MSG_MEET } from '../message.ts';
import { failed, isVotingPrimary, type ClusterLink, type ClusterNode } from './cluster-node.ts';
import {
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MEET,
  NODE_PFAIL,
  TODO_HANDLE_FAILOVER,
  TODO_UPDATE_STATE,
  handshakeTimeoutMs,
} from './constants.ts';
import { sendFail } from './failure-detection.ts';
import { BROADCAST_ALL, broadcastPong, sendPing } from './gossip.ts';
import { freeLink } from './links.ts';
import type { ValkeyServer } from './server.ts';

/**
 * Set by a rule for clusterBeforeSleep: broadcast a PONG to every node (8.1's
 * CLUSTER_TODO_BROADCAST_ALL). A bit of its own above 8.0.1's TODO flags.
 */
export const TODO_BROADCAST_ALL = 1 << 8;

/** broadcastOnConfigChange (valkey-io/valkey#1813, #1295): flag the beforeSleep broadcast. */
export function flagConfigBroadcast(server: ValkeyServer): void {
  if (server.env.profile.broadcastOnConfigChange) server.doBeforeSleep(TODO_BROADCAST_ALL);
}

/**
 * A PONG to every node that 8.0.1 sends at once (CLUSTER REPLICATE, SETSLOT NODE after an
 * import) and 8.1 flags for beforeSleep instead (broadcastOnConfigChange, valkey-io/valkey#1813).
 */
export function broadcastConfig(server: ValkeyServer): void {
  if (server.env.profile.broadcastOnConfigChange) server.doBeforeSleep(TODO_BROADCAST_ALL);
  else broadcastPong(server, BROADCAST_ALL);
}

/**
 * The manual failover may start (mf_can_start). Under manualFailoverResetsElection
 * (valkey-io/valkey#1274, manualFailoverCanStart) an election in progress is reset first, so the
 * manual failover's election is not stuck behind an earlier one's retry window.
 */
export function manualFailoverCanStart(server: ValkeyServer): void {
  if (server.env.profile.manualFailoverResetsElection && server.failoverAuthTimeAtMs !== 0)
    server.failoverAuthTimeAtMs = 0;
  server.mfCanStart = true;
}

/** clusterBeforeSleep's last step under 8.1: the flagged broadcast, after the config save. */
export function runConfigBroadcast(server: ValkeyServer, flags: number): void {
  if ((flags & TODO_BROADCAST_ALL) !== 0) broadcastPong(server, BROADCAST_ALL);
}

/**
 * resetElectionOnEpochClaim (valkey-io/valkey#1009, #1339): a primary's header raised its
 * configEpoch to at least my sent election's epoch, so that election cannot win: reset it and let
 * the next clusterHandleReplicaFailover (at this beforeSleep) schedule a new one.
 */
export function resetElectionOnEpochClaim(server: ValkeyServer, sender: ClusterNode): void {
  if (!server.env.profile.resetElectionOnEpochClaim) return;
  if (server.failoverAuthTimeAtMs === 0 || !server.failoverAuthSent) return;
  if (sender.configEpoch < server.failoverAuthEpoch) return;
  server.failoverAuthTimeAtMs = 0;
  server.doBeforeSleep(TODO_HANDLE_FAILOVER);
}

/**
 * failedPrimaryRankDelayMs (valkey-io/valkey#1018), clusterGetFailedPrimaryRank: failed voting
 * primaries with replicas, still inside the replica validity window, whose shard id sorts before
 * my shard's.
 */
export function failedPrimaryRank(server: ValkeyServer): number {
  const names = server.env.identities.shards;
  const mine = names.name(server.myself.shardId);
  const factor = server.env.cluster.replicaValidityFactor;
  const window = server.nodeTimeoutMs * factor;
  let rank = 0;
  for (const node of server.nodes) {
    if (!failed(node) || !isVotingPrimary(node) || node.replicas.length === 0) continue;
    if (factor !== 0 && server.nowMs - node.failTimeAtMs > window) continue;
    if (names.name(node.shardId) < mine) rank++;
  }
  return rank;
}

/**
 * noaddrMarksFail (valkey-io/valkey#1191): the node just marked NOADDR (its address answers with
 * another id) is marked FAIL too, and the FAIL broadcast, so its replica can fail over.
 */
export function markNoaddrFailed(server: ValkeyServer, node: ClusterNode): void {
  if (!server.env.profile.noaddrMarksFail) return;
  if (!failed(node)) {
    node.flags |= NODE_FAIL;
    node.failTimeAtMs = server.nowMs;
    sendFail(server, node);
  }
  server.doBeforeSleep(TODO_UPDATE_STATE);
}

/**
 * meetOnMissingInbound (valkey-io/valkey#1307, #1441), in clusterNodeCronHandleReconnect: a node in
 * normal state that I have an outbound link to but no inbound link from, for longer than the
 * handshake timeout since that inbound link went and since my last MEET to it, probably does not
 * know me: MEET it again.
 */
export function meetIfNoInboundLink(server: ValkeyServer, node: ClusterNode): void {
  if (!server.env.profile.meetOnMissingInbound) return;
  if ((node.flags & (NODE_HANDSHAKE | NODE_MEET | NODE_PFAIL | NODE_FAIL)) !== 0) return;
  if (node.link === null || node.inboundLink !== null) return;
  const timeout = handshakeTimeoutMs(server.nodeTimeoutMs);
  if (server.nowMs - node.inboundLinkFreedAtMs <= timeout || server.nowMs - node.meetSentAtMs <= timeout) return;
  node.flags |= NODE_MEET;
  sendPing(server, node.link, MSG_MEET);
}

/**
 * meetOnMissingInbound's receiving side (valkey-io/valkey#1307, #1436), for a MEET: returns
 * whether the 8.0.1 handling (add the unknown sender as a handshake node) is skipped because the
 * link already carries a handshake node (a re-sent MEET: a no-op). For a MEET from a known node
 * known for longer than the handshake timeout, frees my outbound link to it, so my reconnect PINGs
 * it over a link it sees as inbound from me.
 */
export function meetReceived(server: ValkeyServer, link: ClusterLink, sender: ClusterNode | null): boolean {
  if (!server.env.profile.meetOnMissingInbound) return false;
  if (sender === null) return link.node !== null;
  if (sender.link !== null && server.nowMs - sender.ctimeAtMs > handshakeTimeoutMs(server.nodeTimeoutMs)) {
    freeLink(server, sender.link);
  }
  return false;
}
