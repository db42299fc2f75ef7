/**
 * cluster-state-ok: after faults heal, every live node reports `cluster_state:ok` (protocol
 * reference §2.5, §9.3).
 *
 * Excused when Valkey's own rules keep the state at fail: fewer than size/2+1 slot owners are
 * live (a minority that cannot fail the dead ones over), or shards lost every node and either
 * cluster-require-full-coverage is on (their slots are uncovered) or the dead shards leave fewer
 * than size/2+1 reachable voting primaries, or, with full coverage, some live view still gives
 * slots to a dead primary that Valkey may not replace (failover-bound's excuses).
 */
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { unreplaceablePrimaries } from './failover-bound.ts';
import { writableDelayHeld } from './clock-facts.ts';
import { deadSlotOwningShards, failoverQuorumLost } from './dead-owners.ts';
import { NodeDirectory, lastView, liveNodes, type LiveNode } from './view-facts.ts';

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

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  if (stateFailExpected(context, live)) return null;
  const failing = live.filter((node) => node.report.clusterState !== 'ok');
  if (failing.length === 0) return null;
  // A primary whose wall clock was set back behind its writable delay (clock-facts.ts) is named
  // apart, and only when every failing node is one: anything else is reported first.
  const heldByClock = (node: LiveNode) =>
    node.report.role === 'primary' && writableDelayHeld(context.events, node.name, view.atMs);
  const first = failing.find((node) => !heldByClock(node)) ?? failing[0]!;
  const clock = heldByClock(first) ? ',clock=back' : '';
  return finding(
    'cluster-state-ok',
    `state=fail,role=${first.report.role}${clock}`,
    `${failing.map((node) => `${node.name} (${node.report.role})`).join(', ')} report cluster_state:fail at ` +
      `${view.atMs} ms; every shard has a live node, so after healing every live node should report ok` +
      (clock === '' ? '' : `; ${first.name}'s wall clock was set back behind its writable delay (redis/redis#6416)`),
    failing.map((node) => node.name),
  );
}

export const clusterStateOk: Invariant = {
  name: 'cluster-state-ok',
  kind: 'convergence',
  summary: 'every live node reports cluster_state:ok (unless whole shards are down)',
  check,
};
