/**
 * Slots Valkey cannot serve and is right not to: those whose every claimed owner, in every live
 * view, is a dead primary that no rule lets a replica replace. Such an owner is one that
 * failover-bound excuses (no eligible replica left, the data-age gate, no quorum), one whose shard
 * has no live node at all, or any dead owner once the failover quorum is lost (§2.3, §3.3).
 *
 * Views may then differ on those slots without any fault of Valkey's: a node that joined (or was
 * reset and met again) after the owner died never hears the owner's own PING, the only message
 * that carries its slots (gossip entries carry none, §1.2), so it sees them unassigned while older
 * nodes still name the dead owner. slot-coverage and views-agree both excuse such slots.
 *
 * For the same reason a node that was down while such an owner won its slots in an election, and
 * came back after it died, still names the owner it replaced (its nodes.conf), and nothing will
 * correct it: only the dead winner's own PING would. When that replaced owner cannot serve either
 * (no running node answers to its id: it is down, or a RESET HARD gave it a new id and left a
 * noaddr ghost), its claim is as unservable as the winner's (supersededOwnerIds). A replaced owner
 * that is still live keeps its claim a finding: it could serve.
 */
import type { InvariantContext } from './api.ts';
import { unreplaceablePrimaries } from './failover-bound.ts';
import { NodeDirectory, SLOT_COUNT, type LiveNode } from './view-facts.ts';

/** Shards (by last reported shard id) that own slots (in some live view, or as a dead primary's last state) but have no live node. */
export function deadSlotOwningShards(context: InvariantContext, live: readonly LiveNode[]): Set<string> {
  const directory = new NodeDirectory(context);
  // A node reset out of its shard (CLUSTER RESET, and since then neither a replica nor a slot owner)
  // keeps the shard id in 8.0.1 (RESET SOFT) but cannot serve the shard: it does not count as live.
  const resetAway = new Set<string>();
  for (const event of context.events) {
    if (event.kind === 'fault' && event.action === 'reset' && event.detail === 'OK')
      for (const node of event.nodes) resetAway.add(node);
    else if (event.kind === 'node-state' && (event.role === 'replica' || event.slotCount > 0))
      resetAway.delete(event.node);
  }
  const liveShards = new Set(live.filter((node) => !resetAway.has(node.name)).map((node) => node.report.shardId));
  const dead = new Set<string>();
  const addShardOf = (name: string | undefined): void => {
    const shard = name === undefined ? undefined : directory.shardOf(name);
    if (shard !== undefined && !liveShards.has(shard)) dead.add(shard);
  };
  for (const observer of live) {
    for (const peer of observer.report.peers) if (peer.slots.length > 0) addShardOf(directory.nameOf(peer.id));
  }
  // A dead primary that every live node has forgotten (CLUSTER FORGET) is in no live view, yet its
  // slots went with it: its last node-state says it owned some.
  const lastOwned = new Map<string, boolean>();
  for (const event of context.events)
    if (event.kind === 'node-state') lastOwned.set(event.node, event.role === 'primary' && event.slotCount > 0);
  const view = context.views[context.views.length - 1];
  for (const node of view?.nodes ?? []) {
    if (node.process !== 'running' && lastOwned.get(node.name) === true) addShardOf(node.name);
  }
  return dead;
}

/**
 * True when fewer than size/2+1 of the slot owners named in live views are live, size counting
 * the dead owners too, as Valkey's cluster size does: then no failover can replace a dead one.
 */
export function failoverQuorumLost(live: readonly LiveNode[]): boolean {
  const owners = new Set<string>();
  for (const observer of live) {
    if (observer.report.slots.length > 0) owners.add(observer.report.id);
    for (const peer of observer.report.peers) if (peer.slots.length > 0) owners.add(peer.id);
  }
  const liveIds = new Set(live.map((node) => node.report.id));
  const liveOwners = [...owners].filter((id) => liveIds.has(id)).length;
  return owners.size > 0 && liveOwners < Math.floor(owners.size / 2) + 1;
}

/** Ids (as live views name them) of the dead owners whose slots Valkey may leave unserved. */
export function unservableOwnerIds(
  context: InvariantContext,
  live: readonly LiveNode[],
  directory: NodeDirectory,
): Set<string> {
  const liveIds = new Set(live.map((node) => node.report.id));
  const quorumLost = failoverQuorumLost(live);
  const deadShards = deadSlotOwningShards(context, live);
  const unreplaceable = unreplaceablePrimaries(context);
  const ids = new Set<string>();
  for (const observer of live) {
    for (const peer of observer.report.peers) {
      if (peer.slots.length === 0 || liveIds.has(peer.id) || ids.has(peer.id)) continue;
      const name = directory.nameOf(peer.id);
      const shard = name === undefined ? undefined : directory.shardOf(name);
      if (
        quorumLost ||
        (name !== undefined && unreplaceable.has(name)) ||
        (shard !== undefined && deadShards.has(shard))
      )
        ids.add(peer.id);
    }
  }
  for (const id of supersededOwnerIds(context, liveIds, ids)) ids.add(id);
  return ids;
}

/**
 * The ids of owners that one of the `unservable` dead owners replaced by an election (it won while
 * it replicated the node that had the id then), that no live node answers to any more. A view that
 * still names such an id missed the winner's claim, and no live node will ever make that claim.
 */
export function supersededOwnerIds(
  context: InvariantContext,
  liveIds: ReadonlySet<string>,
  unservable: ReadonlySet<string>,
): Set<string> {
  const superseded = new Set<string>();
  if (unservable.size === 0) return superseded;
  // In event order: each node's id so far, and the primary it last replicated (a backend may report
  // the winner's new role before or after its election-won event).
  const idOf = new Map<string, string>();
  const replicated = new Map<string, string>();
  for (const event of context.events) {
    if (event.kind === 'node-state') {
      if (event.id !== undefined) idOf.set(event.node, event.id);
      if (event.role === 'replica' && event.primary !== null) replicated.set(event.node, event.primary);
      continue;
    }
    if (event.kind !== 'election-won') continue;
    const winnerId = idOf.get(event.node);
    const replaced = replicated.get(event.node);
    if (winnerId === undefined || !unservable.has(winnerId) || replaced === undefined) continue;
    const replacedId = idOf.get(replaced);
    if (replacedId !== undefined && !liveIds.has(replacedId) && !unservable.has(replacedId)) superseded.add(replacedId);
  }
  return superseded;
}

/**
 * Per slot, 1 when at least one live view claims it and every live view's claim is an unservable
 * dead owner (so a view that leaves it unassigned is excused too); 0 otherwise. Null when no slot is.
 */
export function unservableSlots(live: readonly LiveNode[], unservable: ReadonlySet<string>): Uint8Array | null {
  if (unservable.size === 0) return null;
  // 0: no claim seen, 1: only unservable claims, 2: some other claim.
  const state = new Uint8Array(SLOT_COUNT);
  const mark = (ranges: ReadonlyArray<readonly [number, number]>, value: 1 | 2): void => {
    for (const [start, end] of ranges) {
      for (let slot = start; slot <= end; slot++) if (state[slot]! < value) state[slot] = value;
    }
  };
  for (const observer of live) {
    for (const peer of observer.report.peers) {
      if (peer.id !== observer.report.id) mark(peer.slots, unservable.has(peer.id) ? 1 : 2);
    }
    mark(observer.report.slots, 2);
  }
  let any = false;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if (state[slot] === 1) any = true;
    else state[slot] = 0;
  }
  return any ? state : null;
}

/**
 * Slots that went with an unservable dead owner that CLUSTER FORGET deleted from every live view.
 * 8.0.1 CLUSTER FORGET (and the FORGOTTEN_NODE extension that gossips the ban, which also reaches a
 * node restarted later from a nodes.conf that still lists the node) calls clusterDelNode, and
 * clusterDelNodeSlots unassigns the node's slots (protocol reference §5.2). Forgetting a primary
 * that is down for good and that no replica may replace (unreplaceablePrimaries) changes nothing a
 * client can tell: its slots were unservable and stay so. It only erases the name unservableSlots
 * keys on, so those slots are excused here from the events instead: the forgotten owner's last
 * node-state gives how many slots it held (events carry no ranges). valkey-io/valkey#3899 lists
 * the case: gossip lets a primary with slots and no replicas be forgotten, at the cost of full slot
 * coverage.
 *
 * A slot counts when no running node claims it in its own report, no live view names a live owner
 * for it, and at least one live view sees it unassigned (a view that deleted the forgotten owner
 * with it); the other views name nothing or a dead owner (a node that was down while the forgotten
 * owner took the slot, by election or migration, still names the owner before it: only the dead
 * winner's own PING would correct it). All of it holds only when the count of such slots is at most
 * what the forgotten owners last held, each of them named by a successful forget step, down at the
 * end, unreplaceable, last a primary with slots, and named by no live view. Null when none is.
 */
export function forgottenUnservableSlots(context: InvariantContext, live: readonly LiveNode[]): Uint8Array | null {
  const view = context.views[context.views.length - 1];
  if (view === undefined || live.length === 0) return null;
  // A running node without a report might claim the slots: no excuse then.
  if (view.nodes.some((node) => node.process === 'running' && node.report === null)) return null;
  const forgotten = new Set<string>();
  const last = new Map<string, { id: string | undefined; owned: number }>();
  for (const event of context.events) {
    if (event.kind === 'fault' && event.action === 'forget' && event.detail.includes(': OK'))
      for (const node of event.nodes) forgotten.add(node);
    else if (event.kind === 'node-state')
      last.set(event.node, {
        id: event.id ?? last.get(event.node)?.id,
        owned: event.role === 'primary' ? event.slotCount : 0,
      });
  }
  if (forgotten.size === 0) return null;
  const named = new Set<string>();
  for (const observer of live) {
    named.add(observer.report.id);
    for (const peer of observer.report.peers) named.add(peer.id);
  }
  const running = new Set(view.nodes.filter((node) => node.process === 'running').map((node) => node.name));
  let budget = 0;
  let unreplaceable: Set<string> | null = null;
  for (const name of forgotten) {
    const state = last.get(name);
    if (running.has(name) || state === undefined || state.owned === 0 || state.id === undefined) continue;
    if (named.has(state.id)) continue;
    unreplaceable ??= unreplaceablePrimaries(context);
    if (unreplaceable.has(name)) budget += state.owned;
  }
  if (budget === 0) return null;
  // Per slot, bits: 1 some live view sees it unassigned, 2 some live view names a dead owner,
  // 4 a live owner is named or a running node claims it.
  const state = new Uint8Array(SLOT_COUNT);
  const liveIds = new Set(live.map((node) => node.report.id));
  for (const observer of live) {
    const owner = new Uint8Array(SLOT_COUNT);
    for (const peer of observer.report.peers) {
      const bit = liveIds.has(peer.id) ? 4 : 2;
      for (const [start, end] of peer.slots) for (let slot = start; slot <= end; slot++) owner[slot]! |= bit;
    }
    for (const [start, end] of observer.report.slots) for (let slot = start; slot <= end; slot++) owner[slot]! |= 4;
    for (let slot = 0; slot < SLOT_COUNT; slot++) state[slot]! |= owner[slot] === 0 ? 1 : owner[slot]!;
  }
  for (const node of view.nodes) {
    if (node.report === null) continue;
    for (const [start, end] of node.report.slots) for (let slot = start; slot <= end; slot++) state[slot]! |= 4;
  }
  let count = 0;
  for (let slot = 0; slot < SLOT_COUNT; slot++) {
    if ((state[slot]! & 4) === 0 && (state[slot]! & 1) !== 0) {
      state[slot] = 1;
      count++;
    } else state[slot] = 0;
  }
  return count > 0 && count <= budget ? state : null;
}

/** The union of two per-slot excuse arrays (1: excused); null when neither excuses a slot. */
export function unionOfSlots(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (a === null || b === null) return a ?? b;
  const union = new Uint8Array(SLOT_COUNT);
  for (let slot = 0; slot < SLOT_COUNT; slot++) union[slot] = a[slot] === 1 || b[slot] === 1 ? 1 : 0;
  return union;
}
