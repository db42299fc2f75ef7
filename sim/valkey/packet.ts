/**
 * clusterProcessPacket (protocol reference §1.8), step by step as 8.0.1 does it, flaws included:
 * the "Ignore stale message" branch only logs and processing continues (step 7f), a PONG on an
 * outbound link is trusted as coming from the link's node, and the collision rule looks at ids.
 * `remoteProcess` is the address the packet came from (the connection's other end).
 */
import { assertConfigEpoch, assertPrimaryKnown } from './beliefs.ts';
import {
  MFLAG_EXT_DATA,
  MFLAG_PAUSED,
  MSG_AUTH_ACK,
  MSG_AUTH_REQUEST,
  MSG_FAIL,
  MSG_MEET,
  MSG_MFSTART,
  MSG_PING,
  MSG_PONG,
  MSG_UPDATE,
  type Message,
} from '../message.ts';
import {
  type ClusterLink,
  ClusterNode,
  failed,
  inHandshake,
  isPrimary,
  isReplica,
  setPongReceived,
  timedOut,
} from './cluster-node.ts';
import {
  NODE_EXTENSIONS_SUPPORTED,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_LIGHT_HDR_SUPPORTED,
  NODE_MEET,
  NODE_MIGRATE_TO,
  NODE_MYSELF,
  NODE_NOADDR,
  NODE_NOFAILOVER,
  NODE_PFAIL,
  NODE_PRIMARY,
  NODE_REPLICA,
  TODO_FSYNC_CONFIG,
  TODO_HANDLE_MANUALFAILOVER,
  TODO_SAVE_CONFIG,
  TODO_UPDATE_STATE,
} from './constants.ts';
import { countFailoverAuthAck, sendFailoverAuthIfNeeded } from './election.ts';
import { handleConfigEpochCollision } from './epochs.ts';
import { clearNodeFailureIfNeeded } from './failure-detection.ts';
import { processGossipSection, processPingExtensions, sendPing, updateShardId } from './gossip.ts';
import { delNode, freeLink, setInboundLink } from './links.ts';
import { onMfStart } from './manual-failover.ts';
import { setPrimary as replicationSetPrimary } from './replication.ts';
import { setNodeAsPrimary, setPrimary } from './roles.ts';
import { markNoaddrFailed, meetReceived, resetElectionOnEpochClaim } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';
import { processUpdate, sendUpdateIfStale, updateSlotsConfigWith } from './slots.ts';

export function processPacket(server: ValkeyServer, link: ClusterLink, message: Message, remoteProcess: number): void {
  const type = message.type;
  const sender = senderOf(server, link, message);
  const claimsPrimary = message.replicaOf === -1;
  const lastReportedAsReplica = sender !== null && isReplica(sender);
  const lastReportedAsPrimary = sender !== null && isPrimary(sender);
  let senderCurrentEpoch = 0;

  if (sender !== null) {
    if ((message.mflags & MFLAG_EXT_DATA) !== 0) sender.flags |= NODE_EXTENSIONS_SUPPORTED;
    sender.flags = (sender.flags & ~NODE_LIGHT_HDR_SUPPORTED) | (message.flags & NODE_LIGHT_HDR_SUPPORTED);
    sender.dataReceivedAtMs = server.nowMs;
    if (!inHandshake(sender)) {
      senderCurrentEpoch = message.currentEpoch;
      processHeaderEpochs(server, sender, message, claimsPrimary);
    }
  }

  if (type === MSG_PING || type === MSG_MEET) {
    // 8.1's meetOnMissingInbound (valkey-io/valkey#1307) may free my link to a known sender or
    // make a re-sent MEET a no-op; under valkey-8.0 it returns false and does nothing.
    const meetIgnored = type === MSG_MEET && meetReceived(server, link, sender);
    if (sender === null && type === MSG_MEET) {
      if (!meetIgnored) addMeetingNode(server, link, message, remoteProcess);
      processGossipSection(server, message, link);
    }
    sendPing(server, link, MSG_PONG);
  }

  if (type === MSG_PING || type === MSG_PONG || type === MSG_MEET) {
    if (sender !== null && (sender.flags & NODE_MEET) !== 0) sender.flags &= ~NODE_MEET;
    if (!link.inbound && !outboundIdentityOk(server, link, message, sender, remoteProcess)) return;
    if (sender !== null) sender.flags = (sender.flags & ~NODE_NOFAILOVER) | (message.flags & NODE_NOFAILOVER);
    if (
      sender !== null &&
      type === MSG_PING &&
      !inHandshake(sender) &&
      updateAddressIfNeeded(server, sender, link, remoteProcess)
    ) {
      server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
    }
    if (!link.inbound && type === MSG_PONG) pongOnOutboundLink(server, link.node!);
    if (sender !== null) processRole(server, sender, message, claimsPrimary, lastReportedAsPrimary);
    if (sender !== null && claimsPrimary && (lastReportedAsReplica || !server.slotsOf(sender).equals(message.slots!))) {
      if (!isPrimary(sender))
        throw new Error(
          `processPacket: ${sender.name} claims primary but is not one in process ${server.processIndex}'s view`,
        );
      updateSlotsConfigWith(server, sender, message.configEpoch, message.slots!);
      sendUpdateIfStale(server, sender, message.configEpoch, message.slots!);
    }
    if (
      sender !== null &&
      isPrimary(server.myself) &&
      isPrimary(sender) &&
      message.configEpoch === server.myself.configEpoch
    ) {
      handleConfigEpochCollision(server, sender);
    }
    if (sender !== null) {
      processGossipSection(server, message, link);
      processPingExtensions(server, message, link);
    }
    return;
  }

  switch (type) {
    case MSG_FAIL: {
      if (sender === null) return;
      const failing = server.lookup(message.about);
      if (failing !== null && (failing.flags & (NODE_FAIL | NODE_MYSELF)) === 0) {
        failing.flags = (failing.flags | NODE_FAIL) & ~NODE_PFAIL;
        failing.failTimeAtMs = server.nowMs;
        server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
      }
      return;
    }
    case MSG_AUTH_REQUEST:
      if (sender !== null) sendFailoverAuthIfNeeded(server, sender, message);
      return;
    case MSG_AUTH_ACK:
      if (sender !== null) countFailoverAuthAck(server, sender, senderCurrentEpoch);
      return;
    case MSG_MFSTART:
      onMfStart(server, sender, link);
      return;
    case MSG_UPDATE:
      processUpdate(server, sender, message);
      return;
    default:
      return; // PUBLISH and MODULE carry nothing the model reads.
  }
}

/** getNodeFromLinkAndMsg: the link's node unless it is handshaking; attach inbound links. */
function senderOf(server: ValkeyServer, link: ClusterLink, message: Message): ClusterNode | null {
  if (link.node !== null && !inHandshake(link.node)) return link.node;
  const sender = server.lookup(message.sender);
  if (sender !== null && link.node === null) setInboundLink(server, sender, link);
  return sender;
}

/** §1.8 step 5: learn currentEpoch, a primary's newer configEpoch, the offset, the MF offset. */
function processHeaderEpochs(
  server: ValkeyServer,
  sender: ClusterNode,
  message: Message,
  claimsPrimary: boolean,
): void {
  if (message.currentEpoch > server.currentEpoch) server.currentEpoch = message.currentEpoch;
  if (claimsPrimary && message.configEpoch > sender.configEpoch) {
    sender.configEpoch = message.configEpoch;
    assertConfigEpoch(server, sender);
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
    resetElectionOnEpochClaim(server, sender);
  }
  sender.replOffset = message.offset;
  if (
    server.mfEndAtMs !== 0 &&
    isReplica(server.myself) &&
    server.myself.replicaOf === sender &&
    (message.mflags & MFLAG_PAUSED) !== 0 &&
    server.mfPrimaryOffset === -1
  ) {
    server.mfPrimaryOffset = sender.replOffset;
    server.doBeforeSleep(TODO_HANDLE_MANUALFAILOVER);
  }
}

/** A MEET from an unknown node: a handshake node with a random name, on this inbound link. */
function addMeetingNode(server: ValkeyServer, link: ClusterLink, message: Message, remoteProcess: number): void {
  const identities = server.env.identities;
  const identity = identities.freshNode(server.rng, -1);
  const node = new ClusterNode(
    identity,
    identities.nodes.name(identity),
    NODE_HANDSHAKE,
    remoteProcess,
    identities.shards.placeholder(),
    server.nowMs,
  );
  if ((message.mflags & MFLAG_EXT_DATA) !== 0) node.flags |= NODE_EXTENSIONS_SUPPORTED;
  setInboundLink(server, node, link);
  server.addNode(node);
  server.doBeforeSleep(TODO_SAVE_CONFIG);
}

/**
 * §1.8 step 7b on an outbound link: finish a handshake (rename, or drop a duplicate), or mark a
 * node that answers with another id NOADDR. False when processing stops here.
 */
function outboundIdentityOk(
  server: ValkeyServer,
  link: ClusterLink,
  message: Message,
  sender: ClusterNode | null,
  remoteProcess: number,
): boolean {
  const node = link.node!;
  if (inHandshake(node)) {
    if (sender !== null) {
      if (updateAddressIfNeeded(server, sender, link, remoteProcess))
        server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
      delNode(server, node);
      return false;
    }
    server.renameNode(node, message.sender);
    node.flags = (node.flags & ~NODE_HANDSHAKE) | (message.flags & (NODE_PRIMARY | NODE_REPLICA));
    server.doBeforeSleep(TODO_SAVE_CONFIG);
    return true;
  }
  if (node.identity !== message.sender) {
    node.flags |= NODE_NOADDR;
    node.address = -1;
    freeLink(server, link);
    server.doBeforeSleep(TODO_SAVE_CONFIG);
    markNoaddrFailed(server, node);
    return false;
  }
  return true;
}

/** nodeUpdateAddressIfNeeded: a PING from a new address (not on the node's own outbound link). */
function updateAddressIfNeeded(
  server: ValkeyServer,
  node: ClusterNode,
  link: ClusterLink,
  remoteProcess: number,
): boolean {
  if (link === node.link) return false;
  if (node.address === remoteProcess) return false;
  node.address = remoteProcess;
  if (node.link !== null) freeLink(server, node.link);
  node.flags &= ~NODE_NOADDR;
  if (isReplica(server.myself) && server.myself.replicaOf === node) replicationSetPrimary(server, remoteProcess, false);
  return true;
}

/** §1.8 step 7e: a PONG on my outbound link proves liveness and may clear PFAIL or FAIL. */
function pongOnOutboundLink(server: ValkeyServer, node: ClusterNode): void {
  setPongReceived(node, server.nowMs);
  node.pingSentAtMs = 0;
  if (timedOut(node)) {
    node.flags &= ~NODE_PFAIL;
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
  } else if (failed(node)) {
    clearNodeFailureIfNeeded(server, node);
  }
}

/** §1.8 step 7f: the sender's role as its header states it. */
function processRole(
  server: ValkeyServer,
  sender: ClusterNode,
  message: Message,
  claimsPrimary: boolean,
  lastReportedAsPrimary: boolean,
): void {
  if (claimsPrimary) {
    setNodeAsPrimary(server, sender);
    return;
  }
  const claimedPrimary = server.lookup(message.replicaOf);
  if (lastReportedAsPrimary) {
    if (claimedPrimary !== null && claimedPrimary.shardId === sender.shardId) {
      // 8.0.1 logs "Ignore stale message" when sender.configEpoch > hdr.configEpoch and goes on.
      if (!(sender.configEpoch > message.configEpoch)) {
        setNodeAsPrimary(server, claimedPrimary);
        claimedPrimary.configEpoch = message.configEpoch;
        assertConfigEpoch(server, claimedPrimary);
      }
    } else {
      server.delNodeSlots(sender);
    }
    sender.flags = (sender.flags & ~(NODE_PRIMARY | NODE_MIGRATE_TO)) | NODE_REPLICA;
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
  }
  if (claimedPrimary !== null && sender.replicaOf !== claimedPrimary) {
    if (sender.replicaOf !== null) server.removeReplica(sender.replicaOf, sender);
    server.addReplica(claimedPrimary, sender);
    sender.replicaOf = claimedPrimary;
    assertPrimaryKnown(server, claimedPrimary);
    const myPrimary = server.myself.replicaOf;
    if (myPrimary !== null && myPrimary.replicaOf !== null && myPrimary.replicaOf !== server.myself) {
      // "I'm a sub-replica!": follow the grand-primary (psync only inside my shard).
      const grand = myPrimary.replicaOf;
      setPrimary(server, grand, true, grand.shardId !== server.myself.shardId);
      server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    }
    updateShardId(server, sender, claimedPrimary.shardId);
    server.doBeforeSleep(TODO_SAVE_CONFIG);
  }
}
