/**
 * Starting a server process (clusterInit): fresh, or from the nodes.conf it saved before
 * (clusterLoadConfig, protocol reference §4.6). Here the server's parts are put together: its
 * state (server.ts) gets its keyspace (data-keyspace.ts), whose writes feed the replication
 * stream (replication.ts). Injected, so neither the state nor the keyspace depends on the rules.
 */
import type { Rng } from '../../core/rng.ts';
import { ClusterNode, isReplica, setPongReceived } from './cluster-node.ts';
import { NODE_FAIL, NODE_MYSELF, NODE_PRIMARY, VALKEY_CLOCK_OFFSET_MS } from './constants.ts';
import { DataKeyspace, type KeyspaceOwner } from './data-keyspace.ts';
import { maxEpoch } from './epochs.ts';
import { saveConfig } from './nodes-conf.ts';
import type { NodesConf } from './nodes-conf-snapshot.ts';
import { feedWrite } from './replication.ts';
import { ValkeyServer, type ServerEnv } from './server.ts';

/** The server side of a keyspace: its writes go into the server's replication stream. */
class ServerKeyspaceOwner implements KeyspaceOwner {
  constructor(private readonly server: ValkeyServer) {}

  get processIndex(): number {
    return this.server.processIndex;
  }

  feedsStream(): boolean {
    return this.server.replication.primaryAddress < 0;
  }

  feedWrite(bytes: number, key: number, seq: number, requestAck: boolean): void {
    feedWrite(this.server, bytes, key, seq, requestAck);
  }

  keysMigrated(to: KeyspaceOwner, keys: readonly number[]): void {
    this.server.env.keysMigrated(this.server.processIndex, to.processIndex, keys);
  }
}

/** A server's keyspace (module level, not a closure per server: V8 optimises it once). */
function keyspaceOf(server: ValkeyServer): DataKeyspace {
  return new DataKeyspace(new ServerKeyspaceOwner(server));
}

/**
 * clusterInit without a nodes.conf: a new primary with a random id (or `givenId`, as a nodes.conf
 * naming only the node itself would give it) and a random shard id, saved at once.
 */
export function freshServer(
  env: ServerEnv,
  processIndex: number,
  rng: Rng,
  givenId: string | null = null,
): ValkeyServer {
  const identity = env.identities.freshNode(rng, processIndex, givenId);
  const shardId = env.identities.shards.fresh(rng);
  const myself = new ClusterNode(
    identity,
    env.identities.nodes.name(identity),
    NODE_MYSELF | NODE_PRIMARY,
    processIndex,
    shardId,
    wallNowMs(env, processIndex),
  );
  const server = new ValkeyServer(env, processIndex, rng, myself, keyspaceOf);
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
  const server = new ValkeyServer(env, processIndex, rng, myself, keyspaceOf);
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
