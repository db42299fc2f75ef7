/**
 * cluster-state-ok: after faults heal, every live node reports `cluster_state:ok` (protocol
 * reference §2.5, §9.3).
 *
 * Excused when Valkey's own rules keep the state at fail: fewer than size/2+1 slot owners are
 * live (a minority that cannot fail the dead ones over), or shards lost every node and either
 * cluster-require-full-coverage is on (their slots are uncovered) or the dead shards leave fewer
 * than size/2+1 reachable voting primaries, or, with full coverage, some live view still gives
 * slots to a dead primary that Valkey may not replace (failover-bound's excuses), or such a
 * primary's slots went with it when CLUSTER FORGET deleted it from every live view.
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { unreplaceablePrimaries } from './failover-bound.ts';
import { clockBehindPast, writableDelayHeld } from './clock-facts.ts';
import { deadSlotOwningShards, failoverQuorumLost, forgottenUnservableSlots } from './dead-owners.ts';
import { NodeDirectory, SLOT_COUNT, lastView, liveNodes, type LiveNode } from './view-facts.ts';

/** Shards that own slots in some live view (by the owners' last shard ids). */
function slotOwningShardCount(context: InvariantContext, live: readonly LiveNode[]): number {
  const directory = new NodeDirectory(context);
  const owning = new Set<string>();
  for (const observer of live) {
    for (const peer of observer.report.peers) {
      if (peer.slots.length === 0) continue;
      const name = directory.nameOf(peer.id);
      owning.add((name === undefined ? undefined : directory.shardOf(name)) ?? `id:${peer.id}`);
    }
  }
  return owning.size;
}

/** With full coverage: a live view gives slots to a dead primary that no replica may replace. */
function slotsOfUnreplaceablePrimary(context: InvariantContext, live: readonly LiveNode[]): boolean {
  if (!context.scenario.cluster.requireFullCoverage) return false;
  // Or such a primary's slots went with it when CLUSTER FORGET deleted it from every live view:
  // they are unassigned (or named to a dead owner) and nothing will claim them (dead-owners.ts).
  if (forgottenUnservableSlots(context, live) !== null) return true;
  const names = unreplaceablePrimaries(context);
  if (names.size === 0) return false;
  const directory = new NodeDirectory(context);
  return live.some((observer) =>
    observer.report.peers.some((peer) => {
      const name = directory.nameOf(peer.id);
      return peer.slots.length > 0 && name !== undefined && names.has(name);
    }),
  );
}

function stateFailExpected(context: InvariantContext, live: readonly LiveNode[]): boolean {
  if (failoverQuorumLost(live)) return true;
  if (slotsOfUnreplaceablePrimary(context, live)) return true;
  const dead = deadSlotOwningShards(context, live).size;
  if (dead === 0) return false;
  if (context.scenario.cluster.requireFullCoverage) return true;
  const size = slotOwningShardCount(context, live);
  return size - dead < Math.floor(size / 2) + 1;
}

/**
 * Whether the node's own view lets 8.0.1's clusterUpdateState compute ok: every slot has an owner
 * it does not flag fail (with full coverage required), and a majority of the primaries that own
 * slots is neither fail nor fail? in its view (itself counted).
 */
function ownViewAllowsOk(node: LiveNode, fullCoverage: boolean): boolean {
  const covered = new Uint8Array(SLOT_COUNT);
  let size = 0;
  let reachable = 0;
  for (const peer of node.report.peers) {
    const self = peer.id === node.report.id;
    const slots = self ? node.report.slots : peer.slots;
    if (slots.length === 0) continue;
    const failing = !self && (peer.flags.includes('fail') || peer.flags.includes('fail?'));
    if (peer.role === 'primary' || self) {
      size++;
      if (!failing) reachable++;
    }
    if (self || !peer.flags.includes('fail')) for (const [start, end] of slots) covered.fill(1, start, end + 1);
  }
  if (fullCoverage && covered.includes(0)) return false;
  return reachable >= Math.floor(size / 2) + 1;
}

/**
 * A primary whose own view allows ok, yet reports fail, while its wall clock reads earlier than it
 * once did: 8.0.1 holds a primary at fail only by its two wall-clock gates, the writable delay
 * after start (first_call_time) and the rejoin delay after a minority (among_minority_time, up to
 * 5 s), and a timestamp taken before a jump back lies in the clock's future (seed 414934: node-2 in
 * a minority at +1 h, then set back an hour, fail for the rest of the run). clusterUpdateState
 * runs every cron, so nothing else keeps the old state.
 */
function rejoinDelayHeld(context: InvariantContext, node: LiveNode, atMs: number): boolean {
  return (
    clockBehindPast(context.events, node.name, atMs) &&
    ownViewAllowsOk(node, context.scenario.cluster.requireFullCoverage)
  );
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  if (stateFailExpected(context, live)) return null;
  const failing = live.filter((node) => node.report.clusterState !== 'ok');
  if (failing.length === 0) return null;
  // A primary whose wall clock was set back behind its writable or rejoin delay is named
  // apart, and only when every failing node is one: anything else is reported first.
  const heldByClock = (node: LiveNode) =>
    node.report.role === 'primary' &&
    (writableDelayHeld(context.events, node.name, view.atMs) || rejoinDelayHeld(context, node, view.atMs));
  const first = failing.find((node) => !heldByClock(node)) ?? failing[0]!;
  const clock = heldByClock(first) ? ',clock=back' : '';
  return finding(
    'cluster-state-ok',
    `state=fail,role=${first.report.role}${clock}`,
    `${failing.map((node) => `${node.name} (${node.report.role})`).join(', ')} report cluster_state:fail at ` +
      `${view.atMs} ms; every shard has a live node, so after healing every live node should report ok` +
      (clock === ''
        ? ''
        : `; ${first.name}'s wall clock was set back behind its writable or rejoin delay (redis/redis#6416)`),
    failing.map((node) => node.name),
  );
}

export const clusterStateOk: Invariant = {
  name: 'cluster-state-ok',
  kind: 'convergence',
  summary: 'every live node reports cluster_state:ok (unless whole shards are down)',
  check,
};
