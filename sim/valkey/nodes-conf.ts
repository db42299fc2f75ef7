/**
 * nodes.conf (protocol reference §4.6): what a server writes (every node but handshake ones, the
 * CLUSTER NODES fields, then `vars currentEpoch lastVoteEpoch`), when (clusterSaveConfig from
 * beforeSleep, or synchronously for an election win and a collision bump), and how a restarted
 * process loads it: replicas get configEpoch 0, a nonzero ping/pong becomes "now", FAIL sets
 * fail_time to now, and currentEpoch is raised to the largest configEpoch in the file.
 *
 * The file is kept as a structured snapshot rather than text; `formatNodesConf` prints it the way
 * Valkey would, for tests and debugging. A kill keeps the last snapshot (the rename happened);
 * fsync only matters for a machine crash, which the simulator does not model.
 */
import type { Rng } from '../../core/rng.ts';
import { ClusterNode, isReplica, nodeEpoch, setPongReceived } from './cluster-node.ts';
import {
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MYSELF,
  NODE_PRIMARY,
  NODE_NOADDR,
  NODE_NOFAILOVER,
  NODE_PFAIL,
  NODE_REPLICA,
  PERSISTED_FLAGS,
  TODO_FSYNC_CONFIG,
  TODO_SAVE_CONFIG,
  VALKEY_CLOCK_OFFSET_MS,
} from './constants.ts';
import { maxEpoch } from './epochs.ts';
import { ValkeyServer, type ServerEnv } from './server.ts';
import type { SlotSet } from './slot-set.ts';

export interface NodesConfEntry {
  name: string;
  /** Process index standing for ip:port@cport; -1 for noaddr. */
  address: number;
  flags: number;
  primary: string | null;
  pingSent: boolean;
  pongReceived: boolean;
  /** The epoch column: a replica's is its primary's configEpoch. */
  epoch: number;
  slots: SlotSet;
  shardId: number;
}

export interface OpenSlotEntry {
  slot: number;
  migrating: boolean;
  node: string;
}

export interface NodesConf {
  entries: NodesConfEntry[];
  /** Open slots on the myself line, by slot: `[slot->-id]` migrating, `[slot-<-id]` importing. */
  openSlots: OpenSlotEntry[];
  currentEpoch: number;
  lastVoteEpoch: number;
}

/**
 * clusterGenNodesDescription(CLUSTER_NODE_HANDSHAKE) plus the vars line. `into`: a snapshot nobody
 * reads any more, whose objects are refilled (saves are frequent; see saveConfig).
 */
export function snapshot(server: ValkeyServer, into: NodesConf | null = null): NodesConf {
  const entries: NodesConfEntry[] = into === null ? [] : into.entries;
  let count = 0;
  for (const node of server.nodes) {
    if ((node.flags & NODE_HANDSHAKE) !== 0) continue;
    let entry = entries[count];
    if (entry === undefined) {
      entry = {
        name: '',
        address: 0,
        flags: 0,
        primary: null,
        pingSent: false,
        pongReceived: false,
        epoch: 0,
        slots: server.env.slotSets.empty,
        shardId: 0,
      };
      entries.push(entry);
    }
    entry.name = node.name;
    entry.address = node.address;
    entry.flags = node.flags & PERSISTED_FLAGS;
    entry.primary = node.replicaOf !== null ? node.replicaOf.name : null;
    entry.pingSent = node.pingSentAtMs !== 0;
    entry.pongReceived = node.pongReceivedAtMs !== 0;
    entry.epoch = nodeEpoch(node);
    entry.slots = server.slotsOf(node);
    entry.shardId = node.shardId;
    count++;
  }
  entries.length = count;
  const openSlots = openSlotEntries(server);
  if (into === null)
    return { entries, openSlots, currentEpoch: server.currentEpoch, lastVoteEpoch: server.lastVoteEpoch };
  into.openSlots = openSlots;
  into.currentEpoch = server.currentEpoch;
  into.lastVoteEpoch = server.lastVoteEpoch;
  return into;
}

/** clusterGenNodeDescription's open slots of myself: migrating wins over importing for one slot. */
function openSlotEntries(server: ValkeyServer): OpenSlotEntry[] {
  if (server.migratingSlotsTo.size + server.importingSlotsFrom.size === 0) return [];
  const out: OpenSlotEntry[] = [];
  for (const [slot, node] of server.migratingSlotsTo) out.push({ slot, migrating: true, node: node.name });
  for (const [slot, node] of server.importingSlotsFrom)
    if (!server.migratingSlotsTo.has(slot)) out.push({ slot, migrating: false, node: node.name });
  return out.sort((a, b) => a.slot - b.slot);
}

/** clusterSaveConfigOrDie: write now (the todo flags for saving are consumed). */
export function saveConfig(server: ValkeyServer): void {
  server.todoBeforeSleep &= ~(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  // Two snapshots per server, written in turn: the one persisted before the last is read by
  // nobody (a restart reads the last), so its objects are refilled instead of allocated anew.
  const buffers = server.confBuffers;
  const conf = snapshot(server, buffers[server.confNext]!);
  buffers[server.confNext] = conf;
  server.confNext ^= 1;
  server.env.persist(server.processIndex, conf);
}

/** clusterInit without a nodes.conf: a new primary with a random id and shard id, saved at once. */
export function freshServer(env: ServerEnv, processIndex: number, rng: Rng): ValkeyServer {
  const identity = env.identities.freshNode(rng, processIndex);
  const shardId = env.identities.shards.fresh(rng);
  const myself = new ClusterNode(
    identity,
    env.identities.nodes.name(identity),
    NODE_MYSELF | NODE_PRIMARY,
    processIndex,
    shardId,
    wallNowMs(env, processIndex),
  );
  const server = new ValkeyServer(env, processIndex, rng, myself);
  saveConfig(server);
  return server;
}

/** mstime() on that node before its server exists (its own clock: node-clock.ts). */
function wallNowMs(env: ServerEnv, processIndex: number): number {
  const worldMs = Math.floor(env.scheduler.nowMs);
  return (env.clockOf?.(processIndex).wallMs(worldMs) ?? worldMs) + VALKEY_CLOCK_OFFSET_MS;
}

/** clusterLoadConfig. */
export function loadServer(env: ServerEnv, processIndex: number, rng: Rng, conf: NodesConf): ValkeyServer {
  const mine = conf.entries.find((entry) => (entry.flags & NODE_MYSELF) !== 0);
  if (mine === undefined) throw new Error(`nodes.conf of process ${processIndex} has no myself line`);
  const nowMs = wallNowMs(env, processIndex);
  const names = env.identities.nodes;
  const myself = new ClusterNode(names.intern(mine.name), mine.name, 0, processIndex, mine.shardId, nowMs);
  const server = new ValkeyServer(env, processIndex, rng, myself);
  const nodeFor = (name: string): ClusterNode => {
    const identity = names.intern(name);
    let node = server.lookup(identity);
    if (node === null) {
      node = new ClusterNode(identity, name, 0, -1, env.identities.shards.placeholder(), nowMs);
      server.addNode(node);
    }
    return node;
  };
  for (const entry of conf.entries) {
    const node = nodeFor(entry.name);
    node.address = entry.address;
    node.shardId = entry.shardId;
    node.flags |= entry.flags;
    if ((entry.flags & NODE_FAIL) !== 0) node.failTimeAtMs = nowMs;
    if (entry.primary !== null) {
      const primary = nodeFor(entry.primary);
      node.replicaOf = primary;
      server.addReplica(primary, node);
    }
    if (entry.pingSent) node.pingSentAtMs = nowMs;
    if (entry.pongReceived) setPongReceived(node, nowMs);
    node.configEpoch = isReplica(node) && node.replicaOf !== null ? 0 : entry.epoch;
    const ranges = entry.slots.ranges;
    for (let i = 0; i < ranges.length; i += 2) server.bindRange(node, ranges[i]!, ranges[i + 1]!);
    if (ranges.length > 0) node.slotsCache = entry.slots; // each slot has one owner in the file
  }
  for (const open of conf.openSlots) {
    (open.migrating ? server.migratingSlotsTo : server.importingSlotsFrom).set(open.slot, nodeFor(open.node));
  }
  server.currentEpoch = Math.max(conf.currentEpoch, maxEpoch(server));
  server.lastVoteEpoch = conf.lastVoteEpoch;
  return server;
}

/** nodes.conf as Valkey writes it (addresses as 127.0.0.<process+1>:7000@17000). */
export function formatNodesConf(conf: NodesConf, shardName: (shardId: number) => string): string {
  const lines = conf.entries.map((entry) => {
    const address = entry.address < 0 ? ':0@0' : `127.0.0.${entry.address + 1}:7000@17000`;
    const open =
      (entry.flags & NODE_MYSELF) === 0
        ? []
        : conf.openSlots.map((o) => `[${o.slot}${o.migrating ? '->-' : '-<-'}${o.node}]`);
    const slots = [...(entry.slots.key === '' ? [] : entry.slots.key.split(',')), ...open]
      .map((part) => ` ${part}`)
      .join('');
    return (
      `${entry.name} ${address},,tls-port=0,shard-id=${shardName(entry.shardId)} ${flagWords(entry.flags)} ` +
      `${entry.primary ?? '-'} ${entry.pingSent ? 1 : 0} ${entry.pongReceived ? 1 : 0} ${entry.epoch} connected${slots}`
    );
  });
  lines.push(`vars currentEpoch ${conf.currentEpoch} lastVoteEpoch ${conf.lastVoteEpoch}`);
  return `${lines.join('\n')}\n`;
}

/** representClusterNodeFlags. */
export function flagWords(flags: number): string {
  const words: string[] = [];
  if (flags & NODE_MYSELF) words.push('myself');
  if (flags & NODE_PRIMARY) words.push('master');
  if (flags & NODE_REPLICA) words.push('slave');
  if (flags & NODE_PFAIL) words.push('fail?');
  if (flags & NODE_FAIL) words.push('fail');
  if (flags & NODE_HANDSHAKE) words.push('handshake');
  if (flags & NODE_NOADDR) words.push('noaddr');
  if (flags & NODE_NOFAILOVER) words.push('nofailover');
  return words.length === 0 ? 'noflags' : words.join(',');
}
