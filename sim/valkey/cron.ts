/**
 * clusterCron, every 100 ms (protocol reference §1.7): reconnect missing outbound links and drop
 * stale handshakes, the random ping every 10th run, then per node the orphan bookkeeping, the
 * link watchdog, the periodic ping, the manual-failover ping and PFAIL marking; then the replica's
 * replication start, manual failover, election and replica migration, and the state update.
 * Also clusterBeforeSleep, which runs after every event the server handles, and again at once
 * while the loop has bus writes pending (their write handler wakes it).
 */
import { checkNodeBeliefs } from './beliefs.ts';
import { MSG_PING } from '../message.ts';
import {
  countNonFailingReplicas,
  failed,
  inHandshake,
  isPrimary,
  isReplica,
  isVotingPrimary,
  type ClusterNode,
} from './cluster-node.ts';
import {
  CLUSTER_FAIL,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MIGRATE_TO,
  NODE_MYSELF,
  NODE_NOADDR,
  NODE_PFAIL,
  TODO_HANDLE_FAILOVER,
  TODO_FSYNC_CONFIG,
  TODO_HANDLE_MANUALFAILOVER,
  TODO_SAVE_CONFIG,
  TODO_UPDATE_STATE,
  handshakeTimeoutMs,
  pingIntervalMs,
} from './constants.ts';
import { updateState } from './cluster-state.ts';
import { handleReplicaFailover } from './election.ts';
import { markNodeAsFailingIfNeeded } from './failure-detection.ts';
import { sendPing } from './gossip.ts';
import { createLink, delNode, freeLink } from './links.ts';
import { handleManualFailover, manualFailoverCheckTimeout } from './manual-failover.ts';
import { saveConfig } from './nodes-conf.ts';
import { handleReplicaMigration } from './replica-migration.ts';
import { setPrimary as replicationSetPrimary } from './replication.ts';
import { meetIfNoInboundLink, runConfigBroadcast } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';

export function clusterCron(server: ValkeyServer): void {
  checkNodeBeliefs(server);
  server.cronIteration++;
  reconnectLinks(server);
  if (server.cronIteration % 10 === 0) randomPing(server);
  const updateStateNeeded = checkNodes(server);
  const myself = server.myself;
  const replication = server.replication;
  if (
    isReplica(myself) &&
    replication.primaryAddress < 0 &&
    myself.replicaOf !== null &&
    (myself.replicaOf.flags & NODE_NOADDR) === 0
  ) {
    replicationSetPrimary(server, myself.replicaOf.address, false);
  }
  manualFailoverCheckTimeout(server);
  if (isReplica(myself)) {
    handleManualFailover(server);
    handleReplicaFailover(server);
    maybeMigrate(server);
  }
  if (updateStateNeeded || server.state === CLUSTER_FAIL) updateState(server);
}

/** Event-loop turns in a row that still queue bus writes: far beyond any real chain of flags. */
const MAX_WAKEUPS_WITHOUT_EVENT = 64;

/**
 * clusterBeforeSleep, then the turns of the event loop that follow at once: 8.0.1's
 * clusterSendMessage does not write, it queues the message and installs the link's write handler
 * (connSetWriteHandlerWithBarrier). A connected socket is writable, so the next aeProcessEvents
 * does not block: it writes, and beforeSleep runs again. Work flagged during a beforeSleep (a
 * manual failover's HANDLE_FAILOVER after "manual failover can start", the election's config
 * save) is so done within the same millisecond when the iteration sent anything on the bus (the
 * PONG to the PING that carried the paused offset), not at the next message or cron tick.
 * Returns how many nodes.conf saves it fsynced: the turn's messages are written after them.
 */
export function beforeSleep(server: ValkeyServer): number {
  let fsyncs = clusterBeforeSleep(server);
  let turns = 0;
  while (server.busWritesQueued !== server.busWritesAtSleep && server.todoBeforeSleep !== 0) {
    server.busWritesAtSleep = server.busWritesQueued;
    if (++turns > MAX_WAKEUPS_WITHOUT_EVENT)
      throw new Error(`server ${server.processIndex}: beforeSleep keeps queueing bus writes`);
    fsyncs += clusterBeforeSleep(server);
  }
  server.busWritesAtSleep = server.busWritesQueued;
  return fsyncs;
}

/** clusterBeforeSleep: the deferred work the handlers flagged. Returns 1 if it fsynced nodes.conf. */
function clusterBeforeSleep(server: ValkeyServer): number {
  const flags = server.todoBeforeSleep;
  if (flags === 0) return 0;
  server.todoBeforeSleep = 0;
  if ((flags & TODO_HANDLE_MANUALFAILOVER) !== 0) {
    if (isReplica(server.myself)) {
      handleManualFailover(server);
      handleReplicaFailover(server);
    }
  } else if ((flags & TODO_HANDLE_FAILOVER) !== 0) {
    handleReplicaFailover(server);
  }
  if ((flags & TODO_UPDATE_STATE) !== 0) updateState(server);
  // Work flagged while handling the flags above waits for the next beforeSleep, as in Valkey
  // (which comes at once if bus writes are pending: see beforeSleep).
  let fsyncs = 0;
  if ((flags & TODO_SAVE_CONFIG) !== 0) {
    saveConfig(server);
    fsyncs = (flags & TODO_FSYNC_CONFIG) !== 0 ? 1 : 0;
  }
  runConfigBroadcast(server, flags); // 8.1's BROADCAST_ALL (profile-rules.ts); never set under 8.0
  return fsyncs;
}

/** clusterNodeCronHandleReconnect for every node, counting PFAIL nodes on the way. */
function reconnectLinks(server: ValkeyServer): void {
  const nowMs = server.nowMs;
  const handshakeTimeout = handshakeTimeoutMs(server.nodeTimeoutMs);
  server.statsPfailNodes = 0;
  const nodes = server.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if ((node.flags & (NODE_MYSELF | NODE_NOADDR)) !== 0) continue;
    if ((node.flags & NODE_PFAIL) !== 0) server.statsPfailNodes++;
    if (inHandshake(node) && nowMs - node.ctimeAtMs > handshakeTimeout) {
      delNode(server, node);
      i--;
      continue;
    }
    meetIfNoInboundLink(server, node);
    if (node.link === null) createLink(server, node);
  }
}

/** Every 10th run: of 5 random nodes, PING the one with the oldest pong. */
function randomPing(server: ValkeyServer): void {
  const nodes = server.nodes;
  let chosen: ClusterNode | null = null;
  for (let j = 0; j < 5; j++) {
    const node = nodes[server.rng.int(nodes.length)]!;
    if (node.link === null || node.pingSentAtMs !== 0) continue;
    if ((node.flags & (NODE_MYSELF | NODE_HANDSHAKE)) !== 0) continue;
    if (chosen === null || chosen.pongReceivedAtMs > node.pongReceivedAtMs) chosen = node;
  }
  if (chosen !== null) sendPing(server, chosen.link!, MSG_PING);
}

/** The per-node pass; returns whether some node became PFAIL. */
function checkNodes(server: ValkeyServer): boolean {
  const nodeTimeoutMs = server.nodeTimeoutMs;
  const interval = pingIntervalMs(nodeTimeoutMs, server.env.cluster.pingIntervalMs);
  const myself = server.myself;
  const iAmReplica = isReplica(myself);
  let updateStateNeeded = false;
  const migration = server.migrationStats;
  migration.orphanedPrimaries = 0;
  migration.maxReplicas = 0;
  migration.thisReplicas = 0;
  const nowMs = server.nowMs;
  for (const node of server.nodes) {
    if ((node.flags & (NODE_MYSELF | NODE_NOADDR | NODE_HANDSHAKE)) !== 0) continue;
    if (iAmReplica && isPrimary(node) && !failed(node)) {
      const okReplicas = countNonFailingReplicas(node);
      if (okReplicas === 0 && node.numSlots > 0 && (node.flags & NODE_MIGRATE_TO) !== 0) migration.orphanedPrimaries++;
      if (okReplicas > migration.maxReplicas) migration.maxReplicas = okReplicas;
      if (myself.replicaOf === node) migration.thisReplicas = okReplicas;
    }
    const pingDelayMs = nowMs - node.pingSentAtMs;
    const dataDelayMs = nowMs - node.dataReceivedAtMs;
    // Link watchdog: a ping pending for more than node_timeout/2 and no data at all meanwhile.
    if (
      node.link !== null &&
      nowMs - node.link.ctimeAtMs > nodeTimeoutMs &&
      node.pingSentAtMs !== 0 &&
      pingDelayMs > nodeTimeoutMs / 2 &&
      dataDelayMs > nodeTimeoutMs / 2
    ) {
      freeLink(server, node.link);
    }
    if (node.link !== null && node.pingSentAtMs === 0 && nowMs - node.pongReceivedAtMs > interval) {
      sendPing(server, node.link, MSG_PING);
      continue;
    }
    if (server.mfEndAtMs !== 0 && isPrimary(myself) && server.mfReplica === node && node.link !== null) {
      sendPing(server, node.link, MSG_PING);
      continue;
    }
    if (node.pingSentAtMs === 0) continue;
    const nodeDelayMs = Math.min(pingDelayMs, dataDelayMs);
    if (nodeDelayMs > nodeTimeoutMs && (node.flags & (NODE_PFAIL | NODE_FAIL)) === 0) {
      node.flags |= NODE_PFAIL;
      updateStateNeeded = true;
      // 8.0.1 single-shard fix: with one voting primary it may mark FAIL on its own; 8.1 checks
      // whatever the size (cronMarksFailAnySize, valkey-io/valkey#1061).
      if ((server.size === 1 || server.env.profile.cronMarksFailAnySize) && isVotingPrimary(myself))
        markNodeAsFailingIfNeeded(server, node);
    }
  }
  return updateStateNeeded;
}

/** The cron's gate for clusterHandleReplicaMigration. */
function maybeMigrate(server: ValkeyServer): void {
  const stats = server.migrationStats;
  if (
    stats.orphanedPrimaries > 0 &&
    stats.maxReplicas >= 2 &&
    stats.thisReplicas === stats.maxReplicas &&
    server.env.cluster.allowReplicaMigration
  ) {
    handleReplicaMigration(server, stats.maxReplicas);
  }
}
