/**
 * PING/PONG/MEET and their gossip (protocol reference §1.3-§1.6): the header every message
 * carries (clusterBuildMessageHdr), clusterSendPing with its entry-count formula and the PFAIL
 * entries appended, the broadcasts, and clusterProcessGossipSection plus the shard-id extension
 * on the receiving side.
 */
import { MFLAG_EXT_DATA, MFLAG_PAUSED, MSG_MEET, MSG_PONG, type Message, MSG_PING } from '../message.ts';
import {
  ClusterNode,
  inHandshake,
  isPrimary,
  isReplica,
  isVotingPrimary,
  setPongReceived,
  type ClusterLink,
} from './cluster-node.ts';
import {
  NODE_EXTENSIONS_SUPPORTED,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_NOADDR,
  NODE_PFAIL,
  TODO_FSYNC_CONFIG,
  TODO_SAVE_CONFIG,
} from './constants.ts';
import {
  addFailureReport,
  delFailureReport,
  failureReportCount,
  markNodeAsFailingIfNeeded,
} from './failure-detection.ts';
import { freeLink } from './links.ts';
import { blacklistExists, processForgottenNodes, writeForgottenNodes } from './membership.ts';
import { replicaOffset, setPrimary } from './replication.ts';
import type { ValkeyServer } from './server.ts';

/** One random draw yields log_known(2^30) gossip picks. */
const RANDOM_BITS_RANGE = 0x40000000;

/** clusterBroadcastPong targets. */
export const BROADCAST_ALL = 0;
export const BROADCAST_LOCAL_REPLICAS = 1;

/** clusterBuildMessageHdr: a replica speaks for its primary's slots and configEpoch. */
export function fillHeader(server: ValkeyServer, message: Message): void {
  const myself = server.myself;
  const primary = isReplica(myself) && myself.replicaOf !== null ? myself.replicaOf : myself;
  message.sender = myself.identity;
  message.slots = server.slotsOf(primary);
  message.replicaOf = myself.replicaOf !== null ? myself.replicaOf.identity : -1;
  message.flags = myself.flags;
  message.currentEpoch = server.currentEpoch;
  message.configEpoch = primary.configEpoch;
  message.offset = isReplica(myself) ? replicaOffset(server) : server.replication.offset;
  if (isPrimary(myself) && server.mfEndAtMs !== 0) message.mflags |= MFLAG_PAUSED;
}

/** clusterSendMessage: a link without a connection sends nothing. */
export function sendOnLink(server: ValkeyServer, link: ClusterLink, message: Message): void {
  const connection = link.connection;
  if (connection === null) {
    server.env.network.pool.release(message);
    return;
  }
  // clusterSendMessage queues the message and installs the link's write handler; a connected
  // socket is writable, so that handler wakes the event loop without waiting (see beforeSleep).
  if (connection.established) server.busWritesQueued++;
  server.env.network.send(connection, !link.inbound, message);
}

/** clusterSendPing: a PING, PONG or MEET with gossip about other nodes. */
export function sendPing(server: ValkeyServer, link: ClusterLink, type: number): void {
  const pingsSent = ++server.pingsSent;
  const nodes = server.nodes;
  const known = nodes.length;
  let freshNodes = known - 2;
  let wanted = Math.max(3, Math.floor(known / 10));
  if (wanted > freshNodes) wanted = freshNodes;
  let pfailWanted = server.statsPfailNodes;
  const message = server.env.network.pool.acquire(type);
  fillHeader(server, message);
  message.ensureGossipCapacity(Math.max(0, wanted) + pfailWanted);
  if (!link.inbound && type === MSG_PING) link.node!.pingSentAtMs = server.nowMs;
  else if (!link.inbound && type === MSG_MEET) link.node!.meetSentAtMs = server.nowMs;

  const myself = server.myself;
  const receiver = link.node;
  let count = 0;
  let iterations = wanted * 3;
  // dictGetRandomKey draws: several picks come out of one 30-bit draw (base-`known` digits).
  let digits = 0;
  let digitsRange = 1;
  while (freshNodes > 0 && count < wanted && iterations-- > 0) {
    if (digitsRange < known) {
      // An int32 (| 0 is exact below 2^30), so the divisions below are integer ones.
      digits = server.rng.int(RANDOM_BITS_RANGE) | 0;
      digitsRange = RANDOM_BITS_RANGE;
    }
    // digits < 2^30, so `| 0` truncates exactly: one integer division gives digit and rest.
    const rest = (digits / known) | 0;
    const pick = digits - rest * known;
    digits = rest;
    digitsRange = (digitsRange / known) | 0;
    const node = nodes[pick]!;
    if (node === myself || node === receiver) continue;
    if ((node.flags & NODE_PFAIL) !== 0) continue; // appended below
    if ((node.flags & (NODE_HANDSHAKE | NODE_NOADDR)) !== 0 || (node.link === null && node.numSlots === 0)) {
      freshNodes--;
      continue;
    }
    if (node.lastInPingGossip === pingsSent) continue;
    setGossipEntry(message, count++, node);
    node.lastInPingGossip = pingsSent;
    freshNodes--;
  }
  for (let i = 0; i < known && pfailWanted > 0; i++) {
    const node = nodes[i]!;
    if ((node.flags & (NODE_HANDSHAKE | NODE_NOADDR)) !== 0 || (node.flags & NODE_PFAIL) === 0) continue;
    message.ensureGossipCapacity(count + 1);
    setGossipEntry(message, count++, node);
    pfailWanted--;
  }
  message.gossipCount = count;
  // Extensions (forgotten nodes, the shard id) go only to peers known to support them; EXT_DATA always.
  if (receiver !== null && (receiver.flags & NODE_EXTENSIONS_SUPPORTED) !== 0) {
    writeForgottenNodes(server, message);
    message.shardId = myself.shardId;
  }
  message.mflags |= MFLAG_EXT_DATA;
  sendOnLink(server, link, message);
}

function setGossipEntry(message: Message, index: number, node: ClusterNode): void {
  message.gossipIdentity[index] = node.identity;
  message.gossipFlags[index] = node.flags;
  message.gossipPongReceivedSec[index] = node.pongReceivedSec;
  message.gossipAddress[index] = node.address;
}

/** clusterBroadcastPong: to every node with an outbound link, or only my shard's replicas. */
export function broadcastPong(server: ValkeyServer, target: number): void {
  const myself = server.myself;
  for (const node of server.nodes) {
    if (node.link === null || node === myself || inHandshake(node)) continue;
    if (target === BROADCAST_LOCAL_REPLICAS) {
      const local =
        isReplica(node) &&
        node.replicaOf !== null &&
        (node.replicaOf === myself || node.replicaOf === myself.replicaOf);
      if (!local) continue;
    }
    sendPing(server, node.link, MSG_PONG);
  }
}

/** clusterBroadcastMessage's targets: every node with an outbound link, not myself, not handshaking. */
export function broadcastTargets(server: ValkeyServer): ClusterLink[] {
  const links: ClusterLink[] = [];
  for (const node of server.nodes) {
    if (node.link === null || node === server.myself || inHandshake(node)) continue;
    links.push(node.link);
  }
  return links;
}

/** clusterProcessGossipSection. */
export function processGossipSection(server: ValkeyServer, message: Message, link: ClusterLink): void {
  const sender = link.node !== null ? link.node : server.lookup(message.sender);
  const senderVotes = sender !== null && isVotingPrimary(sender);
  const nowMs = server.nowMs;
  for (let i = 0; i < message.gossipCount; i++) {
    const flags = message.gossipFlags[i]!;
    const node = server.lookup(message.gossipIdentity[i]!);
    if (node !== null && node !== server.myself) {
      if (senderVotes) {
        if ((flags & (NODE_FAIL | NODE_PFAIL)) !== 0) {
          addFailureReport(server, node, sender!);
          markNodeAsFailingIfNeeded(server, node);
        } else {
          delFailureReport(server, node, sender!);
        }
      }
      if (
        (flags & (NODE_FAIL | NODE_PFAIL)) === 0 &&
        node.pingSentAtMs === 0 &&
        failureReportCount(server, node) === 0
      ) {
        const pongAtMs = message.gossipPongReceivedSec[i]! * 1000;
        if (pongAtMs <= nowMs + 500 && pongAtMs > node.pongReceivedAtMs) setPongReceived(node, pongAtMs);
      }
      const address = message.gossipAddress[i]!;
      if (
        (node.flags & (NODE_FAIL | NODE_PFAIL)) !== 0 &&
        (flags & (NODE_NOADDR | NODE_FAIL | NODE_PFAIL)) === 0 &&
        node.address !== address
      ) {
        if (node.link !== null) freeLink(server, node.link);
        node.address = address;
        node.flags &= ~NODE_NOADDR;
        if (isReplica(server.myself) && server.myself.replicaOf === node) setPrimary(server, address, false);
      }
    } else if (
      node === null &&
      sender !== null &&
      (flags & NODE_NOADDR) === 0 &&
      !blacklistExists(server, message.gossipIdentity[i]!)
    ) {
      const identity = message.gossipIdentity[i]!;
      const shardId = server.env.identities.shards.fresh(server.rng);
      const created = new ClusterNode(
        identity,
        server.env.identities.nodes.name(identity),
        flags,
        message.gossipAddress[i]!,
        shardId,
        nowMs,
      );
      server.addNode(created);
    }
  }
}

/**
 * clusterProcessPingExtensions: forgotten nodes, then the shard id (hostnames and client IPs are
 * not modelled). Without a shard-id extension the sender takes its primary's shard id as I know it.
 */
export function processPingExtensions(server: ValkeyServer, message: Message, link: ClusterLink): void {
  const sender = link.node !== null ? link.node : server.lookup(message.sender);
  if (sender === null) return;
  if (message.forgottenCount > 0) processForgottenNodes(server, message);
  const shardId = message.shardId >= 0 ? message.shardId : topPrimary(sender).shardId;
  updateShardId(server, sender, shardId);
}

/** updateShardId: a replica also follows its primary's shard id. */
export function updateShardId(server: ValkeyServer, node: ClusterNode, shardId: number): void {
  if (node.shardId !== shardId) {
    node.shardId = shardId;
    server.doBeforeSleep(TODO_SAVE_CONFIG);
  }
  const myself = server.myself;
  if (myself !== node && myself.replicaOf === node && myself.shardId !== shardId) {
    myself.shardId = shardId;
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  }
}

/** clusterNodeGetPrimary: follow replicaof to the top (bounded, as Valkey guards loops). */
function topPrimary(node: ClusterNode): ClusterNode {
  let primary = node;
  for (let depth = 0; primary.replicaOf !== null && depth < 8; depth++) primary = primary.replicaOf;
  return primary;
}
