/**
 * Cluster bus links (protocol reference §1.1): each node's outbound link (`node->link`, opened by
 * the cron, PING or MEET sent on connect) and the inbound link the peer opened
 * (`node->inbound_link`, attached to a node by the first packet whose sender is known).
 * freeClusterLink, clusterLinkConnectHandler, setClusterNodeToInboundClusterLink, clusterDelNode.
 */
import { CONN_BUS, type Connection } from '../connection.ts';
import { MSG_MEET, MSG_PING } from '../message.ts';
import { ClusterLink, type ClusterNode, isReplica } from './cluster-node.ts';
import { NODE_MEET } from './constants.ts';
import { sendPing } from './gossip.ts';
import type { ValkeyServer } from './server.ts';

/** clusterNodeCronHandleReconnect's connect: false when the connect failed at once. */
export function createLink(server: ValkeyServer, node: ClusterNode): boolean {
  const link = new ClusterLink(node, false, server.nowMs, null);
  const connection = server.env.network.connect(CONN_BUS, server.processIndex, node.address, link);
  if (connection === null) {
    // A synchronous connect error: claim a ping was sent so failure detection still runs.
    if (node.pingSentAtMs === 0) node.pingSentAtMs = server.nowMs;
    return false;
  }
  link.connection = connection;
  node.link = link;
  return true;
}

/** clusterLinkConnectHandler: queue a PING (or MEET) at once, keeping an older ping_sent. */
export function onLinkConnected(server: ValkeyServer, link: ClusterLink): void {
  const node = link.node;
  if (node === null || node.link !== link) return;
  const oldPingSentAtMs = node.pingSentAtMs;
  sendPing(server, link, (node.flags & NODE_MEET) !== 0 ? MSG_MEET : MSG_PING);
  if (oldPingSentAtMs !== 0) node.pingSentAtMs = oldPingSentAtMs;
}

/** freeClusterLink: close our end and detach it from its node. */
export function freeLink(server: ValkeyServer, link: ClusterLink): void {
  const connection = link.connection;
  if (connection !== null) server.env.network.close(connection, !link.inbound);
  link.connection = null;
  const node = link.node;
  if (node !== null) {
    if (node.link === link) node.link = null;
    if (node.inboundLink === link) {
      node.inboundLink = null;
      node.inboundLinkFreedAtMs = server.nowMs;
    }
  }
}

/** The endpoint object for the acceptor side of a bus connection, created on first read. */
export function inboundLinkFor(server: ValkeyServer, connection: Connection): ClusterLink {
  const existing = connection.acceptorEndpoint as ClusterLink | null;
  if (existing !== null) return existing;
  const link = new ClusterLink(null, true, server.nowMs, connection);
  connection.acceptorEndpoint = link;
  return link;
}

/** setClusterNodeToInboundClusterLink: a second inbound link from a node replaces the first. */
export function setInboundLink(server: ValkeyServer, node: ClusterNode, link: ClusterLink): void {
  if (node.inboundLink !== null && node.inboundLink !== link) freeLink(server, node.inboundLink);
  node.inboundLink = link;
  link.node = node;
}

/**
 * clusterDelNode: close the slots migrating to or importing from it, unassign its slots, drop the
 * failure reports it sent, detach replicas, free its links and remove it from the dictionary.
 */
export function delNode(server: ValkeyServer, node: ClusterNode): void {
  for (const [slot, peer] of server.importingSlotsFrom) if (peer === node) server.importingSlotsFrom.delete(slot);
  for (const [slot, peer] of server.migratingSlotsTo) if (peer === node) server.migratingSlotsTo.delete(slot);
  server.delNodeSlots(node);
  for (const other of server.nodes) {
    if (other === node) continue;
    const index = other.failReporters.indexOf(node);
    if (index >= 0) {
      other.failReporters.splice(index, 1);
      other.failReportTimesMs.splice(index, 1);
    }
  }
  if (server.mfReplica === node) server.mfReplica = null;
  for (const replica of node.replicas) replica.replicaOf = null;
  if (isReplica(node) && node.replicaOf !== null) server.removeReplica(node.replicaOf, node);
  if (node.link !== null) freeLink(server, node.link);
  if (node.inboundLink !== null) freeLink(server, node.inboundLink);
  server.unlinkNode(node);
}
