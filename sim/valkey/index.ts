/**
 * The Valkey 8.0.1 model's surface for the world: start a server (fresh or from nodes.conf), run
 * its cron, hand it what arrives on its connections, and run beforeSleep after each event.
 * Everything else in sim/valkey is internal to the model.
 */
import { CONN_BUS, type Connection } from '../connection.ts';
import { MSG_REPL_STREAM, type Message } from '../message.ts';
import type { ClusterLink } from './cluster-node.ts';
import { clusterCron } from './cron.ts';
import { freeLink, inboundLinkFor, onLinkConnected } from './links.ts';
import { processPacket } from './packet.ts';
import {
  onClosed as replicationClosed,
  onConnected as replicationConnected,
  onMessage as replicationMessage,
  onRefused as replicationRefused,
  replicationCron,
} from './replication.ts';
import type { ValkeyServer } from './server.ts';
import { SHUTDOWN_NONE, SHUTDOWN_WAITING, type ShutdownStep, shutdownCron } from './shutdown.ts';

export { beforeSleep } from './cron.ts';
export { checkNodeBeliefs } from './beliefs.ts';
export { freshServer, loadServer } from './server-boot.ts';
export {
  snapshot,
  saveConfig,
  formatNodesConf,
  flagWords,
  type NodesConf,
} from './nodes-conf.ts';
export { ValkeyServer, retireServer, type ServerEnv } from './server.ts';
export { Identities } from './identities.ts';
export { NodeClock } from './node-clock.ts';
export { SlotSet, SlotSetTable, CLUSTER_SLOTS } from './slot-set.ts';
export { addSlotsRange, setConfigEpoch, meet, replicate, bumpEpoch, killLinks } from './commands.ts';
export { forget, clusterReset, BLACKLIST_TTL_SEC } from './membership.ts';
export {
  clusterSetSlot,
  abandonSetSlot,
  SETSLOT_MIGRATING,
  SETSLOT_IMPORTING,
  SETSLOT_STABLE,
  SETSLOT_NODE,
  SETSLOT_TIMEOUT_MS,
  type SetSlotOp,
  type SetSlotWait,
} from './slot-migration.ts';
export type { Keyspace } from './keyspace.ts';
export { clusterFailoverCommand, type FailoverMode } from './manual-failover.ts';
export { feedStream, replicaOffset, replicationLinkUp, dataAgeMs } from './replication.ts';
export { DataKeyspace, slotOfKey } from './data-keyspace.ts';
export { blockForReplicas } from './wait.ts';
export { replicaRank } from './election.ts';
export {
  onSigterm,
  shutdownInitiated,
  SHUTDOWN_NONE,
  SHUTDOWN_WAITING,
  SHUTDOWN_EXIT_READY,
  SHUTDOWN_EXIT_TIMEOUT,
  type ShutdownStep,
} from './shutdown.ts';
export * from './constants.ts';
export { isPrimary, isReplica, isVotingPrimary, inHandshake, nodeEpoch, type ClusterNode } from './cluster-node.ts';

/**
 * One cron tick (serverCron): first the shutdown a SIGTERM asked for (shutdown.ts), then
 * clusterCron, and every 10th tick replicationCron (once a second). Returns the shutdown step: on
 * SHUTDOWN_EXIT_* the process exits now and nothing else of the tick runs.
 */
export function cronTick(server: ValkeyServer): ShutdownStep {
  const shutdown = server.shutdownAsap ? shutdownCron(server) : SHUTDOWN_NONE;
  if (shutdown !== SHUTDOWN_NONE && shutdown !== SHUTDOWN_WAITING) return shutdown;
  clusterCron(server);
  if (server.cronIteration % 10 === 0) replicationCron(server);
  return shutdown;
}

/**
 * A write of the replication stream reaching a replica: it moves the offset and the data, and
 * forwards it to sub-replicas (or acks it), but changes no cluster state, flags no beforeSleep work
 * and fsyncs nothing. The world skips its turn bookkeeping for it (a quarter of all events).
 */
export function isStreamWrite(connection: Connection, toInitiator: boolean, message: Message): boolean {
  return message.type === MSG_REPL_STREAM && toInitiator && connection.kind !== CONN_BUS;
}

/** Something arrived on one of the server's connections. */
export function deliver(server: ValkeyServer, connection: Connection, toInitiator: boolean, message: Message): void {
  if (connection.kind !== CONN_BUS) {
    replicationMessage(server, connection, toInitiator, message);
    return;
  }
  const link = toInitiator ? (connection.initiatorEndpoint as ClusterLink) : inboundLinkFor(server, connection);
  const remote = toInitiator ? connection.acceptor : connection.initiator;
  processPacket(server, link, message, remote);
}

export function connected(server: ValkeyServer, connection: Connection): void {
  if (connection.kind === CONN_BUS) onLinkConnected(server, connection.initiatorEndpoint as ClusterLink);
  else replicationConnected(server, connection);
}

export function refused(server: ValkeyServer, connection: Connection): void {
  if (connection.kind === CONN_BUS) freeLink(server, connection.initiatorEndpoint as ClusterLink);
  else replicationRefused(server, connection);
}

/** handleLinkIOError: the peer closed; free our end (the cron reconnects outbound links). */
export function closedByPeer(server: ValkeyServer, connection: Connection, atInitiator: boolean): void {
  if (connection.kind !== CONN_BUS) {
    replicationClosed(server, connection, atInitiator);
    return;
  }
  const link = (atInitiator ? connection.initiatorEndpoint : connection.acceptorEndpoint) as ClusterLink | null;
  if (link !== null) freeLink(server, link);
}
