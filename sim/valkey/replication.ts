/**
 * The replication link as offsets, after replication.c (8.0.1): a replica connects to its primary
 * over its own TCP connection (subject to the same partitions as the bus), sends PSYNC, gets a
 * partial (+CONTINUE) or full (+FULLRESYNC) answer, then follows the primary's offset as writes and
 * the primary's periodic PING stream in. What the cluster bus reads from it:
 * - the replica offset (`replicationGetReplicaOffset`: 0 until a primary or cached primary exists),
 *   which ranks replicas in an election and is gossiped in every header;
 * - `last_interaction` and `repl_down_since`, the failover data-age gate (§3.1);
 * - the link state (`master_link_status`).
 *
 * The data travels with the offsets (data-keyspace.ts holds it): each write is a stream message
 * carrying its key and seq, a full sync carries a snapshot of the primary's data (the RDB), and a
 * partial sync the writes of the backlog the replica misses (write-backlog.ts). A replica acks its
 * offset (REPLCONF ACK) when a GETACK follows a write, for WAIT (wait.ts).
 *
 * The handshake's several round trips are one here (PSYNC and its answer); an RDB transfer takes
 * no time.
 */
import { CONN_REPL, type Connection } from '../connection.ts';
import {
  MSG_REPL_ACK,
  MSG_REPL_COMMAND,
  MSG_REPL_PSYNC,
  MSG_REPL_REPLY,
  MSG_REPL_STREAM,
  type Message,
} from '../message.ts';
import {
  REPL_BACKLOG_BYTES,
  REPL_PING_BYTES,
  REPL_PING_REPLICA_PERIOD_MS,
  REPL_TIMEOUT_MS,
  REPLICATION_CRON_PERIOD_MS,
} from './constants.ts';
import { REPL_CONNECT, REPL_CONNECTED, REPL_CONNECTING, REPL_NONE, ReplicaEnd } from './replication-state.ts';
import type { ValkeyServer } from './server.ts';
import { decodeOpenSlots, encodeOpenSlots, onReplicaAck, onReplicatedSetSlot } from './slot-migration.ts';
import { onReplicaAckForWait, serveWaits, unblockWaits } from './wait.ts';

const PRIMARY_ENDPOINT = 'primary';

/** replicationGetReplicaOffset. */
export function replicaOffset(server: ValkeyServer): number {
  return server.replication.cached ? server.replication.offset : 0;
}

/** master_link_status:up. */
export function replicationLinkUp(server: ValkeyServer): boolean {
  return server.replication.state === REPL_CONNECTED;
}

/**
 * The data age of clusterHandleReplicaFailover, in whole seconds as Valkey computes it
 * (`unixtime - last_interaction` or `unixtime - repl_down_since`, times 1000).
 */
export function dataAgeMs(server: ValkeyServer): number {
  const replication = server.replication;
  const nowSec = Math.floor(server.nowMs / 1000);
  if (replication.state === REPL_CONNECTED) return (nowSec - Math.floor(replication.lastInteractionAtMs / 1000)) * 1000;
  // repl_down_since 0 (restarted, never connected) reads as down since 1970, like Valkey.
  return (nowSec - Math.floor(replication.downSinceAtMs / 1000)) * 1000;
}

/** replicationSetPrimary: follow the node at `address`, psync if allowed, else a full sync. */
export function setPrimary(server: ValkeyServer, address: number, fullSyncRequired: boolean): void {
  const replication = server.replication;
  const wasPrimary = replication.primaryAddress < 0;
  if (wasPrimary) unblockWaits(server);
  replication.primaryAddress = -1;
  if (replication.state === REPL_CONNECTED) {
    // freeClient(server.primary): the primary is cached unless a full sync is required.
    closeLink(server);
    if (fullSyncRequired) replication.cached = false;
    replication.downSinceAtMs = server.nowMs;
  } else if (replication.state === REPL_CONNECTING) {
    closeLink(server);
  }
  replication.primaryAddress = address;
  // replicationCachePrimaryUsingMyself: a demoted primary can psync from its own offset.
  if (wasPrimary) replication.cached = !fullSyncRequired;
  replication.state = REPL_CONNECT;
  connectWithPrimary(server);
}

/** replicationUnsetPrimary: become a primary with a new replication id. */
export function unsetPrimary(server: ValkeyServer): void {
  const replication = server.replication;
  if (replication.primaryAddress < 0) return;
  replication.primaryAddress = -1;
  closeLink(server);
  replication.cached = false;
  replication.syncedAddress = -1;
  replication.syncedRunId = -1;
  shiftReplicationId(server);
  disconnectReplicas(server);
  replication.state = REPL_NONE;
  replication.downSinceAtMs = 0;
  if (replication.backlogStartOffset < 0) replication.backlogStartOffset = replication.offset + 1;
}

export function connectWithPrimary(server: ValkeyServer): void {
  const replication = server.replication;
  if (replication.primaryAddress < 0 || replication.state !== REPL_CONNECT) return;
  const connection = server.env.network.connect(
    CONN_REPL,
    server.processIndex,
    replication.primaryAddress,
    new ReplicaEnd(),
  );
  if (connection === null) return; // refused: replicationCron retries every second
  replication.connection = connection;
  replication.state = REPL_CONNECTING;
  replication.handshakeStartedAtMs = server.nowMs;
}

/** The replica's TCP connect completed: send PSYNC with what it has. */
export function onConnected(server: ValkeyServer, connection: Connection): void {
  const replication = server.replication;
  if (connection !== replication.connection || replication.state !== REPL_CONNECTING) return;
  const message = server.env.network.pool.acquire(MSG_REPL_PSYNC);
  message.replId = replication.cached ? replication.replId : -1;
  message.offset = replication.cached ? replication.offset + 1 : -1;
  server.env.network.send(connection, true, message);
}

export function onRefused(server: ValkeyServer, connection: Connection): void {
  const replication = server.replication;
  if (connection !== replication.connection) return;
  replication.connection = null;
  replication.state = REPL_CONNECT;
}

/** One end of a replication connection saw the other close it. */
export function onClosed(server: ValkeyServer, connection: Connection, atInitiator: boolean): void {
  if (!atInitiator) {
    removeReplicaConnection(server, connection);
    server.env.network.close(connection, false);
    return;
  }
  if (connection === server.replication.connection) primaryLinkLost(server);
}

export function onMessage(server: ValkeyServer, connection: Connection, toInitiator: boolean, message: Message): void {
  if (!toInitiator) {
    if (message.type === MSG_REPL_PSYNC) answerPsync(server, connection, message);
    else if (message.type === MSG_REPL_ACK) {
      onReplicaAck(server, connection, message.offset);
      onReplicaAckForWait(server, connection, message.offset);
    }
    return;
  }
  const replication = server.replication;
  if (connection !== replication.connection) return;
  if (message.type === MSG_REPL_REPLY && replication.state === REPL_CONNECTING) syncDone(server, message);
  else if (message.type === MSG_REPL_STREAM && replication.state === REPL_CONNECTED) {
    if (message.offset < replication.offset)
      throw new Error(`replication: offset went back on process ${server.processIndex}`);
    replication.offset = message.offset;
    replication.lastInteractionAtMs = server.nowMs;
    if (message.key >= 0) {
      server.keyspace.apply(message.key, message.seq);
      replication.writes.push(message.offset, message.key, message.seq);
    }
    streamToReplicas(server, message.key, message.seq, false);
    if (message.getAck) sendAck(server, connection);
  } else if (message.type === MSG_REPL_COMMAND && replication.state === REPL_CONNECTED) {
    onReplicatedSetSlot(server, connection, message);
  }
}

/** Adds bytes that change no key to the stream (the primary's replication PING, a SETSLOT). */
export function feedStream(server: ValkeyServer, bytes: number): void {
  server.replication.offset += bytes;
  if (server.replication.backlogStartOffset < 0) server.replication.backlogStartOffset = server.replication.offset;
  streamToReplicas(server, -1, 0, false);
}

/**
 * Adds a write (seq 0: DEL) to the stream and the backlog; `requestAck` puts a GETACK behind it,
 * as a primary does when a client waits in WAIT.
 */
export function feedWrite(server: ValkeyServer, bytes: number, key: number, seq: number, requestAck: boolean): void {
  const replication = server.replication;
  replication.offset += bytes;
  if (replication.backlogStartOffset < 0) replication.backlogStartOffset = replication.offset;
  replication.writes.push(replication.offset, key, seq);
  streamToReplicas(server, key, seq, requestAck);
}

/**
 * replicationCron, once a second: handshake and link timeouts, reconnects, a replica's ACK to its
 * primary, a primary's PING to its replicas.
 */
export function replicationCron(server: ValkeyServer): void {
  const replication = server.replication;
  const nowMs = server.nowMs;
  if (replication.state === REPL_CONNECTING && nowMs - replication.handshakeStartedAtMs > REPL_TIMEOUT_MS) {
    closeLink(server);
    replication.state = REPL_CONNECT;
  }
  if (replication.state === REPL_CONNECTED && nowMs - replication.lastInteractionAtMs > REPL_TIMEOUT_MS) {
    primaryLinkLost(server);
  }
  if (replication.state === REPL_CONNECT) connectWithPrimary(server);
  if (replication.state === REPL_CONNECTED) sendPeriodicAck(server);
  if (replication.waits.length > 0) serveWaits(server);
  const pingEvery = REPL_PING_REPLICA_PERIOD_MS / REPLICATION_CRON_PERIOD_MS;
  if (
    replication.cronLoops % pingEvery === 0 &&
    replication.replicaConnections.length > 0 &&
    replication.primaryAddress < 0 &&
    server.nowMs >= server.writesPausedUntilMs
  ) {
    feedStream(server, REPL_PING_BYTES);
  }
  replication.cronLoops++;
}

// --- internals -------------------------------------------------------------------------------

/** replicationHandlePrimaryDisconnection: down since now, keep the cached primary, reconnect. */
function primaryLinkLost(server: ValkeyServer): void {
  const replication = server.replication;
  const wasConnected = replication.state === REPL_CONNECTED;
  closeLink(server);
  if (wasConnected) replication.downSinceAtMs = server.nowMs;
  replication.state = REPL_CONNECT;
  connectWithPrimary(server);
}

function closeLink(server: ValkeyServer): void {
  const replication = server.replication;
  if (replication.connection !== null) server.env.network.close(replication.connection, true);
  replication.connection = null;
}

/** primaryTryPartialResynchronization, then the full sync if it fails. */
function answerPsync(server: ValkeyServer, connection: Connection, request: Message): void {
  const replication = server.replication;
  const reply = server.env.network.pool.acquire(MSG_REPL_REPLY);
  const sameHistory =
    request.replId === replication.replId ||
    (request.replId === replication.replId2 && request.offset <= replication.secondReplIdOffset);
  const inBacklog =
    replication.backlogStartOffset >= 0 &&
    request.offset >= Math.max(replication.backlogStartOffset, replication.offset - REPL_BACKLOG_BYTES) &&
    request.offset <= replication.offset + 1;
  // The request names the next byte the replica needs: it holds every write up to request.offset - 1.
  const replicaHasOffset = request.offset - 1;
  reply.fullSync = !(request.replId >= 0 && sameHistory && inBacklog && replication.writes.covers(replicaHasOffset));
  reply.replId = replication.replId;
  reply.offset = replication.offset;
  reply.runId = replication.runId;
  if (reply.fullSync) {
    reply.snapshot = server.keyspace.snapshot();
    reply.openSlots = encodeOpenSlots(server);
  } else reply.writes = replication.writes.writesAfter(replicaHasOffset);
  if (replication.backlogStartOffset < 0) replication.backlogStartOffset = replication.offset + 1;
  connection.acceptorEndpoint = PRIMARY_ENDPOINT;
  if (!replication.replicaConnections.includes(connection)) replication.replicaConnections.push(connection);
  server.env.network.send(connection, false, reply);
}

/** The primary's answer arrived: the replica is in sync from here on. */
function syncDone(server: ValkeyServer, reply: Message): void {
  const replication = server.replication;
  if (reply.fullSync) {
    loadSnapshot(server, reply);
    if (reply.openSlots !== null) decodeOpenSlots(server, reply.openSlots);
    replication.replId = reply.replId;
    replication.replId2 = -1;
    replication.secondReplIdOffset = -1;
    replication.offset = reply.offset;
    replication.backlogStartOffset = reply.offset + 1;
    replication.writes.reset(reply.offset);
    disconnectReplicas(server);
  } else {
    if (reply.replId !== replication.replId) {
      // +CONTINUE with a new id: the primary was promoted; keep the old id as replid2.
      replication.replId2 = replication.replId;
      replication.secondReplIdOffset = replication.offset + 1;
      replication.replId = reply.replId;
      disconnectReplicas(server);
    }
    applyMissedWrites(server, reply.writes!);
    replication.offset = reply.offset;
  }
  replication.syncedAddress = replication.primaryAddress;
  replication.syncedRunId = reply.runId;
  replication.cached = true;
  replication.state = REPL_CONNECTED;
  replication.lastInteractionAtMs = server.nowMs;
  replication.downSinceAtMs = 0;
  // readSyncBulkPayload: "Send the initial ACK immediately to put this replica in online state."
  if (reply.fullSync) sendPeriodicAck(server);
}

/**
 * The RDB of a full sync replaces my data. If the primary I last synced from is the same process
 * but started again since (another run id), it came back empty from an injected kill: what I lose
 * here is lost through that fault, not through a Valkey rule, and is reported as such.
 */
function loadSnapshot(server: ValkeyServer, reply: Message): void {
  const replication = server.replication;
  const snapshot = reply.snapshot!;
  const primaryRestarted =
    replication.syncedRunId >= 0 &&
    replication.syncedAddress === replication.primaryAddress &&
    replication.syncedRunId !== reply.runId;
  if (primaryRestarted && server.keyspace.losesTo(snapshot))
    server.env.dataLost(server.processIndex, 'full sync from its restarted primary');
  server.keyspace.replaceWith(snapshot);
}

/** +CONTINUE: the backlog's writes after my offset, applied in order and passed down. */
function applyMissedWrites(server: ValkeyServer, writes: readonly number[]): void {
  const replication = server.replication;
  for (let i = 0; i < writes.length; i += 3) {
    const endOffset = writes[i]!;
    const key = writes[i + 1]!;
    const seq = writes[i + 2]!;
    server.keyspace.apply(key, seq);
    replication.writes.push(endOffset, key, seq);
    replication.offset = endOffset;
    streamToReplicas(server, key, seq, false);
  }
}

/** REPLCONF ACK <offset> to my primary, answering a GETACK. */
function sendAck(server: ValkeyServer, connection: Connection): void {
  const ack = server.env.network.pool.acquire(MSG_REPL_ACK);
  ack.offset = server.replication.offset;
  server.env.network.send(connection, true, ack);
}

/**
 * replicationSendAck outside a GETACK (replicationCron, the end of a full sync): the replica's
 * offset reaches its primary's `repl_ack_off` (ReplicaEnd says how, and what that leaves out).
 */
function sendPeriodicAck(server: ValkeyServer): void {
  const connection = server.replication.connection;
  if (connection === null || server.env.network.partitioned(server.processIndex, connection.acceptor)) return;
  (connection.initiatorEndpoint as ReplicaEnd).ackedOffset = server.replication.offset;
}

/** On a primary: the offset the replica on `connection` last acknowledged (-1: none yet, or gone). */
export function periodicAckOf(connection: Connection): number {
  const end = connection.initiatorEndpoint;
  return end instanceof ReplicaEnd ? end.ackedOffset : -1;
}

/** shiftReplicationId: a promoted replica keeps its history as replid2. */
function shiftReplicationId(server: ValkeyServer): void {
  const replication = server.replication;
  replication.replId2 = replication.replId;
  replication.secondReplIdOffset = replication.offset + 1;
  replication.replId = server.env.nextReplId();
}

function disconnectReplicas(server: ValkeyServer): void {
  const replication = server.replication;
  for (const connection of replication.replicaConnections) server.env.network.close(connection, false);
  replication.replicaConnections.length = 0;
  replication.ackedOffsets.clear();
}

function removeReplicaConnection(server: ValkeyServer, connection: Connection): void {
  const list = server.replication.replicaConnections;
  const index = list.indexOf(connection);
  if (index >= 0) list.splice(index, 1);
  server.replication.ackedOffsets.delete(connection);
}

/** The stream to my replicas: my offset now, and the write that moved it (key -1: none). */
function streamToReplicas(server: ValkeyServer, key: number, seq: number, getAck: boolean): void {
  const replication = server.replication;
  const network = server.env.network;
  for (const connection of replication.replicaConnections) {
    const message = network.pool.acquire(MSG_REPL_STREAM);
    message.offset = replication.offset;
    message.key = key;
    message.seq = seq;
    message.getAck = getAck;
    network.send(connection, false, message);
  }
}
