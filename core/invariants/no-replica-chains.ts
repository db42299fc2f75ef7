/**
 * no-replica-chains: after faults heal, a live replica's primary is a primary: no replica of a
 * replica, no loops (protocol reference §9.3 "no replicaof chains or loops"). The primary's role
 * is its own report when it is live, else how the replica sees it.
 *
 * Shapes: `replica-of-replica` (a chain), `loop` (a cycle), and `loop,via=missed-promotion`, a cycle
 * that exists only through a node that is down and that the replica still lists as a replica while
 * that node's own last state was primary (its promotion never reached the replica before it went
 * down), the replica having followed it from its previous primary, the node the replica lists it
 * replicating, with no REPLICATE or reset of the replica in between: 8.0.1's sub-replica safeguard
 * in clusterProcessPacket (myself->replicaof->replicaof != myself, one level only) re-points the
 * reader to its primary's new primary when that primary turns replica, and when the reader does not
 * list the two in one shard the "A failover occurred in shard" branch that would list the new
 * primary as a primary does not run (seed 1057966381). Only the down node's own messages (or an
 * UPDATE, sent only to a sender claiming primary) could change its role in the reader's table.
 */
import type { ObservedEvent } from '../events.ts';
import type { Role } from '../view.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { NodeDirectory, lastView, liveNodes, peerById, type LiveNode } from './view-facts.ts';

interface Link {
  role: Role;
  replicaOf: string | null;
}

/** The last node-state event of `name` (with `id` when the event names one) before `end`, as an index. */
function lastStateOf(events: readonly ObservedEvent[], name: string, id: string, end: number): number {
  for (let index = end - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.kind === 'node-state' && event.node === name && (event.id === undefined || event.id === id)) return index;
  }
  return -1;
}

/**
 * Whether `replica` (live) came to follow `down` by the sub-replica safeguard: its states show it
 * replicating `previous` and then, with no REPLICATE or reset of it in between, `down`, which it
 * still replicates at its last state.
 */
function followedGrandPrimary(
  events: readonly ObservedEvent[],
  replica: LiveNode,
  down: string,
  previous: string,
): boolean {
  let index = lastStateOf(events, replica.name, replica.report.id, events.length);
  let state = index < 0 ? null : events[index]!;
  if (state?.kind !== 'node-state' || state.role !== 'replica' || state.primary !== down) return false;
  // Back to the first state of this run of following `down`.
  let first = index;
  for (;;) {
    const before = lastStateOf(events, replica.name, replica.report.id, first);
    if (before < 0) return false;
    state = events[before]!;
    if (state.kind !== 'node-state') return false;
    if (state.role === 'replica' && state.primary === down) {
      first = before;
      continue;
    }
    index = before;
    break;
  }
  if (state.role !== 'replica' || state.primary !== previous) return false;
  for (let between = index + 1; between < first; between++) {
    const event = events[between]!;
    if (
      event.kind === 'fault' &&
      (event.action === 'replicate' || event.action === 'reset') &&
      event.nodes.includes(replica.name)
    )
      return false;
  }
  return true;
}

/**
 * The `missed-promotion` shape of a loop (`cycle`: its ids in order): some of its nodes are down,
 * each listed by the replica as a replica while its own last state was primary, and the replica
 * follows one of them, having come from the node it lists that one replicating.
 */
function missedPromotionLoop(
  events: readonly ObservedEvent[],
  liveById: ReadonlyMap<string, LiveNode>,
  directory: NodeDirectory,
  observer: LiveNode,
  cycle: readonly string[],
): boolean {
  const down = cycle.filter((id) => !liveById.has(id));
  if (down.length === 0) return false;
  for (const id of down) {
    const name = directory.nameOf(id);
    if (name === undefined) return false;
    const last = lastStateOf(events, name, id, events.length);
    const state = last < 0 ? null : events[last]!;
    if (state?.kind !== 'node-state' || state.role !== 'primary') return false;
  }
  const followed = observer.report.replicaOf;
  if (followed === null || liveById.has(followed)) return false;
  const listed = peerById(observer.report, followed);
  const followedName = directory.nameOf(followed);
  const previousName = listed?.replicaOf == null ? undefined : directory.nameOf(listed.replicaOf);
  if (listed?.role !== 'replica' || followedName === undefined || previousName === undefined) return false;
  return followedGrandPrimary(events, observer, followedName, previousName);
}

function check(context: InvariantContext): Finding | null {
  const view = lastView(context.views);
  if (view === null) return null;
  const live = liveNodes(view);
  const liveById = new Map(live.map((node) => [node.report.id, node] as const));
  const directory = new NodeDirectory(context);
  const linkOf = (observer: LiveNode, id: string): Link | null => {
    const own = liveById.get(id)?.report;
    if (own !== undefined) return { role: own.role, replicaOf: own.replicaOf };
    const peer = peerById(observer.report, id);
    return peer === undefined ? null : { role: peer.role, replicaOf: peer.replicaOf };
  };
  for (const replica of live) {
    if (replica.report.role !== 'replica' || replica.report.replicaOf === null) continue;
    const chain = [replica.report.id];
    let next: string | null = replica.report.replicaOf;
    while (next !== null && !chain.includes(next)) {
      const link = linkOf(replica, next);
      if (link === null || link.role !== 'replica') break;
      chain.push(next);
      next = link.replicaOf;
    }
    const loop = next !== null && chain.includes(next);
    if (chain.length === 1 && !loop) continue;
    const missedPromotion =
      loop && missedPromotionLoop(context.events, liveById, directory, replica, chain.slice(chain.indexOf(next!)));
    const path = [...chain, ...(loop ? [next!] : [])].map((id) => directory.label(id)).join(' -> ');
    return finding(
      'no-replica-chains',
      loop ? (missedPromotion ? 'loop,via=missed-promotion' : 'loop') : 'replica-of-replica',
      `${replica.name} replicates a node that is itself a replica at ${view.atMs} ms (${path}); ` +
        'every replica must replicate a primary directly',
      chain.flatMap((id) => directory.nameOf(id) ?? []),
    );
  }
  return null;
}

export const noReplicaChains: Invariant = {
  name: 'no-replica-chains',
  kind: 'convergence',
  summary: "a replica's primary is a primary: no chains, no loops",
  check,
};
