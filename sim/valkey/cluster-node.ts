/**
 * `clusterNode` and `clusterLink`: what one server knows about one node (itself included, with
 * NODE_MYSELF), and one end of a bus connection. Plain records; the functions that change them
 * live next to the Valkey function they model.
 *
 * The convention of every hot class (stated here once): numeric fields start as numbers. They are
 * declared with a number (`x: number = 0`), not as constructor parameter properties or bare
 * declarations: with class-field semantics those start as `undefined`, and V8 then keeps the
 * field as a generic tagged one (a check on every read) rather than a small-integer one. The hot
 * classes: ClusterNode and ClusterLink here, Direction and Connection (sim/connection.ts),
 * Network, SimProcess, ValkeyServer, ReplicationState, WriteBacklog, SlotSet, and the safety
 * monitor's PendingAck (core/invariants/acked-writes-state.ts).
 */
import type { Connection } from '../connection.ts';
import type { SlotSet } from './slot-set.ts';
import { NEVER_MS, NODE_FAIL, NODE_HANDSHAKE, NODE_PFAIL, NODE_PRIMARY, NODE_REPLICA } from './constants.ts';

export class ClusterLink {
  /** The node this link belongs to; an inbound link learns it from the first known sender. */
  node: ClusterNode | null;
  readonly inbound: boolean = false;
  readonly ctimeAtMs: number = 0;
  connection: Connection | null;

  constructor(node: ClusterNode | null, inbound: boolean, ctimeAtMs: number, connection: Connection | null) {
    this.node = node;
    this.inbound = inbound;
    this.ctimeAtMs = ctimeAtMs;
    this.connection = connection;
  }
}

export class ClusterNode {
  flags = 0;
  /** The node's address: a process index in the simulator, -1 when unknown (noaddr). */
  address = 0;
  configEpoch = 0;
  replicaOf: ClusterNode | null = null;
  /** Sorted by name, as clusterNodeAddReplica keeps them. */
  replicas: ClusterNode[] = [];
  numSlots = 0;
  /** Its slots in this server's view; null when the owner table changed since it was built. */
  slotsCache: SlotSet | null = null;
  /** Its number in its server's slot owner table (ValkeyServer.slotOwnerIds), set when added. */
  slotOwnerId = 0;
  pingSentAtMs = NEVER_MS;
  /** Set through setPongReceived, which keeps the seconds gossip sends in step. */
  pongReceivedAtMs = NEVER_MS;
  /** pong_received in whole seconds, as gossip entries carry it (one division per pong, not per entry). */
  pongReceivedSec = NEVER_MS;
  dataReceivedAtMs = NEVER_MS;
  failTimeAtMs = NEVER_MS;
  votedTimeAtMs = NEVER_MS;
  /** When I last sent it a MEET, and when its inbound link to me was last freed (8.1's #1307 rule). */
  meetSentAtMs = NEVER_MS;
  inboundLinkFreedAtMs = NEVER_MS;
  replOffset = 0;
  orphanedTimeAtMs = NEVER_MS;
  /** Failure reports: who reported this node PFAIL/FAIL, and when. */
  failReporters: ClusterNode[] = [];
  failReportTimesMs: number[] = [];
  /** Interned shard id. */
  shardId = 0;
  link: ClusterLink | null = null;
  inboundLink: ClusterLink | null = null;
  lastInPingGossip = 0;

  /** Interned node id (see identities.ts); changes when a handshake node learns its real id. */
  identity = 0;
  name = '';
  readonly ctimeAtMs: number = 0;

  constructor(identity: number, name: string, flags: number, address: number, shardId: number, ctimeAtMs: number) {
    this.identity = identity;
    this.name = name;
    this.ctimeAtMs = ctimeAtMs;
    this.inboundLinkFreedAtMs = ctimeAtMs;
    this.flags = flags;
    this.address = address;
    this.shardId = shardId;
  }
}

/** node->pong_received = atMs, with the seconds gossip entries carry. */
export function setPongReceived(node: ClusterNode, atMs: number): void {
  node.pongReceivedAtMs = atMs;
  node.pongReceivedSec = Math.floor(atMs / 1000);
}

export function isPrimary(node: ClusterNode): boolean {
  return (node.flags & NODE_PRIMARY) !== 0;
}

export function isReplica(node: ClusterNode): boolean {
  return (node.flags & NODE_REPLICA) !== 0;
}

/** clusterNodeIsVotingPrimary: a primary that owns at least one slot. */
export function isVotingPrimary(node: ClusterNode): boolean {
  return (node.flags & NODE_PRIMARY) !== 0 && node.numSlots > 0;
}

export function inHandshake(node: ClusterNode): boolean {
  return (node.flags & NODE_HANDSHAKE) !== 0;
}

export function timedOut(node: ClusterNode): boolean {
  return (node.flags & NODE_PFAIL) !== 0;
}

export function failed(node: ClusterNode): boolean {
  return (node.flags & NODE_FAIL) !== 0;
}

/** nodeEpoch: a replica shows its primary's configEpoch. */
export function nodeEpoch(node: ClusterNode): number {
  return node.replicaOf !== null ? node.replicaOf.configEpoch : node.configEpoch;
}

/** clusterNodeAddReplica: keeps the list sorted by name and sets MIGRATE_TO on the primary. */
export function addReplica(primary: ClusterNode, replica: ClusterNode, migrateToFlag: number): void {
  if (primary.replicas.includes(replica)) return;
  primary.replicas.push(replica);
  primary.replicas.sort(byName);
  primary.flags |= migrateToFlag;
}

/** clusterNodeRemoveReplica: MIGRATE_TO goes when the last replica is removed. */
export function removeReplica(primary: ClusterNode, replica: ClusterNode, migrateToFlag: number): void {
  const index = primary.replicas.indexOf(replica);
  if (index < 0) return;
  primary.replicas.splice(index, 1);
  if (primary.replicas.length === 0) primary.flags &= ~migrateToFlag;
}

/** clusterCountNonFailingReplicas. */
export function countNonFailingReplicas(node: ClusterNode): number {
  let count = 0;
  for (const replica of node.replicas) if ((replica.flags & NODE_FAIL) === 0) count++;
  return count;
}

export function setRole(node: ClusterNode, primary: boolean): void {
  node.flags = (node.flags & ~(NODE_PRIMARY | NODE_REPLICA)) | (primary ? NODE_PRIMARY : NODE_REPLICA);
}

/** A module-level comparator (a callback made per call was optimised again in every fuzz run). */
function byName(a: ClusterNode, b: ClusterNode): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
