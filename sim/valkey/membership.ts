/**
 * Leaving the cluster (protocol reference §5.2-§5.3), as 8.0.1 does it:
 * - the FORGET blacklist: node ids with an expiry in whole unix seconds (`cluster-blacklist-ttl`,
 *   60 s), cleaned lazily when an id is added or looked up; gossip cannot re-add a listed id;
 * - CLUSTER FORGET <id> and the FORGOTTEN_NODE ping extension that carries every unexpired entry
 *   with its remaining TTL to peers that support extensions, where it blacklists and deletes the
 *   node too (not myself, not my primary), so one FORGET spreads to the whole cluster;
 * - CLUSTER RESET SOFT|HARD: a replica turns primary and drops its data; every other node, every
 *   slot, the open slots, the manual failover and the blacklist go; HARD also zeroes the epochs
 *   and draws a new node id and shard id, so peers see a PONG with a different id on their link
 *   and mark the old identity NOADDR (packet.ts).
 * A forgotten node that keeps running is not re-added by its own PINGs (only a MEET or gossip
 * adds a node); 8.1's re-MEET of itself is not in 8.0.1.
 */
import type { Message } from '../message.ts';
import { isPrimary, isReplica, type ClusterNode } from './cluster-node.ts';
import { TODO_FSYNC_CONFIG, TODO_SAVE_CONFIG, TODO_UPDATE_STATE } from './constants.ts';
import { delNode } from './links.ts';
import { resetManualFailover } from './manual-failover.ts';
import { unsetPrimary } from './replication.ts';
import { setNodeAsPrimary } from './roles.ts';
import type { ValkeyServer } from './server.ts';

/** cluster-blacklist-ttl's default. */
export const BLACKLIST_TTL_SEC = 60;

/** server.unixtime: the clock in whole seconds, as the blacklist reads it. */
function unixSec(server: ValkeyServer): number {
  return Math.floor(server.nowMs / 1000);
}

/** clusterBlacklistCleanup: drop entries whose expiry is in the past. */
function blacklistCleanup(server: ValkeyServer): void {
  const now = unixSec(server);
  for (const [identity, expireSec] of server.blacklist) if (expireSec < now) server.blacklist.delete(identity);
}

/** clusterBlacklistAddNode: listed until now + TTL (an existing entry gets the new expiry). */
export function blacklistAdd(server: ValkeyServer, node: ClusterNode): void {
  blacklistCleanup(server);
  server.blacklist.set(node.identity, unixSec(server) + BLACKLIST_TTL_SEC);
}

/** clusterBlacklistExists. */
export function blacklistExists(server: ValkeyServer, identity: number): boolean {
  if (server.blacklist.size === 0) return false;
  blacklistCleanup(server);
  return server.blacklist.has(identity);
}

/** CLUSTER FORGET <id>: null on OK, or Valkey's error text. */
export function forget(server: ValkeyServer, identity: number): string | null {
  const node = server.lookup(identity);
  const myself = server.myself;
  if (node === null) {
    // Already forgotten (maybe through another node's gossip): pretend it worked.
    return blacklistExists(server, identity) ? null : `ERR Unknown node ${server.env.identities.nodes.name(identity)}`;
  }
  if (node === myself) return "ERR I tried hard but I can't forget myself...";
  if (isReplica(myself) && myself.replicaOf === node) return "ERR Can't forget my master!";
  blacklistAdd(server, node);
  delNode(server, node);
  server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  return null;
}

/** writePingExtensions' forgotten nodes: every unexpired entry with its remaining TTL. */
export function writeForgottenNodes(server: ValkeyServer, message: Message): void {
  if (server.blacklist.size === 0) return;
  const now = unixSec(server);
  let count = 0;
  for (const [identity, expireSec] of server.blacklist) {
    if (expireSec < now) continue;
    message.ensureForgottenCapacity(count + 1);
    message.forgottenIdentity[count] = identity;
    message.forgottenTtlSec[count] = expireSec - now;
    count++;
  }
  message.forgottenCount = count;
}

/**
 * clusterProcessPingExtensions' FORGOTTEN_NODE: blacklist the node until now + TTL and delete it,
 * unless it is myself or my primary.
 */
export function processForgottenNodes(server: ValkeyServer, message: Message): void {
  const myself = server.myself;
  const now = unixSec(server);
  for (let i = 0; i < message.forgottenCount; i++) {
    const node = server.lookup(message.forgottenIdentity[i]!);
    if (node === null || node === myself || (isReplica(myself) && myself.replicaOf === node)) continue;
    server.blacklist.set(node.identity, now + message.forgottenTtlSec[i]!);
    delNode(server, node);
    server.doBeforeSleep(TODO_UPDATE_STATE | TODO_SAVE_CONFIG);
  }
}

/**
 * CLUSTER RESET [SOFT|HARD]: null on OK, or Valkey's error text. The caller emits the data loss
 * of a reset replica.
 */
export function clusterReset(server: ValkeyServer, hard: boolean): string | null {
  const myself = server.myself;
  if (isPrimary(myself) && server.keyspace.keyCount() !== 0)
    return "ERR CLUSTER RESET can't be called with master nodes containing keys";
  if (isReplica(myself)) {
    setNodeAsPrimary(server, myself);
    unsetPrimary(server);
    server.keyspace.flush();
  }
  server.closeAllSlots();
  resetManualFailover(server);
  server.delNodeSlots(myself);
  for (const node of [...server.nodes]) if (node !== myself) delNode(server, node);
  server.blacklist.clear();
  if (hard) {
    server.currentEpoch = 0;
    server.lastVoteEpoch = 0;
    myself.configEpoch = 0;
    const identities = server.env.identities;
    server.renameNode(myself, identities.freshNode(server.rng, server.processIndex));
    myself.shardId = identities.shards.fresh(server.rng);
  }
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
  return null;
}
