/**
 * one-primary-per-shard: after faults heal, a shard that owns slots has exactly one node that
 * claims to be primary (protocol reference §9.3 "exactly one primary per shard", "old primaries
 * became replicas"; §3.5, §4.5). Shards are grouped by the shard id each live node reports. A
 * soft-reset node whose MEET never completed counts too: it knows no node, but it answers the
 * members' PINGs (8.0.1 replies to an unknown sender's PING) with its role and the shard id it kept,
 * so every member lists it as a primary of its old shard (seed 1634660283); that it knows none of
 * them is membership-symmetric's finding.
 *
 * Shapes: `via=split-slots` (two primaries of one shard own slots: a split brain), and for a
 * primary without slots next to the owner, by what made it one (its last such event):
 * `via=slotless-election` (it won an election that gave it no slots: a replica re-pointed to a
 * primary that had lost its slots, e.g. by a stale packet, §1.8 step 7f), `via=no-election` (it
 * was a replica and turned primary without winning anything: in 8.0.1 a stale packet from a node
 * that claims to replicate it does that, §1.8 step 7f promotes the claimed primary, itself),
 * `via=reset` (a CLUSTER RESET that ran, not one skipped as `if_replica`, left it an empty primary
 * that keeps its shard id, as 8.0.1 does) or
 * `via=stale-demotion` (a primary that was never turned into a replica). An election won as the
 * replica of a primary that owned no slots by its own last state is `via=empty-primary-election`:
 * 8.0.1 runs elections for primaries without slots (clusterHandleReplicaFailover lost Redis's
 * "serving slots" precondition in valkey-io/valkey#445), so a replica that follows a slotless
 * primary of its shard (the empty-shard rule of clusterUpdateSlotsConfigWith makes an empty primary
 * follow one with a greater configEpoch) fails it over when it is flagged FAIL. When the empty
 * primary it replaced was itself a `stale-demotion` by its own states then (it owned slots and lost
 * them all without turning replica, winning an election or being reset since: 8.0.1 reads a
 * re-learned owner's shard id only after the slot update, valkey-io/valkey#1064), the election is
 * `via=demoted-primary-election` (seed 1796672633), apart from the other ways a replica comes to
 * follow an empty primary (a reset one, one that never owned slots). When it was a `no-election`
 * primary by its own states then (a replica that turned primary with no slots without winning an
 * election or being reset since: clusterProcessPacket's "A failover occurred in shard" branch run
 * for a sender that names the reader as its primary, which promotes the reader itself), the
 * election is `via=unelected-primary-election` (seed 1599568908). When it was itself the winner of
 * such an election, in a line of slotless elections (no slot owned, replica turn or reset between
 * them) that starts at a demoted owner, the election is `via=demoted-chain-election` (seed
 * 1313807487: two TAKEOVERs, each of an empty primary). A line that starts at an unelected
 * primary instead is `via=unelected-chain-election` (seed 378961656: node-2 promoted itself on a
 * peer's claim naming it, node-1's FAILOVER FORCE replaced it, node-0's election node-1, node-2's
 * node-0; the one-link line is unelected-primary-election). A split loss is named apart from the
 * plain paths: the shard's owner was replaced by an election of a node of its shard, which then
 * migrated some of the shard's slots to another shard's node; a reader of the successor's claim
 * before the migrated slots' new owner's keeps the owner with those slots, and the claim that takes
 * them comes from another shard, which clusterUpdateSlotsConfigWith does not follow with
 * cluster-allow-replica-migration no. The old owner that lost its slots in those two steps is
 * `via=split-demotion` (not `stale-demotion`), and its replica since before the successor's win
 * (never re-pointed, unlike flaw (a)) that wins an election with no slots is `via=split-election`
 * (not `slotless-election`; seed 1572810549). A replica that an operator's CLUSTER REPLICATE
 * pointed at a primary another node's election had replaced with its slots (after it followed that
 * successor: the primary owns no slot in its table) and that wins an election with no slots is
 * `via=replicate-election`, not the stale-packet `slotless-election` (seed 1486777714). A slotless primary
 * that such an election replaced while it was down, and that came back from its saved config with a
 * configEpoch not below the winner's election epoch, is `via=replaced-restart`: the empty-shard rule
 * (strictly greater epoch) did not make it follow the winner on its one read of the winner's new
 * claim, and nothing re-runs it (seed 338934833). With several slotless
 * primaries the tag names each path once, sorted and joined by `+`, so a shape of two different
 * paths is not taken for one path twice.
 */
import type { ObservedEvent } from '../events.ts';
import type { ClusterView } from '../view.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { countShape, lastView, liveNodes, type LiveNode } from './view-facts.ts';

function byShard(live: readonly LiveNode[]): Map<string, LiveNode[]> {
  const shards = new Map<string, LiveNode[]>();
  for (const node of live) {
    const members = shards.get(node.report.shardId) ?? [];
    members.push(node);
    shards.set(node.report.shardId, members);
  }
  return shards;
}

type SlotlessVia =
  | 'slotless-election'
  | 'split-election'
  | 'replicate-election'
  | 'empty-primary-election'
  | 'demoted-primary-election'
  | 'demoted-chain-election'
  | 'unelected-chain-election'
  | 'unelected-primary-election'
  | 'replaced-restart'
  | 'no-election'
  | 'reset'
  | 'split-demotion'
  | 'stale-demotion';

/** Whether `node` is in another shard than `shardId` by the last view (false when it gave no report). */
type OtherShard = (node: string) => boolean;

/**
 * A CLUSTER RESET of `node` that ran. A reset step with `if_replica` on a node that is a primary by
 * then is recorded too, as skipped: it changed nothing, so it names no path (dead-owners.ts reads
 * resets the same way).
 */
function wasReset(event: ObservedEvent, node: string): boolean {
  return event.kind === 'fault' && event.action === 'reset' && event.detail === 'OK' && event.nodes.includes(node);
}

/** The primary of `node`'s last state as a replica before event `before`, or null. */
function primaryBefore(events: readonly ObservedEvent[], node: string, before: number): string | null {
  for (let index = before - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === node && event.role === 'replica') return event.primary;
  }
  return null;
}

/**
 * Whether `node` is a slotless primary that its replica replaced by an election while it was down,
 * and that came back from its saved config with a configEpoch not below the winner's: the
 * `replaced-restart` path. The returned node still lists the winner as its replica, so it reads the
 * winner's claim once as a change (clusterProcessPacket calls clusterUpdateSlotsConfigWith for a
 * sender last reported as a replica); neither owns slots, so only the empty-shard rule could make it
 * follow, and that rule wants nodeEpoch(myself) < senderConfigEpoch strictly. After that read the
 * winner is a slotless primary in its view whose claim never changes, and the winner never runs
 * the rule for it either: 8.0.1 has no other rule that reunites two slotless primaries of a shard.
 */
function replacedWhileDown(events: readonly ObservedEvent[], node: string, end: number): boolean {
  let replacedAt = -1;
  for (let index = end - 1; index >= 0 && replacedAt < 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === node && event.role === 'replica') return false;
    if (event.kind === 'election-won' && event.node === node) return false;
    if (wasReset(event, node)) return false;
    if (event.kind === 'election-won' && primaryBefore(events, event.node, index) === node) replacedAt = index;
  }
  if (replacedAt < 0) return false;
  // Down, and a primary without slots, when it was replaced.
  let down = false;
  let slotless = false;
  for (let index = replacedAt - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-down' && event.node === node) {
      down = true;
      break;
    }
    if (event.kind === 'node-up' && event.node === node) break;
  }
  for (let index = replacedAt - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === node) {
      slotless = event.role === 'primary' && event.slotCount === 0;
      break;
    }
  }
  if (!down || !slotless) return false;
  const won = events[replacedAt]!;
  if (won.kind !== 'election-won') return false;
  // Back up: its first state after the restart holds the configEpoch it read the winner's claim with.
  for (let index = replacedAt + 1; index < end; index++) {
    const event = events[index]!;
    if (event.kind !== 'node-up' || event.node !== node) continue;
    for (let after = index + 1; after < end; after++) {
      const state = events[after]!;
      if (state.kind === 'node-state' && state.node === node)
        return state.role === 'primary' && state.configEpoch >= won.epoch;
    }
    return false;
  }
  return false;
}

/**
 * The primary that the election `node` won at event `wonAt` replaced, when that primary owned no
 * slots by its own last state then (the primary of `node`'s last state as a replica, and that
 * primary's last state); null otherwise.
 */
function replacedEmptyPrimary(events: readonly ObservedEvent[], node: string, wonAt: number): string | null {
  const primary = primaryBefore(events, node, wonAt);
  if (primary === null) return null;
  for (let index = wonAt - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === primary)
      return event.role === 'primary' && event.slotCount === 0 ? primary : null;
  }
  return null;
}

/**
 * Walking back from `end` through `node`'s own history: whether it last turned primary from an
 * owning state ('owner': it owned slots and has lost them since) or from a replica state
 * ('replica'), or null when an election it won, a reset of it, or a replacement while it was down
 * comes first. The two paths below are its two answers.
 */
function lastTurnOf(events: readonly ObservedEvent[], node: string, end: number): 'owner' | 'replica' | null {
  if (replacedWhileDown(events, node, end)) return null;
  for (let index = end - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'election-won' && event.node === node) return null;
    if (wasReset(event, node)) return null;
    if (event.kind !== 'node-state' || event.node !== node) continue;
    if (event.role === 'replica') return 'replica';
    if (event.slotCount > 0) return 'owner';
  }
  return null;
}

/**
 * Whether `node`, by the events before `end`, is a primary that owned slots and lost them all
 * without turning replica, winning an election or being reset since: the `stale-demotion` path seen
 * in its own states (an owning state, not only the absence of any other path).
 */
function demotedOwner(events: readonly ObservedEvent[], node: string, end: number): boolean {
  return lastTurnOf(events, node, end) === 'owner';
}

/**
 * Whether `node`, by the events before `end`, is a primary without slots that was a replica and
 * turned primary without winning an election or being reset since, and owned no slot since: the
 * `no-election` path seen in its own states (a replica state, not only the absence of any other
 * path). clusterSetNodeAsPrimary changes only the role: the node's slots stay none.
 */
function unelectedPrimary(events: readonly ObservedEvent[], node: string, end: number): boolean {
  return lastTurnOf(events, node, end) === 'replica';
}

/** A root of a line of slotless elections: demotedOwner or unelectedPrimary. */
type LineRoot = (events: readonly ObservedEvent[], node: string, end: number) => boolean;

/**
 * Whether `node`, by the events before `end`, is a primary without slots that last turned primary
 * by an election replacing a primary that `root` names (a demoted owner, or an unelected primary),
 * or replacing another primary of that kind, and owned no slot, turned replica or was reset since:
 * the head of a line of slotless elections that starts at such a root (seed 1313807487: node-1's
 * TAKEOVER of the demoted node-0, then node-2's of node-1; seed 378961656: node-1's FAILOVER FORCE
 * of the unelected node-2, node-0's election over node-1, node-2's over node-0). Each link is
 * checked by its own states, as `root` checks the first one.
 */
function electedOverLine(events: readonly ObservedEvent[], node: string, end: number, root: LineRoot): boolean {
  if (replacedWhileDown(events, node, end)) return false;
  for (let index = end - 1; index >= 0; index--) {
    const event = events[index]!;
    if (wasReset(event, node)) return false;
    if (event.kind === 'election-won' && event.node === node) {
      const replaced = replacedEmptyPrimary(events, node, index);
      if (replaced === null) return false;
      return root(events, replaced, index) || electedOverLine(events, replaced, index, root);
    }
    if (event.kind !== 'node-state' || event.node !== node) continue;
    if (event.role === 'replica' || event.slotCount > 0) return false;
  }
  return false;
}

/** The number of slots a migrate_slots step moved, by its detail (`N slots ...` or `N of M slots ...`). */
function slotsMoved(detail: string): number {
  const match = /^(\d+) (?:of \d+ )?slots /.exec(detail);
  return match === null ? 0 : Number(match[1]);
}

/**
 * Whether, between events `from` and `to`, a migrate_slots step from `source` moved at least one
 * slot to a node of another shard.
 */
function migratedAway(
  events: readonly ObservedEvent[],
  source: string,
  from: number,
  to: number,
  otherShard: OtherShard,
): boolean {
  for (let index = from + 1; index < to; index++) {
    const event = events[index]!;
    if (event.kind !== 'fault' || event.action !== 'migrate_slots' || event.nodes[0] !== source) continue;
    const target = event.nodes[1];
    if (target !== undefined && otherShard(target) && slotsMoved(event.detail) > 0) return true;
  }
  return false;
}

/**
 * The index of the last election before `end` that replaced `primary` (the winner's last state as a
 * replica named it) while `primary` owned slots by its own last state then and after which the
 * winner moved slots of the shard to a node of another shard before `end` (migratedAway); -1 if
 * none.
 */
function splitBySuccessor(
  events: readonly ObservedEvent[],
  primary: string,
  end: number,
  otherShard: OtherShard,
): number {
  for (let index = end - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind !== 'election-won' || event.node === primary) continue;
    if (primaryBefore(events, event.node, index) !== primary) continue;
    if (lastSlotCount(events, primary, index) <= 0) continue;
    if (migratedAway(events, event.node, index, end, otherShard)) return index;
  }
  return -1;
}

/** `node`'s slot count by its last state before event `before` as a primary, or -1. */
function lastSlotCount(events: readonly ObservedEvent[], node: string, before: number): number {
  for (let index = before - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === node) return event.role === 'primary' ? event.slotCount : -1;
  }
  return -1;
}

/**
 * Whether the `stale-demotion` of `node`, whose last owning state is event `owning`, is a split
 * loss (seed 1572810549): a node of its shard won an election replacing it while it owned slots and
 * then migrated some of the shard's slots to another shard's node, and `node` lost its slots in two
 * steps, its last owning state holding fewer slots than its owning state before that. 8.0.1's
 * clusterUpdateSlotsConfigWith follows the sender only when that update leaves my shard with no
 * slots: the successor's claim (read first) left it the migrated slots, and the claim that took
 * those came from a node of another shard, which a primary with cluster-allow-replica-migration no
 * does not follow ("I am now an empty primary"). The empty-shard rule never runs again for the
 * successor's unchanged claim.
 */
function splitDemotion(
  events: readonly ObservedEvent[],
  node: string,
  owning: number,
  otherShard: OtherShard,
): boolean {
  const last = events[owning]!;
  if (last.kind !== 'node-state') return false;
  let before = -1;
  for (let index = owning - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind !== 'node-state' || event.node !== node) continue;
    if (event.role !== 'primary' || event.slotCount <= 0) return false;
    if (event.slotCount === last.slotCount) continue; // another epoch, the same slots
    before = event.slotCount;
    break;
  }
  if (before <= last.slotCount) return false;
  return splitBySuccessor(events, node, owning + 1, otherShard) >= 0;
}

/**
 * Whether the election `node` won at event `wonAt`, replacing a primary that owned slots by its own
 * last state, is the replica's side of a split loss (seed 1572810549): that primary had been
 * replaced by another node's election while it owned slots, the successor then migrated some of the
 * shard's slots to another shard's node, and `node` was the primary's replica since before the
 * successor's win (not re-pointed to it since, as flaw (a)'s stale packet does). In the replica's
 * view the successor's claim left its primary the migrated slots and the claim of the other shard's
 * owner took those, so clusterUpdateSlotsConfigWith did not re-point it (another shard, replica
 * migration off), and it failed the now empty, unreachable primary over with no slots.
 */
function splitElection(events: readonly ObservedEvent[], node: string, wonAt: number, otherShard: OtherShard): boolean {
  const primary = primaryBefore(events, node, wonAt);
  if (primary === null) return false;
  const successorWon = splitBySuccessor(events, primary, wonAt, otherShard);
  if (successorWon < 0) return false;
  // It replicated `primary` before the successor's win and every state of it since names `primary`.
  for (let index = wonAt - 1; index > successorWon; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === node && event.primary !== primary) return false;
    if (wasReset(event, node)) return false;
  }
  return primaryBefore(events, node, successorWon) === primary;
}

/**
 * Whether the election `node` won at event `wonAt`, replacing a primary that owned slots by its own
 * last state, was won by a replica that an operator's CLUSTER REPLICATE pointed at that primary after
 * another node's election had replaced it with its slots and `node` had followed that successor (seed
 * 1486777714): in `node`'s table the primary had lost its slots to the successor, and 8.0.1's CLUSTER
 * REPLICATE accepts any primary, slots or not. `node` flags it FAIL and wins an election with no
 * slots (clusterHandleReplicaFailover runs for a primary without slots since valkey-io/valkey#445).
 * Not flaw (a): no stale packet re-pointed it. Every state of `node` from the REPLICATE to the win
 * names that primary, and the state before it names the successor.
 */
function replicateElection(events: readonly ObservedEvent[], node: string, wonAt: number): boolean {
  const primary = primaryBefore(events, node, wonAt);
  if (primary === null) return false;
  let first = -1;
  for (let index = wonAt - 1; index >= 0; index--) {
    const event = events[index]!;
    if (wasReset(event, node)) return false;
    if (event.kind === 'election-won' && event.node === node) return false;
    if (event.kind !== 'node-state' || event.node !== node) continue;
    if (event.role === 'replica' && event.primary === primary) {
      first = index;
      continue;
    }
    if (first < 0 || event.role !== 'replica' || event.primary === null) return false;
    const successor = event.primary;
    const pointedAt = events[first]!.atMs;
    const replicated = events.some(
      (fault, at) =>
        at > index &&
        fault.kind === 'fault' &&
        fault.action === 'replicate' &&
        fault.detail === 'OK' &&
        fault.nodes[0] === node &&
        fault.atMs >= event.atMs &&
        fault.atMs <= pointedAt,
    );
    if (!replicated) return false;
    for (let before = index - 1; before >= 0; before--) {
      const won = events[before]!;
      if (won.kind !== 'election-won' || won.node !== successor) continue;
      return primaryBefore(events, successor, before) === primary && lastSlotCount(events, primary, before) > 0;
    }
    return false;
  }
  return false;
}

/** Whether a node is in another shard than `member` by the last view. */
function otherShardThan(view: ClusterView, member: LiveNode): OtherShard {
  return (name) => {
    const node = view.nodes.find((candidate) => candidate.name === name);
    return node?.report != null && node.report.shardId !== member.report.shardId;
  };
}

/**
 * What last made `node` a primary without slots: a restart after its replica replaced it, an
 * election it won (one that replaced an empty primary told apart by whether that primary was a
 * demoted owner or an unelected one then), a reset that ran, none while a replica, or neither.
 */
function slotlessVia(events: readonly ObservedEvent[], node: string, otherShard: OtherShard): SlotlessVia {
  if (replacedWhileDown(events, node, events.length)) return 'replaced-restart';
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'election-won' && event.node === node) {
      const replaced = replacedEmptyPrimary(events, node, index);
      if (replaced === null) {
        if (splitElection(events, node, index, otherShard)) return 'split-election';
        return replicateElection(events, node, index) ? 'replicate-election' : 'slotless-election';
      }
      if (demotedOwner(events, replaced, index)) return 'demoted-primary-election';
      if (unelectedPrimary(events, replaced, index)) return 'unelected-primary-election';
      if (electedOverLine(events, replaced, index, demotedOwner)) return 'demoted-chain-election';
      return electedOverLine(events, replaced, index, unelectedPrimary)
        ? 'unelected-chain-election'
        : 'empty-primary-election';
    }
    if (wasReset(event, node)) return 'reset';
    if (event.kind !== 'node-state' || event.node !== node) continue;
    if (event.role === 'replica') return 'no-election';
    if (event.slotCount > 0)
      return splitDemotion(events, node, index, otherShard) ? 'split-demotion' : 'stale-demotion';
  }
  return 'stale-demotion';
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  for (const members of byShard(liveNodes(view)).values()) {
    const primaries = members.filter((node) => node.report.role === 'primary');
    const owning = primaries.filter((node) => node.report.slots.length > 0);
    if (owning.length === 0 || primaries.length < 2) continue;
    const slotless = primaries.filter((node) => node.report.slots.length === 0);
    const via =
      owning.length >= 2 || slotless.length === 0
        ? 'split-slots'
        : [...new Set(slotless.map((node) => slotlessVia(context.events, node.name, otherShardThan(view, node))))]
            .sort()
            .join('+');
    const describe = (node: LiveNode): string =>
      `${node.name} (configEpoch ${node.report.configEpoch}, ${node.report.slots.length > 0 ? 'owns slots' : 'no slots'})`;
    return finding(
      'one-primary-per-shard',
      `primaries=${countShape(primaries.length)},via=${via}`,
      `Shard of ${members.map((node) => node.name).join(', ')} has ${primaries.length} nodes claiming primary at ` +
        `${view.atMs} ms: ${primaries.map(describe).join(', ')}; a converged shard has one primary and the ` +
        'others replicate it',
      primaries.map((node) => node.name),
    );
  }
  return null;
}

export const onePrimaryPerShard: Invariant = {
  name: 'one-primary-per-shard',
  kind: 'convergence',
  summary: 'a shard that owns slots has exactly one node claiming primary',
  check,
};
