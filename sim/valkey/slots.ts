/**
 * Slot ownership (protocol reference §4.3-§4.5): clusterUpdateSlotsConfigWith, which rebinds the
 * slots a primary claims with a larger configEpoch and turns me into the new owner's replica when
 * my shard lost everything; and UPDATE messages, sent to a node that advertises a stale claim and
 * applied on receipt.
 *
 * With it, what open slots (slot-migration.ts) do when ownership moves: a migration or import
 * follows a failover inside the other shard and is dropped when the slot goes to another shard,
 * and an importing primary whose source stops claiming the slot takes it with an epoch bumped
 * without consensus (the auto-claim). A primary that loses slots but not all of them deletes
 * their keys (the dirty slots, through the keyspace hook).
 */
import { assertConfigEpoch } from './beliefs.ts';
import { MSG_UPDATE, type Message } from '../message.ts';
import { isPrimary, isReplica, nodeEpoch, type ClusterLink, type ClusterNode } from './cluster-node.ts';
import { TODO_FSYNC_CONFIG, TODO_SAVE_CONFIG, TODO_UPDATE_STATE } from './constants.ts';
import { fillHeader, sendOnLink } from './gossip.ts';
import { bumpConfigEpochWithoutConsensus } from './epochs.ts';
import { setNodeAsPrimary, setPrimary } from './roles.ts';
import { flagConfigBroadcast } from './profile-rules.ts';
import type { ValkeyServer } from './server.ts';
import { rangesSplit, type SlotSet } from './slot-set.ts';

/**
 * clusterUpdateSlotsConfigWith(sender, senderConfigEpoch, slots). Valkey walks all 16384 slots;
 * each slot's outcome is independent of the others', so here the slots split by range arithmetic
 * against the sender's slots in my view: those it claims and already has only stop counting as
 * unclaimed, those it has but no longer claims start to, and only the claimed slots bound to
 * others are walked one by one (in ascending order, as Valkey does).
 */
export function updateSlotsConfigWith(
  server: ValkeyServer,
  sender: ClusterNode,
  senderConfigEpoch: number,
  slots: SlotSet,
): void {
  const myself = server.myself;
  if (sender === myself) return; // "Discarding UPDATE message about myself."
  const currentPrimary = isPrimary(myself) ? myself : myself.replicaOf;
  const sameShard = sender.shardId === myself.shardId;
  const ownedBefore = server.slotsOf(sender).ranges;
  const ownerIds = server.slotOwnerIds;
  let newPrimary: ClusterNode | null = null;
  const claimed = slots.ranges;
  const notClaiming = server.ownerNotClaiming;
  const openSlots = server.migratingSlotsTo.size + server.importingSlotsFrom.size > 0;
  const keyspace = server.keyspace;
  const dirtySlots: number[] = [];
  // Claimed and already the sender's: the owner claims it (again).
  if (ownedBefore.length > 0) {
    const kept = rangesSplit(claimed, ownedBefore, true);
    for (let i = 0; i < kept.length; i += 2) notClaiming.fill(0, kept[i]!, kept[i + 1]! + 1);
  }
  const others = ownedBefore.length > 0 ? rangesSplit(claimed, ownedBefore, false) : claimed;
  for (let i = 0; i < others.length; i += 2) {
    const last = others[i + 1]!;
    let slot = others[i]!;
    while (slot <= last) {
      // Skip the slots whose owner keeps them (usually all of them: a stale claim repeated in every
      // PING), reading the owner's epoch once per run of one owner.
      let seenId = -1;
      let ownerKeeps = false;
      for (; slot <= last; slot++) {
        const ownerId = ownerIds[slot]!;
        if (ownerId !== seenId) {
          seenId = ownerId;
          ownerKeeps = ownerId !== 0 && !(server.ownerById(ownerId)!.configEpoch < senderConfigEpoch);
        }
        if (!ownerKeeps || notClaiming[slot] === 1) break;
      }
      if (slot > last) break;
      // A run of slots to rebind (no owner, an owner that no longer claims it, or one with an older
      // configEpoch), rebound at once; walked a run of one owner at a time (a failover rebinds a
      // whole shard on every node), the slot-by-slot work only where a slot's owner asks for it.
      const runStart = slot;
      while (slot <= last) {
        const ownerId = ownerIds[slot]!;
        let ownerEnd = slot;
        while (ownerEnd < last && ownerIds[ownerEnd + 1] === ownerId) ownerEnd++;
        const owner = server.ownerById(ownerId);
        let end = ownerEnd;
        if (owner !== null && !(owner.configEpoch < senderConfigEpoch)) {
          // An owner that keeps its claim loses only the slots it no longer claims.
          for (let s = slot; s <= ownerEnd; s++) {
            if (notClaiming[s] !== 1) {
              end = s - 1;
              break;
            }
          }
        }
        if (owner === myself) for (let s = slot; s <= end; s++) if (keyspace.countKeysInSlot(s) > 0) dirtySlots.push(s);
        if (owner === currentPrimary && currentPrimary !== null && end >= slot) newPrimary = sender;
        if (openSlots) for (let s = slot; s <= end; s++) rewireOpenSlot(server, s, sender, sameShard);
        if (end >= slot) notClaiming.fill(0, slot, end + 1);
        if (end < ownerEnd) {
          slot = end + 1;
          break;
        }
        slot = ownerEnd + 1;
      }
      server.bindRange(sender, runStart, slot - 1);
      server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    }
  }
  // Slots bound to the sender that it no longer claims: keep the binding, remember the owner no
  // longer claims it (such slots are never sent in UPDATEs).
  if (ownedBefore.length > 0) {
    const dropped = rangesSplit(ownedBefore, claimed, false);
    for (let i = 0; i < dropped.length; i += 2) notClaiming.fill(1, dropped[i]!, dropped[i + 1]! + 1);
  }
  if (openSlots) openSlotsNotClaimed(server, sender, senderConfigEpoch, slots);
  // Empty-shard failover: neither of us owns slots, same shard, and its epoch is newer.
  if (
    newPrimary === null &&
    myself.replicaOf !== sender &&
    slots.count === 0 &&
    myself.numSlots === 0 &&
    nodeEpoch(myself) < senderConfigEpoch &&
    sameShard
  ) {
    newPrimary = sender;
  }
  if (newPrimary !== null && currentPrimary !== null && currentPrimary.numSlots === 0) {
    if (server.env.cluster.allowReplicaMigration || sameShard) {
      setPrimary(server, sender, !sameShard, !sameShard);
      server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
      flagConfigBroadcast(server); // 8.1: valkey-io/valkey#1295
    }
    // Otherwise I stay an empty primary ("My last slot was migrated ...").
  } else {
    // Still serving slots: drop the keys of those I lost.
    for (const slot of dirtySlots) keyspace.deleteKeysInSlot(slot);
  }
}

/**
 * A slot I am migrating or importing is rebound to `sender`: a migration to another shard's node
 * is over (an operator's doing); an import follows a failover in the source shard or ends.
 */
function rewireOpenSlot(server: ValkeyServer, slot: number, sender: ClusterNode, senderInMyShard: boolean): void {
  if (server.migratingSlotsTo.has(slot) && !senderInMyShard) server.migratingSlotsTo.delete(slot);
  const source = server.importingSlotsFrom.get(slot);
  if (source !== undefined && source !== sender) {
    if (source.shardId === sender.shardId) server.importingSlotsFrom.set(slot, sender);
    else server.importingSlotsFrom.delete(slot);
  }
}

/**
 * Open slots the sender does not claim: a migration whose target shard failed over follows the
 * sender; an import from the sender, which no longer claims the slot, ends, and a primary takes
 * the slot if it is not its own yet, bumping its epoch without consensus (the auto-claim, for a
 * finalisation its primary or itself missed).
 */
function openSlotsNotClaimed(
  server: ValkeyServer,
  sender: ClusterNode,
  senderConfigEpoch: number,
  slots: SlotSet,
): void {
  const claimedBits = slots.bits;
  for (const [slot, target] of server.migratingSlotsTo) {
    if (claimedBits[slot] === 1 || target === sender) continue;
    if ((target.configEpoch < senderConfigEpoch || isReplica(target)) && target.shardId === sender.shardId) {
      server.migratingSlotsTo.set(slot, sender);
      server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    }
  }
  const myself = server.myself;
  if (!isPrimary(myself)) return;
  for (const [slot, source] of server.importingSlotsFrom) {
    if (claimedBits[slot] === 1 || source !== sender) continue;
    server.importingSlotsFrom.delete(slot);
    if (server.ownerOf(slot) === myself) continue;
    server.delSlot(slot);
    server.addSlot(myself, slot);
    bumpConfigEpochWithoutConsensus(server);
    server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
  }
}

/**
 * §1.8 step 7g, second half: the sender claims slots that, in my view, belong to an owner with a
 * larger configEpoch: send it one UPDATE about the first such owner.
 */
export function sendUpdateIfStale(
  server: ValkeyServer,
  sender: ClusterNode,
  senderConfigEpoch: number,
  slots: SlotSet,
): void {
  // Slots bound to the sender are skipped by the rule, so only the others are walked.
  const own = server.slotsOf(sender).ranges;
  const ranges = own.length > 0 ? rangesSplit(slots.ranges, own, false) : slots.ranges;
  for (let i = 0; i < ranges.length; i += 2) {
    for (let slot = ranges[i]!; slot <= ranges[i + 1]!; slot++) {
      if (server.slotUnclaimed(slot)) continue;
      const owner = server.ownerOf(slot)!;
      if (owner.configEpoch > senderConfigEpoch) {
        sendUpdate(server, sender.link, owner);
        return;
      }
    }
  }
}

/** clusterSendUpdate: on my outbound link to the stale node; nothing without a link. */
function sendUpdate(server: ValkeyServer, link: ClusterLink | null, about: ClusterNode): void {
  if (link === null) return;
  const message = server.env.network.pool.acquire(MSG_UPDATE);
  fillHeader(server, message);
  message.about = about.identity;
  message.aboutConfigEpoch = about.configEpoch;
  message.aboutSlots = server.slotsOf(about);
  sendOnLink(server, link, message);
}

/** An UPDATE arrived: adopt the newer configEpoch and claim of the node it is about. */
export function processUpdate(server: ValkeyServer, sender: ClusterNode | null, message: Message): void {
  if (sender === null) return;
  const node = server.lookup(message.about);
  if (node === null) return;
  if (node.configEpoch >= message.aboutConfigEpoch) return;
  if (isReplica(node)) setNodeAsPrimary(server, node);
  node.configEpoch = message.aboutConfigEpoch;
  assertConfigEpoch(server, node);
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  updateSlotsConfigWith(server, node, message.aboutConfigEpoch, message.aboutSlots!);
}
