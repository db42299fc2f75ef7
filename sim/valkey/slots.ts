/**
 * Slot ownership (protocol reference §4.3-§4.5): clusterUpdateSlotsConfigWith, which rebinds the
 * slots a primary claims with a larger configEpoch and turns me into the new owner's replica when
 * my shard lost everything; and UPDATE messages, sent to a node that advertises a stale claim and
 * applied on receipt.
 *
 * Not modelled yet (later issues): migrating/importing states and their rewiring, and deleting
 * the keys of lost slots ("dirty slots"), which needs the data model.
 */
import { MSG_UPDATE, type Message } from '../message.ts';
import { isPrimary, isReplica, nodeEpoch, type ClusterLink, type ClusterNode } from './cluster-node.ts';
import { TODO_FSYNC_CONFIG, TODO_SAVE_CONFIG, TODO_UPDATE_STATE } from './constants.ts';
import { fillHeader, sendOnLink } from './gossip.ts';
import { setNodeAsPrimary, setPrimary } from './roles.ts';
import type { ValkeyServer } from './server.ts';
import type { SlotSet } from './slot-set.ts';

/**
 * clusterUpdateSlotsConfigWith(sender, senderConfigEpoch, slots). Valkey walks all 16384 slots;
 * only the slots the sender claims and those it owns in my view can change, so those are walked
 * (each slot's outcome is independent of the others, so the order does not matter).
 */
export function updateSlotsConfigWith(server: ValkeyServer, sender: ClusterNode, senderConfigEpoch: number, slots: SlotSet): void {
  const myself = server.myself;
  if (sender === myself) return; // "Discarding UPDATE message about myself."
  const currentPrimary = isPrimary(myself) ? myself : myself.replicaOf;
  const sameShard = sender.shardId === myself.shardId;
  const ownedBefore = server.slotsOf(sender).ranges;
  const owners = server.slots;
  let newPrimary: ClusterNode | null = null;
  const claimed = slots.ranges;
  const notClaiming = server.ownerNotClaiming;
  for (let i = 0; i < claimed.length; i += 2) {
    // Slots to rebind are collected into runs and rebound a run at a time.
    let runStart = -1;
    for (let slot = claimed[i]!; slot <= claimed[i + 1]! + 1; slot++) {
      let rebind = false;
      if (slot <= claimed[i + 1]!) {
        const owner = owners[slot]!;
        if (owner === sender) notClaiming[slot] = 0;
        else if (owner === null || notClaiming[slot] === 1 || owner.configEpoch < senderConfigEpoch) {
          if (owner === currentPrimary && currentPrimary !== null) newPrimary = sender;
          notClaiming[slot] = 0;
          rebind = true;
        }
      }
      if (rebind && runStart < 0) runStart = slot;
      if (!rebind && runStart >= 0) {
        server.bindRange(sender, runStart, slot - 1);
        server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
        runStart = -1;
      }
    }
  }
  // Slots bound to the sender that it no longer claims: keep the binding, remember the owner no
  // longer claims it (such slots are never sent in UPDATEs).
  if (ownedBefore.length > 0) {
    const claimedBits = slots.bits;
    for (let i = 0; i < ownedBefore.length; i += 2) {
      for (let slot = ownedBefore[i]!; slot <= ownedBefore[i + 1]!; slot++) {
        if (claimedBits[slot] === 0 && owners[slot] === sender) server.ownerNotClaiming[slot] = 1;
      }
    }
  }
  // Empty-shard failover: neither of us owns slots, same shard, and its epoch is newer.
  if (newPrimary === null && myself.replicaOf !== sender && slots.count === 0 && myself.numSlots === 0 && nodeEpoch(myself) < senderConfigEpoch && sameShard) {
    newPrimary = sender;
  }
  if (newPrimary !== null && currentPrimary !== null && currentPrimary.numSlots === 0) {
    if (server.env.cluster.allowReplicaMigration || sameShard) {
      setPrimary(server, sender, !sameShard, !sameShard);
      server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_UPDATE_STATE | TODO_FSYNC_CONFIG);
    }
    // Otherwise I stay an empty primary ("My last slot was migrated ...").
  }
}

/**
 * §1.8 step 7g, second half: the sender claims slots that, in my view, belong to an owner with a
 * larger configEpoch: send it one UPDATE about the first such owner.
 */
export function sendUpdateIfStale(server: ValkeyServer, sender: ClusterNode, senderConfigEpoch: number, slots: SlotSet): void {
  const ranges = slots.ranges;
  for (let i = 0; i < ranges.length; i += 2) {
    for (let slot = ranges[i]!; slot <= ranges[i + 1]!; slot++) {
      const owner = server.slots[slot]!;
      if (owner === sender || server.slotUnclaimed(slot)) continue;
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
  server.doBeforeSleep(TODO_SAVE_CONFIG | TODO_FSYNC_CONFIG);
  updateSlotsConfigWith(server, node, message.aboutConfigEpoch, message.aboutSlots!);
}
