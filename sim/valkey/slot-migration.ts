/**
 * CLUSTER SETSLOT <slot> MIGRATING|IMPORTING|STABLE|NODE (protocol reference §5.5), 8.0.1:
 * - the checks of clusterParseSetSlotCommand (only on primaries unless it came from my primary;
 *   MIGRATING only on the owner, IMPORTING not on the owner, NODE refuses to give away a slot
 *   that still holds keys);
 * - 8.0's replication of SETSLOT (#445): a primary with online replicas sends the command down the
 *   replication stream first, with a GETACK, and runs it only once as many replicas as were online
 *   acked it; the client's wait times out after 2000 ms with -NOREPLICAS and the primary never
 *   runs it, while the replicas already have;
 * - the effect: open states, and for NODE the rebinding, the move of a replica (or an empty
 *   primary, with replica migration allowed) whose shard lost its last slot to the new owner, and
 *   on the importing primary the end of the import with an epoch bumped without consensus and a
 *   PONG to everyone (the only way the new owner's claim beats the source's epoch).
 * What open slots do on slot rebinding (failovers in the source or target shard, the auto-claim)
 * is in slots.ts; open slots in nodes.conf are in nodes-conf.ts.
 */
import type { Connection } from '../connection.ts';
import { MSG_REPL_ACK, MSG_REPL_COMMAND, type Message } from '../message.ts';
import { isPrimary, isReplica, type ClusterNode } from './cluster-node.ts';
import { OPERATION_TIMEOUT_MS, TODO_FSYNC_CONFIG, TODO_SAVE_CONFIG, TODO_UPDATE_STATE } from './constants.ts';
import { bumpConfigEpochWithoutConsensus } from './epochs.ts';
import { feedStream } from './replication.ts';
import { setPrimary } from './roles.ts';
import {
  SETSLOT_IMPORTING,
  SETSLOT_MIGRATING,
  SETSLOT_NODE,
  SETSLOT_STABLE,
  type SetSlotOp,
  type SetSlotWait,
} from './blocked-clients.ts';
import { broadcastConfig } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';

export {
  SETSLOT_IMPORTING,
  SETSLOT_MIGRATING,
  SETSLOT_NODE,
  SETSLOT_STABLE,
  type SetSlotOp,
  type SetSlotWait,
} from './blocked-clients.ts';

/** The client's default wait for the replicas' acks (CLUSTER_OPERATION_TIMEOUT). */
export const SETSLOT_TIMEOUT_MS = OPERATION_TIMEOUT_MS;
/** Bytes the propagated command and its REPLCONF GETACK add to the replication stream. */
const SETSLOT_STREAM_BYTES = 102;
const GETACK_STREAM_BYTES = 37;

/**
 * CLUSTER SETSLOT from a client. `reply` gets null (OK) or the error text: at once, or, on a
 * primary with online replicas, once they acked. Returns the wait in that case, which the client
 * gives up on with `abandonSetSlot` when its timeout passes.
 */
export function clusterSetSlot(
  server: ValkeyServer,
  slot: number,
  op: SetSlotOp,
  nodeIdentity: number,
  reply: (error: string | null) => void,
): SetSlotWait | null {
  const error = checkSetSlot(server, slot, op, nodeIdentity, false);
  if (error !== null) {
    reply(error);
    return null;
  }
  const replicaConnections = server.replication.replicaConnections;
  if (isPrimary(server.myself) && server.myself.replicas.length > 0 && replicaConnections.length > 0) {
    const wait: SetSlotWait = {
      slot,
      op,
      nodeIdentity,
      targetOffset: server.replication.offset + 1,
      needed: replicaConnections.length,
      acked: [],
      reply,
    };
    server.setSlotWaits.push(wait);
    propagate(server, slot, op, nodeIdentity);
    return wait;
  }
  applySetSlot(server, slot, op, server.lookup(nodeIdentity));
  reply(null);
  return null;
}

/** The client's timeout: a wait still pending is dropped and answered -NOREPLICAS. */
export function abandonSetSlot(server: ValkeyServer, wait: SetSlotWait): boolean {
  const index = server.setSlotWaits.indexOf(wait);
  if (index < 0) return false;
  server.setSlotWaits.splice(index, 1);
  wait.reply('NOREPLICAS Not enough good replicas to write.');
  return true;
}

/**
 * The replica side: SETSLOT arrived in the replication stream; run it as the primary client (its
 * errors go nowhere), then answer the GETACK behind it with REPLCONF ACK <offset>.
 */
export function onReplicatedSetSlot(server: ValkeyServer, connection: Connection, message: Message): void {
  const slot = message.commandSlot;
  const op = message.commandOp as SetSlotOp;
  if (checkSetSlot(server, slot, op, message.about, true) === null)
    applySetSlot(server, slot, op, server.lookup(message.about));
  const ack = server.env.network.pool.acquire(MSG_REPL_ACK);
  ack.offset = server.replication.offset;
  server.env.network.send(connection, true, ack);
}

/** The primary side: a replica acked `offset`; blocked SETSLOTs it completes run now. */
export function onReplicaAck(server: ValkeyServer, connection: Connection, offset: number): void {
  const waits = server.setSlotWaits;
  for (let i = 0; i < waits.length; i++) {
    const wait = waits[i]!;
    if (offset < wait.targetOffset || wait.acked.includes(connection)) continue;
    wait.acked.push(connection);
    if (wait.acked.length < wait.needed) continue;
    waits.splice(i--, 1);
    // replication_done: the command runs again and its checks with it.
    const error = checkSetSlot(server, wait.slot, wait.op, wait.nodeIdentity, false);
    if (error === null) applySetSlot(server, wait.slot, wait.op, server.lookup(wait.nodeIdentity));
    wait.reply(error);
  }
}

/**
 * clusterEncodeOpenSlotsAuxField: the RDB of a full sync carries the primary's open slots
 * (importing, then migrating); null when none is open.
 */
export function encodeOpenSlots(server: ValkeyServer): number[] | null {
  if (server.importingSlotsFrom.size + server.migratingSlotsTo.size === 0) return null;
  const encoded: number[] = [];
  for (const [slot, node] of server.importingSlotsFrom) encoded.push(slot, 1, node.identity);
  for (const [slot, node] of server.migratingSlotsTo) encoded.push(slot, 0, node.identity);
  return encoded;
}

/**
 * clusterDecodeOpenSlotsAuxField, on the replica that loads the RDB: set each open slot. Valkey
 * creates a node it does not know with no address; the model skips such a slot instead.
 */
export function decodeOpenSlots(server: ValkeyServer, encoded: readonly number[]): void {
  for (let i = 0; i < encoded.length; i += 3) {
    const node = server.lookup(encoded[i + 2]!);
    if (node === null) continue;
    (encoded[i + 1] === 1 ? server.importingSlotsFrom : server.migratingSlotsTo).set(encoded[i]!, node);
  }
}

/** forceCommandPropagation + replicationRequestAckFromReplicas. */
function propagate(server: ValkeyServer, slot: number, op: SetSlotOp, nodeIdentity: number): void {
  feedStream(server, SETSLOT_STREAM_BYTES + GETACK_STREAM_BYTES);
  const network = server.env.network;
  for (const connection of server.replication.replicaConnections) {
    const message = network.pool.acquire(MSG_REPL_COMMAND);
    message.offset = server.replication.offset;
    message.commandOp = op;
    message.commandSlot = slot;
    message.about = nodeIdentity;
    network.send(connection, false, message);
  }
}

/** clusterParseSetSlotCommand's checks: null when the command may run. */
function checkSetSlot(
  server: ValkeyServer,
  slot: number,
  op: SetSlotOp,
  nodeIdentity: number,
  fromPrimary: boolean,
): string | null {
  const myself = server.myself;
  if (!fromPrimary && isReplica(myself)) return 'ERR Please use SETSLOT only with masters.';
  const node = server.lookup(nodeIdentity);
  const nodeName = (): string => server.env.identities.nodes.name(nodeIdentity);
  switch (op) {
    case SETSLOT_MIGRATING:
      if (isPrimary(myself) && server.ownerOf(slot) !== myself) return `ERR I'm not the owner of hash slot ${slot}`;
      if (node === null) return `ERR I don't know about node ${nodeName()}`;
      return isReplica(node) ? 'ERR Target node is not a master' : null;
    case SETSLOT_IMPORTING:
      if (server.ownerOf(slot) === myself) return `ERR I'm already the owner of hash slot ${slot}`;
      if (node === null) return `ERR I don't know about node ${nodeName()}`;
      return isReplica(node) ? 'ERR Target node is not a master' : null;
    case SETSLOT_STABLE:
      return null;
    case SETSLOT_NODE:
      if (node === null) return `ERR Unknown node ${nodeName()}`;
      if (isReplica(node)) return 'ERR Target node is not a master';
      if (server.ownerOf(slot) === myself && node !== myself && server.keyspace.countKeysInSlot(slot) !== 0) {
        return `ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`;
      }
      return null;
  }
}

/** The command's effect, once checked (and, on a primary with replicas, acked). */
function applySetSlot(server: ValkeyServer, slot: number, op: SetSlotOp, node: ClusterNode | null): void {
  if (op === SETSLOT_STABLE) {
    server.importingSlotsFrom.delete(slot);
    server.migratingSlotsTo.delete(slot);
  } else if (node === null) {
    throw new Error(`SETSLOT on process ${server.processIndex}: node vanished between the check and the effect`);
  } else if (op === SETSLOT_MIGRATING) {
    server.migratingSlotsTo.set(slot, node);
  } else if (op === SETSLOT_IMPORTING) {
    server.importingSlotsFrom.set(slot, node);
  } else {
    assignSlot(server, slot, node);
  }
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE);
}

/** SETSLOT <slot> NODE <node>. */
function assignSlot(server: ValkeyServer, slot: number, node: ClusterNode): void {
  const myself = server.myself;
  // A migrating slot without keys left is no longer migrating once assigned.
  if (server.keyspace.countKeysInSlot(slot) === 0) server.migratingSlotsTo.delete(slot);
  const myPrimary = shardPrimary(myself);
  const slotWasMine = server.ownerOf(slot) === myPrimary;
  server.delSlot(slot);
  server.addSlot(node, slot);
  if (server.env.cluster.allowReplicaMigration && slotWasMine && myPrimary.numSlots === 0) {
    if (node === myPrimary)
      throw new Error(`SETSLOT NODE on process ${server.processIndex}: my shard lost its last slot to itself`);
    // "Lost my last slot during slot migration": follow the new owner (another history, full sync).
    setPrimary(server, node, true, true);
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
  }
  // Without replica migration an emptied primary stays an empty primary.
  if ((node === myself || node === myself.replicaOf) && server.importingSlotsFrom.has(slot)) {
    server.importingSlotsFrom.delete(slot);
    if (node === myself) {
      bumpConfigEpochWithoutConsensus(server);
      broadcastConfig(server);
    }
  }
}

/** clusterNodeGetPrimary: myself or the top of my replicaof chain (bounded, as Valkey guards loops). */
function shardPrimary(node: ClusterNode): ClusterNode {
  let primary = node;
  for (let depth = 0; primary.replicaOf !== null && depth < 8; depth++) primary = primary.replicaOf;
  return primary;
}
