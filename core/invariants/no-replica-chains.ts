/**
 * no-replica-chains: after faults heal, a live replica's primary is a primary: no replica of a
 * replica, no loops (protocol reference §9.3 "no replicaof chains or loops"). The primary's role
 * is its own report when it is live, else how the replica sees it.
 */
import type { Role } from '../view.ts';
import { finding, type Finding } from '../violation.ts';
import type { Invariant, InvariantContext } from './api.ts';
import { NodeDirectory, lastView, liveNodes, peerById, type LiveNode } from './view-facts.ts';

interface Link {
  role: Role;
  replicaOf: string | null;
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
    const path = [...chain, ...(loop ? [next!] : [])].map((id) => directory.label(id)).join(' -> ');
    return finding(
      'no-replica-chains',
      loop ? 'loop' : 'replica-of-replica',
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
