/**
 * One simulated valkey-server 8.0.1 in cluster mode: the state of `clusterState` plus the
 * replication state, and the small helpers every rule uses (node table, slot table, deferred
 * work). The rules themselves live in the files named after the Valkey functions they model
 * (cron.ts, packet.ts, gossip.ts, failure-detection.ts, election.ts, epochs.ts, slots.ts, ...).
 *
 * A server lives as long as its process: kill drops it, restart builds a new one from the
 * persisted nodes.conf (nodes-conf.ts). It is synchronous and reads time from the scheduler.
 */
import { assert, assertIndex } from '../../core/assert.ts';
import type { ClusterConfig } from '../../core/scenario/types.ts';
import type { Rng } from '../../core/rng.ts';
import type { Wire } from '../connection.ts';
import type { Scheduler } from '../scheduler.ts';
import { type ClusterNode, addReplica, removeReplica } from './cluster-node.ts';
import type { ClusterLink } from './cluster-node.ts';
import { CLUSTER_FAIL, NEVER_MS, NODE_MIGRATE_TO, NODE_REPLICA, VALKEY_CLOCK_OFFSET_MS } from './constants.ts';
import type { Identities } from './identities.ts';
import type { NodesConf } from './nodes-conf-snapshot.ts';
import type { DataKeyspace } from './data-keyspace.ts';
import type { ProtocolProfile } from './profiles.ts';
import { ReplicationState } from './replication-state.ts';
import type { NodeClock } from './node-clock.ts';
import type { SetSlotWait } from './blocked-clients.ts';
import { CLUSTER_SLOTS, type SlotSet, type SlotSetTable } from './slot-set.ts';

/** What a server needs from its world. */
export interface ServerEnv {
  readonly scheduler: Scheduler;
  readonly network: Wire;
  readonly identities: Identities;
  readonly slotSets: SlotSetTable;
  readonly cluster: ClusterConfig;
  /** Which release's rules the server follows (profiles.ts; valkey-8.0 unless the scenario names another). */
  readonly profile: ProtocolProfile;
  /** A new replication id (runs draw them in order, so they are deterministic). */
  nextReplId(): number;
  /** Writes nodes.conf for a process (atomic rename: a later kill keeps it). */
  persist(processIndex: number, conf: NodesConf): void;
  voteGranted(voterProcess: number, candidateIdentity: number, epoch: number): void;
  /** A client's WAIT after its write of `key` (seq) reached enough replicas (wait.ts). */
  writeAcked(processIndex: number, key: number, seq: number): void;
  /** MIGRATE moved these keys (workload key numbers) from one process's data to another's. */
  keysMigrated(fromProcess: number, toProcess: number, keys: readonly number[]): void;
  /** The node lost data through an injected fault that reached it indirectly (replication.ts). */
  dataLost(processIndex: number, cause: string): void;
  electionWon(processIndex: number, epoch: number, consensus: boolean): void;
  /** The node's own wall clock (clock faults); absent: every node reads the world's clock. */
  clockOf?(processIndex: number): NodeClock;
}

/** Slot owner tables of servers that are gone (their process died, their run ended), for new servers to reuse. */
const freeSlotTables: Int32Array[] = [];
const MAX_FREE_SLOT_TABLES = 64;

function takeSlotTable(): Int32Array {
  const table = freeSlotTables.pop();
  if (table === undefined) return new Int32Array(CLUSTER_SLOTS);
  table.fill(0);
  return table;
}

/** The server's process is gone for good: its slot table and backlog go back for reuse. Never use it after. */
export function retireServer(server: ValkeyServer): void {
  if (freeSlotTables.length < MAX_FREE_SLOT_TABLES) freeSlotTables.push(server.slotOwnerIds);
  server.replication.writes.retire();
}

export class ValkeyServer {
  myself: ClusterNode;
  /** The node dictionary in a fixed (insertion) order; myself included. */
  readonly nodes: ClusterNode[] = [];
  /** Node by identity (identities are small integers, so a sparse array beats a Map). */
  private readonly byIdentity: Array<ClusterNode | undefined> = [];
  /**
   * clusterState.slots: the owner of each slot in this server's view, as the owner's slotOwnerId
   * (0: none; ownerById turns it into the node). Numbers, not node references: a failover rebinds
   * a whole shard's slots on every node, and filling 5461 entries of a reference table with a
   * node still in V8's young generation took a write barrier's slow path per entry.
   */
  readonly slotOwnerIds: Int32Array = takeSlotTable();
  /** Node by slotOwnerId, in the order the nodes were added (0: none). */
  private readonly ownersById: Array<ClusterNode | null> = [null];
  readonly ownerNotClaiming = new Uint8Array(CLUSTER_SLOTS);
  currentEpoch = 0;
  lastVoteEpoch = 0;
  state = CLUSTER_FAIL;
  /** Voting primaries, as the last clusterUpdateState counted them. */
  size = 0;
  todoBeforeSleep = 0;
  /** saveConfig's two snapshots, written in turn, and the one to write next. */
  readonly confBuffers: Array<NodesConf | null> = [null, null];
  confNext = 0;
  /**
   * Bus messages queued on a connected link so far, and the count when beforeSleep last finished:
   * a difference means a write handler is pending, so the event loop comes round again at once.
   */
  busWritesQueued = 0;
  busWritesAtSleep = 0;
  statsPfailNodes = 0;
  cronIteration = 0;
  pingsSent = 0;
  /** clusterUpdateState's statics: first call and the last time we were in a minority. */
  firstStateCallAtMs = NEVER_MS;
  amongMinorityAtMs = NEVER_MS;
  failoverAuthTimeAtMs = NEVER_MS;
  failoverAuthCount = 0;
  failoverAuthSent = false;
  failoverAuthRank = 0;
  failoverAuthEpoch = 0;
  /** clusterGetFailedPrimaryRank at scheduling (8.1's #1018 rule; stays 0 under valkey-8.0). */
  failoverFailedPrimaryRank = 0;
  /** Manual failover: deadline (0 = none), can-start, the replica (on the primary), offset. */
  mfEndAtMs = NEVER_MS;
  mfCanStart = false;
  mfReplica: ClusterNode | null = null;
  mfPrimaryOffset = -1;
  /** The cron's orphaned-primary counts, read by the replica-migration gate. */
  readonly migrationStats = { orphanedPrimaries: 0, maxReplicas: 0, thisReplicas: 0 };
  /** The FORGET blacklist: node identity to the unix second after which it may be re-added. */
  readonly blacklist = new Map<number, number>();
  /** migrating_slots_to / importing_slots_from: the open slots (few at a time), slot to node. */
  readonly migratingSlotsTo = new Map<number, ClusterNode>();
  readonly importingSlotsFrom = new Map<number, ClusterNode>();
  /** SETSLOTs blocked until the replicas ack them (slot-migration.ts). */
  readonly setSlotWaits: SetSlotWait[] = [];
  /** The keys this node holds (data-keyspace.ts, through keyspace.ts's hook for the cluster code). */
  readonly keyspace: DataKeyspace;
  /** Client writes paused until (manual failover on a primary). */
  writesPausedUntilMs = NEVER_MS;
  /** server.shutdown_asap: a SIGTERM arrived, the next cron acts on it (shutdown.ts). */
  shutdownAsap = false;
  /** server.shutdown_mstime: waiting for replicas until then (client writes paused); 0: not waiting. */
  shutdownDeadlineAtMs = NEVER_MS;
  readonly replication: ReplicationState;
  /** env.scheduler, one load closer: the clock is read many times per message. */
  private readonly scheduler: Scheduler;
  /** The node's wall clock when a clock fault moved it (node-clock.ts); null: the world's. */
  private readonly clock: NodeClock | null;

  readonly env: ServerEnv;
  readonly processIndex: number = 0;
  readonly rng: Rng;

  /**
   * `keyspaceOf` makes the server's keyspace (server-boot.ts injects the data model, whose writes
   * feed this server's replication stream).
   */
  constructor(
    env: ServerEnv,
    processIndex: number,
    rng: Rng,
    myself: ClusterNode,
    keyspaceOf: (server: ValkeyServer) => DataKeyspace,
  ) {
    this.env = env;
    this.processIndex = processIndex;
    this.rng = rng;
    this.scheduler = env.scheduler;
    this.clock = env.clockOf?.(processIndex) ?? null;
    this.myself = myself;
    this.addNode(myself);
    this.replication = new ReplicationState(env.nextReplId());
    this.keyspace = keyspaceOf(this);
  }

  /**
   * mstime(): the simulated clock as unix milliseconds (see VALKEY_CLOCK_OFFSET_MS), in whole
   * milliseconds as Valkey reads it; the simulated clock itself runs in fractions (network hops).
   */
  get nowMs(): number {
    const worldMs = Math.floor(this.scheduler.nowMs);
    const clock = this.clock;
    return (clock === null || clock.exact ? worldMs : clock.wallMs(worldMs)) + VALKEY_CLOCK_OFFSET_MS;
  }

  get nodeTimeoutMs(): number {
    return this.env.cluster.nodeTimeoutMs;
  }

  lookup(identity: number): ClusterNode | null {
    return identity < 0 ? null : (this.byIdentity[identity] ?? null);
  }

  /** clusterAddNode. */
  addNode(node: ClusterNode): void {
    if (this.lookup(node.identity) !== null)
      throw new Error(`server ${this.processIndex}: node ${node.name} added twice`);
    if (node.slotOwnerId !== 0)
      throw new Error(`server ${this.processIndex}: node ${node.name} already has a slot owner number`);
    this.setIdentity(node.identity, node);
    this.nodes.push(node);
    node.slotOwnerId = this.ownersById.length;
    this.ownersById.push(node);
  }

  /** clusterRenameNode: a handshake node takes its real id. */
  renameNode(node: ClusterNode, identity: number): void {
    this.setIdentity(node.identity, undefined);
    node.identity = identity;
    node.name = this.env.identities.nodes.name(identity);
    this.setIdentity(identity, node);
  }

  /** Slot owners are nodes of the dictionary (beliefs.ts). */
  private assertKnown(node: ClusterNode): void {
    assert(this.lookup(node.identity) === node, 'a slot owner is a known node', this.processIndex, node.name);
  }

  /** Removes the node from the dictionary (clusterDelNode's last step, after the cleanup). */
  unlinkNode(node: ClusterNode): void {
    assert(node.numSlots === 0, 'a node leaves the dictionary without slots', this.processIndex, node.name);
    this.setIdentity(node.identity, undefined);
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1);
  }

  private setIdentity(identity: number, node: ClusterNode | undefined): void {
    while (this.byIdentity.length <= identity) this.byIdentity.push(undefined);
    this.byIdentity[identity] = node;
  }

  doBeforeSleep(flags: number): void {
    this.todoBeforeSleep |= flags;
  }

  // --- the slot table -----------------------------------------------------------------------

  /** The owner of a slot in this view (server->slots[slot]), or null. */
  ownerOf(slot: number): ClusterNode | null {
    return this.ownersById[this.slotOwnerIds[slot]!]!;
  }

  /** The node a slotOwnerIds entry stands for (null for 0). */
  ownerById(id: number): ClusterNode | null {
    return this.ownersById[id]!;
  }

  /** clusterAddSlot: false if the slot already has an owner. */
  addSlot(node: ClusterNode, slot: number): boolean {
    assertIndex(slot, CLUSTER_SLOTS, 'addSlot');
    this.assertKnown(node);
    if (this.slotOwnerIds[slot] !== 0) return false;
    this.slotOwnerIds[slot] = node.slotOwnerId;
    node.numSlots++;
    // Keep a cached set in step: rescanning the 16384-slot table for it on the next nodes.conf
    // save cost the fuzz loop a sixth of its time when migrations move slots one at a time.
    if (node.slotsCache !== null) node.slotsCache = this.env.slotSets.withRange(node.slotsCache, slot, slot);
    this.ownerNotClaiming[slot] = 0;
    if (node.numSlots === 1) this.firstSlotGained(node);
    return true;
  }

  /** clusterDelSlot. */
  delSlot(slot: number): void {
    assertIndex(slot, CLUSTER_SLOTS, 'delSlot');
    const owner = this.ownerOf(slot);
    if (owner === null) return;
    this.slotOwnerIds[slot] = 0;
    owner.numSlots--;
    if (owner.slotsCache !== null) owner.slotsCache = this.env.slotSets.withoutRange(owner.slotsCache, slot, slot);
    this.ownerNotClaiming[slot] = 0;
  }

  /**
   * Binds slots start..end to `node` whatever they were bound to (clusterDelSlot + clusterAddSlot
   * over a range, done a run of equal owners at a time).
   */
  bindRange(node: ClusterNode, start: number, end: number): void {
    assertIndex(start, CLUSTER_SLOTS, 'bindRange start');
    assertIndex(end, CLUSTER_SLOTS, 'bindRange end');
    this.assertKnown(node);
    const ids = this.slotOwnerIds;
    const nodeId = node.slotOwnerId;
    let slot = start;
    while (slot <= end) {
      const ownerId = ids[slot]!;
      let runEnd = slot;
      while (runEnd < end && ids[runEnd + 1] === ownerId) runEnd++;
      const count = runEnd - slot + 1;
      if (ownerId !== nodeId) {
        // Keep the cached sets in step (cheaper than rescanning the table for them later).
        const sets = this.env.slotSets;
        const owner = this.ownersById[ownerId]!;
        if (owner !== null) {
          owner.numSlots -= count;
          if (owner.slotsCache !== null) owner.slotsCache = sets.withoutRange(owner.slotsCache, slot, runEnd);
        }
        ids.fill(nodeId, slot, runEnd + 1);
        this.ownerNotClaiming.fill(0, slot, runEnd + 1);
        const hadNone = node.numSlots === 0;
        node.numSlots += count;
        if (node.slotsCache !== null) node.slotsCache = sets.withRange(node.slotsCache, slot, runEnd);
        if (hadNone) this.firstSlotGained(node);
      }
      slot = runEnd + 1;
    }
  }

  /**
   * clusterNodeSetSlotBit's first slot: a primary that gets its first slot while some primary has
   * replicas becomes a replica-migration target (MIGRATE_TO), replicas or not (redis#3043).
   */
  private firstSlotGained(node: ClusterNode): void {
    for (const other of this.nodes) {
      if ((other.flags & NODE_REPLICA) === 0 && other.replicas.length > 0) {
        node.flags |= NODE_MIGRATE_TO;
        return;
      }
    }
  }

  /** clusterCloseAllSlots: no slot is migrating or importing any more. */
  closeAllSlots(): void {
    this.migratingSlotsTo.clear();
    this.importingSlotsFrom.clear();
  }

  /** clusterDelNodeSlots: returns how many slots it owned. */
  delNodeSlots(node: ClusterNode): number {
    let deleted = 0;
    if (node.numSlots === 0) return 0;
    // delSlot for each of its slots, with the cached set emptied once at the end.
    const ids = this.slotOwnerIds;
    const nodeId = node.slotOwnerId;
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      if (ids[slot] === nodeId) {
        ids[slot] = 0;
        this.ownerNotClaiming[slot] = 0;
        deleted++;
      }
    }
    node.numSlots -= deleted;
    node.slotsCache = node.numSlots === 0 ? this.env.slotSets.empty : null;
    return deleted;
  }

  /** node->slots: the node's slots in this view. */
  slotsOf(node: ClusterNode): SlotSet {
    if (node.slotsCache === null)
      node.slotsCache =
        node.numSlots === 0
          ? this.env.slotSets.empty
          : this.env.slotSets.ofOwnerId(this.slotOwnerIds, node.slotOwnerId);
    return node.slotsCache;
  }

  /** isSlotUnclaimed: no owner, or the owner stopped advertising it. */
  slotUnclaimed(slot: number): boolean {
    return this.slotOwnerIds[slot] === 0 || this.ownerNotClaiming[slot] === 1;
  }

  // --- replica lists -----------------------------------------------------------------------

  addReplica(primary: ClusterNode, replica: ClusterNode): void {
    addReplica(primary, replica, NODE_MIGRATE_TO);
  }

  removeReplica(primary: ClusterNode, replica: ClusterNode): void {
    removeReplica(primary, replica, NODE_MIGRATE_TO);
  }
}

export type { ClusterLink };
