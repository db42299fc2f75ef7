/**
 * The CLUSTER admin commands the runner and the formation send to one server (protocol reference
 * §5.1, §5.4): ADDSLOTSRANGE, SET-CONFIG-EPOCH, MEET, REPLICATE, BUMPEPOCH. Each returns null on
 * OK or Valkey's error text. FAILOVER is in manual-failover.ts.
 */
import { assertConfigEpoch } from './beliefs.ts';
import { ClusterNode, inHandshake, isPrimary, isReplica } from './cluster-node.ts';
import { NODE_HANDSHAKE, NODE_MEET, TODO_FSYNC_CONFIG, TODO_SAVE_CONFIG, TODO_UPDATE_STATE } from './constants.ts';
import { bumpConfigEpochWithoutConsensus } from './epochs.ts';
import { freeLink } from './links.ts';
import { setPrimary } from './roles.ts';
import { broadcastConfig } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';

/** CLUSTER ADDSLOTSRANGE start end: refused if any slot is already assigned. */
export function addSlotsRange(server: ValkeyServer, start: number, end: number): string | null {
  for (let slot = start; slot <= end; slot++) {
    if (server.ownerOf(slot) !== null) return `ERR Slot ${slot} is already busy`;
  }
  // Every slot is free, so binding the range is clusterAddSlot on each.
  server.bindRange(server.myself, start, end);
  server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  return null;
}

/** CLUSTER SET-CONFIG-EPOCH: only on a node that knows no other node and has epoch 0. */
export function setConfigEpoch(server: ValkeyServer, epoch: number): string | null {
  if (epoch < 0) return `ERR Invalid config epoch specified: ${epoch}`;
  if (server.nodes.length > 1)
    return 'ERR The user can assign a config epoch only when the node does not know any other node.';
  if (server.myself.configEpoch !== 0) return 'ERR Node config epoch is already non-zero';
  server.myself.configEpoch = epoch;
  if (server.currentEpoch < epoch) server.currentEpoch = epoch;
  assertConfigEpoch(server, server.myself);
  server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  return null;
}

/** CLUSTER MEET: start a handshake with the node at `address` unless one is in progress. */
export function meet(server: ValkeyServer, address: number): string | null {
  for (const node of server.nodes) {
    if (inHandshake(node) && node.address === address) return null; // EAGAIN still replies OK
  }
  const identities = server.env.identities;
  const identity = identities.freshNode(server.rng, -1);
  const node = new ClusterNode(
    identity,
    identities.nodes.name(identity),
    NODE_HANDSHAKE | NODE_MEET,
    address,
    identities.shards.placeholder(),
    server.nowMs,
  );
  server.addNode(node);
  return null;
}

/**
 * CLUSTER REPLICATE <node id>: a known node that is not a replica (8.0.1 checks the REPLICA flag,
 * so a node still in handshake passes); a primary must be empty; OK at once if it already is my
 * primary; else a full sync (closing my open slots) and a PONG to everyone.
 */
export function replicate(server: ValkeyServer, identity: number): string | null {
  const node = server.lookup(identity);
  if (node === null) return `ERR Unknown node ${server.env.identities.nodes.name(identity)}`;
  if (node === server.myself) return "ERR Can't replicate myself";
  if (isReplica(node)) return 'ERR I can only replicate a master, not a replica.';
  if (isPrimary(server.myself) && (server.myself.numSlots !== 0 || server.keyspace.keyCount() !== 0)) {
    return 'ERR To set a master the node must be empty and without assigned slots.';
  }
  if (server.myself.replicaOf === node) return null;
  setPrimary(server, node, true, true);
  broadcastConfig(server);
  server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  return null;
}

/** CLUSTER BUMPEPOCH: BUMPED or STILL, and the epoch. */
export function bumpEpoch(server: ValkeyServer): { bumped: boolean; epoch: number } {
  const bumped = bumpConfigEpochWithoutConsensus(server);
  if (bumped) server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  return { bumped, epoch: server.myself.configEpoch };
}

/** DEBUG CLUSTERLINK KILL all <every node>: free both links of every node (the cron reconnects). */
export function killLinks(server: ValkeyServer): void {
  for (const node of [...server.nodes]) {
    if (node.link !== null) freeLink(server, node.link);
    if (node.inboundLink !== null) freeLink(server, node.inboundLink);
  }
}
